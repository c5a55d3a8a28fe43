from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "transferwatch.audit"
    verbose_name = "Audit trail"
