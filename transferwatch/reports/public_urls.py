"""Public pages (no login): the transparency report and its open data."""

from django.urls import path

from transferwatch.reports import views

urlpatterns = [
    path("", views.public_report, name="public_report"),
    path("data.csv", views.public_csv, name="public_report_csv"),
    path("data.json", views.public_json, name="public_report_json"),
]
