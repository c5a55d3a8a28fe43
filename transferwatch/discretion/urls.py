from django.urls import path

from transferwatch.discretion import views

urlpatterns = [
    path("", views.pd_list, name="pd_list"),
    path("new/", views.pd_new, name="pd_new"),
    path("<int:pk>/", views.pd_detail, name="pd_detail"),
    path("<int:pk>/edit/", views.pd_edit, name="pd_edit"),
    path("<int:pk>/act/<str:action>/", views.pd_act, name="pd_act"),
    path("<int:pk>/reveal/", views.pd_reveal, name="pd_reveal"),
]
