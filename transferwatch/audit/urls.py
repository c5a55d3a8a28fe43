from django.urls import path

from transferwatch.audit import views

urlpatterns = [
    path("", views.event_list, name="audit_log"),
    path("verify/", views.verify, name="audit_verify"),
]
