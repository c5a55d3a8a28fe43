"""`transferwatch publish_report [--now]`: bring the public report up to date.

Enqueues one `publish_report` task (built by `transferwatch db_worker`) unless the newest stored
report is of the current data or a publish is already queued or running; `--now` builds it in
this process instead. Idempotent: run daily by `transferwatch scheduler`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from transferwatch.reports import snapshot
from transferwatch.reports.tasks import publish_pending, publish_report


class Command(BaseCommand):
    help = "Enqueue a rebuild of the public report unless it is current (--now: build it here)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="build in this process")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["now"]:
            self.stdout.write(f"public report: {snapshot.publish_if_stale()}")
            return
        head = snapshot.newest()
        if head is not None and head.fingerprint == snapshot.fingerprint():
            self.stdout.write("public report: current")
        elif publish_pending():
            self.stdout.write("public report: a rebuild is already queued")
        else:
            publish_report.enqueue()
            self.stdout.write("public report: rebuild queued")
