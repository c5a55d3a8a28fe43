"""Public pages (no login): report a problem, check its status with the record number."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
