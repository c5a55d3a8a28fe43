from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "transferwatch.operations"
    verbose_name = "Operations (health, worker queue, shutdown)"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from transferwatch.lib.counting import remember_table_sizes

        connection_created.connect(remember_table_sizes, dispatch_uid="tw-table-sizes")
