from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "transferwatch.imports"
    verbose_name = "Imports"
