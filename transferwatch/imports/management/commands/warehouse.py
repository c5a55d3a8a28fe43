"""`transferwatch warehouse copy --to ADDRESS [--replace]`: every booking into another store.

Copies the bookings and the keys of the imports already in from the store TRANSFERWATCH_WAREHOUSE
names to ADDRESS (`postgresql://...`, `parquet` for this site's Parquet folder, or the path of
another warehouse folder), in bulk, all or nothing, and checks the rows and their checksum at
both ends (`analytics.store_copy`). Then point TRANSFERWATCH_WAREHOUSE at the new store.

Exit 0 when done; 2 when refused (an unknown address, a target that is not empty without
--replace, the same store twice), nothing written; 1 on any other failure (a store that cannot be
reached, a target that did not check out), the target left as it was.
"""

from __future__ import annotations

import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from transferwatch.analytics import store_copy
from transferwatch.analytics.pg_warehouse import PostgresStore
from transferwatch.analytics.stores import WarehouseError, describe_setting
from transferwatch.analytics.warehouse import BookingStore
from transferwatch.imports.warehouse import store

STEPS = {
    "reading": "reading the bookings",
    "writing": "writing the bookings",
    "checking": "checking the copy",
}


def target_store(address: str) -> store_copy.Store:
    """The store ADDRESS names; CommandError (exit 2) for a Spark address or an unknown one."""
    value = address.strip()
    if value == "parquet":
        return BookingStore(Path(settings.WAREHOUSE_DIR))
    if "://" not in value:
        return BookingStore(Path(value))
    try:
        kind = describe_setting(value)
    except ValueError:
        kind = "unknown"
    if kind == "postgresql":
        return PostgresStore(value)
    if kind == "spark":
        raise CommandError(
            "--to spark://...: a Spark cluster reads the Parquet files of the data folder; "
            "copy to them with --to parquet (or a folder the cluster shares)",
            returncode=2,
        )
    raise CommandError(
        f"--to {value.split('://', 1)[0]}://...: not a store; give a postgresql:// address, "
        "'parquet' (this site's Parquet folder) or the path of a warehouse folder",
        returncode=2,
    )


class Bars:
    """The copy's steps as progress bars on the terminal (nothing when not a terminal)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, step: str, total: int | None, done: int) -> None:
        if step not in self.tasks:
            for task in self.tasks.values():
                self.progress.update(task, completed=self.progress.tasks[task].total or 1)
            self.tasks[step] = self.progress.add_task(STEPS.get(step, step), total=total)
        self.progress.update(self.tasks[step], completed=done, total=total)


class Command(BaseCommand):
    help = (
        "Copy every booking from the configured store (TRANSFERWATCH_WAREHOUSE) to another: "
        "`transferwatch warehouse copy --to ADDRESS` (docs/backends.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        copy = sub.add_parser("copy", help="copy every booking into another store")
        copy.add_argument(
            "--to",
            required=True,
            metavar="ADDRESS",
            help="postgresql://USER@HOST:PORT/DB, 'parquet' (this site's folder) or a folder",
        )
        copy.add_argument(
            "--replace",
            action="store_true",
            help="replace whatever the target holds (refused without it unless it is empty)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = store()
        if not isinstance(source, BookingStore | PostgresStore):  # pragma: no cover - typing
            raise CommandError("the configured store cannot be copied", returncode=1)
        target = target_store(options["to"])
        work = Path(settings.DATA_DIR) / f".warehouse-copy-{uuid.uuid4().hex[:12]}"
        try:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                disable=not sys.stderr.isatty(),
                transient=True,
            ) as progress:
                done = store_copy.copy_bookings(
                    source, target, work, options["replace"], Bars(progress)
                )
        except store_copy.CopyRefused as exc:
            raise CommandError(str(exc), returncode=2) from None
        except (store_copy.CopyFailed, WarehouseError, OSError) as exc:
            raise CommandError(str(exc), returncode=1) from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        rows = done.target.rows
        self.stdout.write(
            f"copied {rows:,} bookings and {done.imports:,} import records from "
            f"{store_copy.describe(source)} to {store_copy.describe(target)} "
            f"in {done.seconds:.1f} s"
        )
        self.stdout.write(f"  checked: {rows:,} rows, checksum {done.target.shown} at both ends")
        self.stdout.write(
            "  the configured store is unchanged: point TRANSFERWATCH_WAREHOUSE at the new one "
            "to use it"
        )
