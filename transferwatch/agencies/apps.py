from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "transferwatch.agencies"
    verbose_name = "Agencies"
