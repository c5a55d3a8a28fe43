from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "transferwatch.accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from transferwatch.accounts import sync

        post_migrate.connect(sync.after_migrate, sender=self)
        sync.connect_login_events()
