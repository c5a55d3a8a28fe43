from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "transferwatch.escalations"
    verbose_name = "Escalations and remedies"
