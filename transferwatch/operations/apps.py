from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "transferwatch.operations"
    verbose_name = "Operations (health, worker queue, shutdown)"
