"""`transferwatch audit verify`: walk the hash chain and report the first broken link."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from transferwatch.audit.models import ChainHead
from transferwatch.audit.services import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail: `audit verify` walks the hash chain (exit 1 if broken)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="walk the chain and report the first broken link")

    def handle(self, *args: Any, **options: Any) -> None:
        head = ChainHead.objects.filter(pk=1).first()
        total = head.seq if head else 0
        with Progress(
            TextColumn("verifying audit chain"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            disable=not sys.stderr.isatty(),
            transient=True,
        ) as bar:
            task = bar.add_task("verify", total=total)
            result = verify_chain(progress=lambda n: bar.update(task, completed=n))
        if result.ok:
            self.stdout.write(
                f"audit trail intact: {result.verified} events verified "
                f"(last {result.last_seq}, hash {result.last_hash[:16]})"
            )
            return
        self.stderr.write(
            f"audit trail BROKEN at event {result.broken_seq}: {result.problem}; "
            f"{result.verified} events before it verified"
        )
        raise SystemExit(1)
