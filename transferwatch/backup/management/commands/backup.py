"""`transferwatch backup create|verify|restore DIR` (docs/backups.md).

Exit 0 when done; 2 when the backup or the place it goes is refused (a used folder, a damaged
file, a database with data, the wrong audit key), with nothing written; 1 on any other failure,
including an audit trail that does not verify after a restore.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

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

from transferwatch.analytics.store_copy import Fingerprint
from transferwatch.backup import services
from transferwatch.backup.database import ToolProblem
from transferwatch.backup.manifest import BackupProblem


class Bars(services.Steps):
    """Each step of the work as a progress bar on the terminal (nothing when not a terminal)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def start(self, label: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total or 1)
        self.task = self.progress.add_task(label, total=total)

    def update(self, done: int, total: int | None = None) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=done, total=total)

    def advance(self, amount: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _stored(body: dict[str, Any]) -> str:
    return ", ".join(f"{n:,} in {name}" for name, n in body["stored_files"].items())


def _bookings(wh: dict[str, Any]) -> str:
    """Where the backup holds the bookings, as `backup create` says it."""
    checksum = Fingerprint(int(wh["rows"]), int(wh.get("checksum") or 0)).shown
    held_in = wh.get("held_in", "files")
    if held_in == "database dump":
        return (
            f"{wh['rows']:,} bookings in the database dump ({wh['from']} is the app's own "
            f"database), checksum {checksum}"
        )
    if held_in == "export":
        return (
            f"{wh['rows']:,} bookings exported from {wh['from']} into {wh['files']} Parquet "
            f"files, checksum {checksum}"
        )
    return (
        f"{wh['rows']:,} bookings in {wh['files']} files (version {wh['version']}), "
        f"checksum {checksum}"
    )


class Command(BaseCommand):
    help = (
        "Back up the database, the bookings warehouse and the stored files to a new folder, "
        "verify a backup, or restore one into an empty database (docs/backups.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for action, text in (
            ("create", "write a backup into DIR (a new or empty folder)"),
            ("verify", "check every file of the backup in DIR against its SHA-256"),
            ("restore", "restore DIR into an empty database, warehouse and file folders"),
        ):
            sub.add_parser(action, help=text).add_argument("dir", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["dir"]
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not sys.stderr.isatty(),
            transient=True,
        ) as progress:
            steps = Bars(progress)
            try:
                action = getattr(self, options["action"])
                action(folder, steps)
            except BackupProblem as exc:
                raise CommandError(str(exc), returncode=2) from None
            except (ToolProblem, OSError) as exc:
                raise CommandError(str(exc), returncode=1) from None

    def create(self, folder: Path, steps: Bars) -> None:
        body = services.create(folder, steps)
        db, wh = body["database"], body["warehouse"]
        total = sum(int(f["size"]) for f in body["files"])
        self.stdout.write(f"backup written to {folder}")
        self.stdout.write(
            f"  database: {db['vendor']} via {db['tool']}; {len(body['tables'])} tables, "
            f"{sum(body['tables'].values()):,} rows, {body['audit']['events']:,} audit events"
        )
        self.stdout.write(f"  warehouse: {_bookings(wh)}")
        self.stdout.write(f"  stored files: {_stored(body)}")
        self.stdout.write(
            f"  {len(body['files'])} files, {_size(total)}, each with its SHA-256 in manifest.json"
        )
        self.stdout.write(
            "  the audit key is not in the backup: keep it safe apart; a restore needs it"
        )
        if body["audit"]["key_check"] is None:
            self.stderr.write(
                "warning: the audit key of this environment does not verify the newest audit "
                "event; run `transferwatch audit verify`. The backup is written, but a restore "
                "cannot check its key before writing; only the verification after it will."
            )

    def verify(self, folder: Path, steps: Bars) -> None:
        body, checked = services.verify(folder, steps)
        for name in checked.unexpected:
            self.stderr.write(f"note: {name} is in the folder but not in the manifest")
        self.stdout.write(
            f"backup {folder} intact: {checked.files} files, {_size(checked.bytes)}, every "
            f"SHA-256 as in the manifest (made {body['created']} by TransferWatch "
            f"{body['app_version']}, {body['database']['vendor']})"
        )

    def restore(self, folder: Path, steps: Bars) -> None:
        done = services.restore(folder, steps)
        body = done.manifest
        if body["audit"]["key_check"] is None:
            self.stdout.write(
                "the audit key is not in backups: this one recorded no key check (the key that "
                "made it did not verify the chain); the verification below decides"
            )
        else:
            self.stdout.write(
                "the audit key is not in backups: this environment's key matches the backed-up "
                "chain"
            )
        self.stdout.write(
            f"restored {folder} (made {body['created']} by TransferWatch {body['app_version']})"
        )
        self.stdout.write(
            f"  database: {len(done.tables)} tables, {sum(done.tables.values()):,} rows; "
            "every table's count as in the backup"
        )
        self.stdout.write(
            f"  warehouse: {done.warehouse_rows:,} bookings, as in the backup (checksum "
            f"{done.checksum}), in {done.warehouse}"
        )
        self.stdout.write(f"  stored files: {_stored(body)}")
        if done.pending_migrations:
            self.stdout.write(
                f"  {len(done.pending_migrations)} migrations of this version are not applied "
                "in the backup: run `transferwatch migrate`"
            )
        audit = done.audit
        if not audit.ok:
            raise CommandError(
                f"audit trail BROKEN at event {audit.broken_seq} after the restore: "
                f"{audit.problem}; {audit.verified} events before it verified",
                returncode=1,
            )
        self.stdout.write(
            f"audit trail intact: {audit.verified} events verified "
            f"(last {audit.last_seq}, hash {audit.last_hash[:16]})"
        )
