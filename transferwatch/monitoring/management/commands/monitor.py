"""`transferwatch monitor`: every indicator for every agency over a period (CONTRACTS.md section 3).

Given its files (--bookings and --agencies), the console script starts it without django.setup()
(transferwatch/cli.py, PURE): it reads no database then.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from transferwatch.analytics.aggregate import MonitorInputError
from transferwatch.analytics.monitor import run
from transferwatch.analytics.stores import WarehouseError
from transferwatch.lib import indented_json


def option_date(option: str, value: str | None) -> date | None:
    """A --from/--to value as a date; exit 2 naming the option when it is not one."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--{option}: {value!r} is not a date (YYYY-MM-DD)", returncode=2
        ) from None


def write_atomic(path: Path, document: dict[str, Any]) -> None:
    """Write JSON to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(indented_json.dumps(document))  # json.dump's text, faster
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = (
        "Compute every monitoring indicator for every agency over a period and write the JSON "
        "document of CONTRACTS.md section 3. Without --agencies/--bookings, use the imported data "
        "(bookings and ICE's transfer requests)."
    )
    # a computation over files or the bookings store: Django's system checks (3 s of URL imports)
    # check nothing it uses, as for `transferwatch import`
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agencies", type=Path, help="agencies table (CSV or Parquet)")
        parser.add_argument("--bookings", type=Path, help="bookings table (CSV or Parquet)")
        parser.add_argument("--from", dest="period_from", help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="period_to", help="last day (YYYY-MM-DD)")
        parser.add_argument("--json", type=Path, required=True, help="where to write the result")

    def handle(self, *args: Any, **options: Any) -> None:
        period_from = option_date("from", options["period_from"])
        period_to = option_date("to", options["period_to"])
        if period_from and period_to and period_from > period_to:
            raise CommandError(f"--from {period_from} is after --to {period_to}", returncode=2)
        agencies_path: Path | None = options["agencies"]
        bookings_path: Path | None = options["bookings"]
        if (agencies_path is None) != (bookings_path is None):
            raise CommandError("give both --agencies and --bookings, or neither", returncode=2)
        with Progress(
            TextColumn("monitoring"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not sys.stderr.isatty(),
            transient=True,
        ) as bar:
            task = bar.add_task("monitor", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            try:
                if agencies_path is not None and bookings_path is not None:
                    document = run(bookings_path, agencies_path, period_from, period_to, progress)
                else:  # the imported data (Django's models: not needed for files)
                    from transferwatch.imports.warehouse import store
                    from transferwatch.monitoring import services
                    from transferwatch.monitoring.ice import ice_counts

                    agencies = services.database_agencies()
                    if not agencies:
                        raise MonitorInputError("no agencies imported: import agencies first")
                    document = run(
                        store(), agencies, period_from, period_to, progress, ice=ice_counts
                    )
            except MonitorInputError as exc:
                raise CommandError(str(exc), returncode=2) from None
            except WarehouseError as exc:
                raise CommandError(str(exc), returncode=1) from None
        write_atomic(options["json"], document)
        flagged = sum(a["flagged"] for a in document["agencies"])
        watch = sum(a["concern"] == "watch" for a in document["agencies"])
        self.stdout.write(
            f"{len(document['agencies'])} agencies, {flagged} flagged, {watch} to watch "
            f"({document['period']['from']} to {document['period']['to']}): {options['json']}"
        )
