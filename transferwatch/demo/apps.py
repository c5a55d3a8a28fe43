from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "transferwatch.demo"
    verbose_name = "Demo"
