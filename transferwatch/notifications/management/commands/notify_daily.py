"""`transferwatch notify_daily`: due-date notices and the daily digests (run once a day).

Idempotent: a notice already sent (or held for a digest) is not sent again, and a held notice
goes out in one digest only, so running it twice on a day sends nothing twice. Exit 0, or 1 if
the run fails (CONTRACTS.md: commands).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from transferwatch.notifications import daily


class Command(BaseCommand):
    help = (
        "Tell the people responsible about due dates coming (within --days) and passed, and send "
        "each user who chose it their daily digest. Idempotent. Exit 1 on failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=daily.COMING_DAYS, help="days ahead")
        parser.add_argument("--date", type=date.fromisoformat, help="the day to run for")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 0:
            raise CommandError("--days must be 0 or more", returncode=2)
        try:
            result = daily.run(options["date"], options["days"])
        except Exception as exc:
            raise CommandError(f"daily notices failed: {type(exc).__name__}", returncode=1) from exc
        self.stdout.write(f"due-date notices queued: {result.notices}")
        self.stdout.write(f"daily digests queued: {result.digests}")
