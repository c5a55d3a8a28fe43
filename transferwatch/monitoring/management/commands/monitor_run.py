"""`transferwatch monitor_run`: a monitoring run over the imported data, recorded in the database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from transferwatch.analytics.aggregate import MonitorInputError
from transferwatch.monitoring import services
from transferwatch.monitoring.management.commands.monitor import option_date


class Command(BaseCommand):
    help = (
        "Run the monitoring engine over the imported warehouse and agencies, store the results "
        "and open monitoring allegations for agencies newly at significant concern. Exit 2 on bad input, 1 on "
        "failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="period_from", help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="period_to", help="last day (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        period_from = option_date("from", options["period_from"])
        period_to = option_date("to", options["period_to"])
        try:
            run = services.queue(None, period_from, period_to)
        except MonitorInputError as exc:
            raise CommandError(str(exc), returncode=2) from None
        try:
            run = services.execute(run)
        except Exception as exc:
            raise CommandError(f"run {run.pk} failed: {exc}", returncode=1) from exc
        if run.status == "failed":
            # The engine refused the input (no agencies, no bookings in the period, ...).
            raise CommandError(f"run {run.pk} failed: {run.message}", returncode=2)
        opened = run.allegations.count()
        self.stdout.write(
            f"run {run.pk}: {run.message}; {opened} monitoring allegation{'s' * (opened != 1)} opened"
        )
