from django.urls import path

from transferwatch.imports import views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/rejects.csv", views.import_rejects, name="import_rejects"),
]
