from django.apps import AppConfig


class DiscretionConfig(AppConfig):
    name = "transferwatch.discretion"
    verbose_name = "PD requests to ICE"
