from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "transferwatch.cases"
    verbose_name = "Allegations and inquiries"
