"""`transferwatch casework_due`: lapse remedial measures past their due date; count what is overdue.

Meant for a daily schedule. Idempotent: a measure already lapsed is not touched again. Prints one
line per kind of record; exits 0, or 1 if the run fails (CONTRACTS.md: commands).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from transferwatch.escalations import services


class Command(BaseCommand):
    help = (
        "Move agreed or in-progress remedial measures past their due date to lapsed (audited) "
        "and print counts of overdue casework. Exit 1 on failure."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from transferwatch.cases.models import Allegation, Inquiry

        try:
            result = services.lapse_overdue()
        except Exception as exc:
            raise CommandError(f"lapsing overdue measures failed: {exc}", returncode=1) from exc
        self.stdout.write(
            f"remedial measures lapsed: {result.lapsed}"
            + (f" ({result.skipped} changed meanwhile, left as they are)" if result.skipped else "")
        )
        self.stdout.write(f"allegations overdue for triage: {Allegation.objects.overdue().count()}")
        self.stdout.write(f"inquiries with an overdue step: {Inquiry.objects.overdue().count()}")
