"""Public pages (no login): report a problem, check its status with the record number."""

from django.urls import path

from transferwatch.cases import public

urlpatterns = [
    path("", public.report, name="report"),
    path("received/", public.report_done, name="report_done"),
    path("status/", public.status, name="report_status"),
]
