from django.urls import path

from transferwatch.operations import views

urlpatterns = [
    path("", views.operations, name="operations"),
    path("restart/<str:kind>/<int:pk>/", views.restart, name="operations_restart"),
]
