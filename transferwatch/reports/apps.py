from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "transferwatch.reports"
    verbose_name = "Reports"
