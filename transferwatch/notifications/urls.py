from django.urls import path

from transferwatch.notifications import views

urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("<int:pk>/retry/", views.retry, name="outbox_retry"),
]
