from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "transferwatch.backup"
    verbose_name = "Backups"
