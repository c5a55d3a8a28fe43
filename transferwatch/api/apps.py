from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "transferwatch.api"
    verbose_name = "API"
