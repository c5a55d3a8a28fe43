"""`transferwatch scheduler [--at HH:MM] [--once]`: the daily casework jobs, as a process.

Every day at the given local time (settings.TIME_ZONE) it runs `casework_due`, then
`notify_daily`, then `publish_report` (which only enqueues the public report's rebuild for
`db_worker`, and not when it is current); all are idempotent, so a day run twice sends nothing
twice. For platforms with no cron (cloud.gov runs it from the Procfile); on a host, cron or a
systemd timer calling the three commands does the same (`docs/deploy.md`). Run one scheduler,
not one per web instance.
"""

from __future__ import annotations

import logging
import signal
import time
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

logger = logging.getLogger("transferwatch.operations")
JOBS = ("casework_due", "notify_daily", "publish_report")


def next_run(now: datetime, at: tuple[int, int]) -> datetime:
    """The next time of day `at` (hour, minute) after `now`, in now's time zone."""
    today = now.replace(hour=at[0], minute=at[1], second=0, microsecond=0)
    return today if today > now else today + timedelta(days=1)


def parse_at(value: str) -> tuple[int, int]:
    hour, sep, minute = value.partition(":")
    if not (sep and hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise CommandError(
            f"--at {value!r} is not a time of day: use HH:MM, e.g. 06:00", returncode=2
        )
    return int(hour), int(minute)


def run_jobs(stdout: Any) -> bool:
    """Run each job once; a failing job is logged and does not stop the next one."""
    ok = True
    for job in JOBS:
        try:
            call_command(job, stdout=stdout)
        except Exception:
            ok = False
            logger.exception("daily job %s failed", job)
        else:
            logger.info("daily job %s done", job)
    return ok


class Command(BaseCommand):
    help = (
        "Run casework_due, notify_daily and publish_report every day at --at (local time); "
        "--once runs them now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", default="06:00", help="time of day, HH:MM (default 06:00)")
        parser.add_argument("--once", action="store_true", help="run the jobs now, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        at = parse_at(options["at"])
        if options["once"]:
            if not run_jobs(self.stdout):
                raise CommandError("a daily job failed (see the log)", returncode=1)
            return
        state = {"stopping": False, "working": False}

        def stop(signum: int, frame: FrameType | None) -> None:
            # Waiting: stop now. Running the jobs: let them finish (each is short), then stop.
            if not state["working"]:
                raise SystemExit(0)
            state["stopping"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not state["stopping"]:
            due = next_run(timezone.localtime(), at)
            logger.info("next daily jobs at %s", due.isoformat(timespec="minutes"))
            while timezone.localtime() < due:
                time.sleep(min(30.0, max(0.0, (due - timezone.localtime()).total_seconds())))
            state["working"] = True
            run_jobs(self.stdout)
            state["working"] = False
