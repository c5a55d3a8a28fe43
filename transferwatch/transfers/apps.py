from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transferwatch.transfers"
    verbose_name = "Transfers"
