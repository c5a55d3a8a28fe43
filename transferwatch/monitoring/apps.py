from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "transferwatch.monitoring"
    verbose_name = "Monitoring"
