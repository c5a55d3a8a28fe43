"""`backup create`, `verify` and `restore`: the database, the warehouse and the stored files.

A backup is written into a hidden folder beside DIR and renamed to DIR only when complete, so a
failed backup leaves nothing that looks like one. The database dump and the copy of the warehouse
happen while holding the warehouse's lock, so no import can commit between them: the bookings in
the backup are those the database's import records describe. Stored files (attachments, evidence,
uploaded imports, packets) are copied after the database snapshot; they are never changed once
written, so every file a backed-up record names is in the backup.

A restore checks everything before writing anything: the backup's checksums, that the audit key of
this environment is the key of the backed-up chain, that this version of TransferWatch knows the
backup's migrations, and that the database, the warehouse and the file folders are empty. Files
are copied into a hidden folder first; the database is restored in one transaction; the folders are
then moved into place.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

import transferwatch
from transferwatch.analytics import store_copy
from transferwatch.analytics.pg_warehouse import PostgresStore, WarehouseError
from transferwatch.analytics.warehouse import BookingStore
from transferwatch.audit import chain
from transferwatch.audit.models import Event
from transferwatch.audit.services import stored_fields, verify_chain
from transferwatch.backup import bookings, database
from transferwatch.backup import manifest as mf
from transferwatch.backup.database import ToolProblem
from transferwatch.backup.manifest import BackupProblem, Entry

KEY_NOTE = (
    "not in this backup: a restore uses the audit key of its own environment "
    "(TRANSFERWATCH_AUDIT_KEY or TRANSFERWATCH_AUDIT_KEY_FILE), which must be the site's key"
)


class Steps:
    """Progress of the long steps; the command shows them as bars. This one shows nothing."""

    def start(self, label: str, total: int | None) -> None:
        pass

    def update(self, done: int, total: int | None = None) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


def file_groups() -> dict[str, Path]:
    """The folders of stored files, by the name they have in a backup (`files/<name>/...`)."""
    data = Path(settings.DATA_DIR)
    return {
        "attachments": Path(settings.ATTACHMENTS_DIR),  # also remedial-measure evidence
        "imports": data / "imports",
        "packets": data / "packets",
    }


def _secret_files() -> set[Path]:
    """Files that must never be copied into a backup, wherever a setting points."""
    data = Path(settings.DATA_DIR)
    found = {data / "audit.key", data / "secret.key"}
    key_file = os.environ.get("TRANSFERWATCH_AUDIT_KEY_FILE", "").strip()
    if key_file:
        found.add(Path(key_file))
    return {p.resolve() for p in found}


def _walk(folder: Path) -> Iterator[Path]:
    """Regular files under `folder`, skipping hidden entries (work folders, locks) and links."""
    if not folder.is_dir():
        return
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                yield path


def _private(folder: Path) -> None:
    """Only the owner may read a backup or restored files: they hold personal data."""
    folder.chmod(0o700)
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def _copy(source: Path, target_root: Path, relative: str, steps: Steps) -> Entry:
    entry = mf.copy_with_sum(source, target_root / relative, steps.advance)
    return Entry(relative, entry.sha256, entry.size)


# --- create ------------------------------------------------------------------------------------


def _refuse_used_folder(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupProblem(
            f"{folder}: already exists and is not empty; give a new folder for each backup"
        )


def create(folder: Path, steps: Steps | None = None) -> dict[str, Any]:
    """Write a complete backup to `folder` (new or empty); returns its manifest."""
    steps = steps or Steps()
    folder = folder.absolute()
    _refuse_used_folder(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = folder.parent / f".{folder.name}.partial-{uuid.uuid4().hex[:12]}"
    work.mkdir()
    try:
        body = _write(work, steps)
        _private(work)
        _refuse_used_folder(folder)
        if folder.exists():
            folder.rmdir()
        work.rename(folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return body


def _key_verifies_head(seq: int) -> bool:
    """Whether this environment's audit key verifies the newest backed-up event.

    Only then does the backup record a key check: a check made with a key that is not the
    chain's would make a restore refuse the right key.
    """
    if not seq:
        return True
    event = Event.objects.filter(seq=seq).first()
    if event is None:
        return False
    fields = stored_fields(event)
    return chain.link_hash(settings.AUDIT_KEY, fields, event.prev_hash) == event.hash


def _rows_done(steps: Steps) -> store_copy.Progress:
    """The bookings copied so far, on the current step's bar."""
    return lambda _step, total, done: steps.update(done, total)


def _copy_parquet(
    store: BookingStore, work: Path, steps: Steps, entries: list[Entry]
) -> dict[str, Any]:
    """The Parquet store's manifest and files into `work`/warehouse (its lock is held)."""
    warehouse = store.manifest()
    parquet = store.files()
    sources = parquet + ([store.manifest_path] if store.manifest_path.exists() else [])
    steps.start("warehouse", sum(p.stat().st_size for p in sources))
    for path in sources:
        relative = "warehouse/bookings/" + path.relative_to(store.root).as_posix()
        entries.append(_copy(path, work, relative, steps))
    steps.start("checksum of the bookings", None)
    found = bookings.fingerprint_now(BookingStore(work / "warehouse"), work / ".fingerprint")
    return {
        "store": "parquet",
        "held_in": bookings.FILES,
        "version": int(warehouse["version"]),
        "rows": int(warehouse["rows"]),
        "checksum": str(found.checksum),
        "quarters": len(warehouse["partitions"]),
        "files": len(parquet),
    }


def _write(work: Path, steps: Steps) -> dict[str, Any]:
    entries: list[Entry] = []
    target = bookings.configured()
    kind = bookings.held_in(target)
    secrets = _secret_files()
    try:
        with bookings.held(target):
            steps.start("database", None)
            dumped = database.dump(work, steps.update, bookings=kind == bookings.IN_DUMP)
            dump_path = work / dumped.file
            steps.start("checksum of the dump", dump_path.stat().st_size)
            entries.append(
                Entry(dumped.file, mf.sha256_of(dump_path, steps.advance), dump_path.stat().st_size)
            )
            if isinstance(target, BookingStore):
                warehouse = _copy_parquet(target, work, steps, entries)
            elif kind == bookings.EXPORT:
                steps.start("bookings", None)
                warehouse = bookings.export(target, work, _rows_done(steps))
            else:
                rows, checksum = dumped.bookings or (0, 0)
                warehouse = {
                    "store": "postgresql",
                    "held_in": bookings.IN_DUMP,
                    "from": store_copy.describe(target),
                    "version": int(target.state()["version"]),
                    "rows": rows,
                    "checksum": str(checksum),
                    "quarters": 0,
                    "files": 0,
                }
    except WarehouseError as exc:
        raise ToolProblem(str(exc)) from None
    if kind == bookings.EXPORT:
        written = BookingStore(work / "warehouse")
        for path in [*written.files(), written.manifest_path]:
            relative = "warehouse/" + path.relative_to(written.root.parent).as_posix()
            entries.append(Entry(relative, mf.sha256_of(path), path.stat().st_size))
    key_verifies = _key_verifies_head(dumped.audit_events)
    groups: dict[str, int] = {}
    for name, root in file_groups().items():
        paths = [p for p in _walk(root) if p.resolve() not in secrets]
        steps.start(name, sum(p.stat().st_size for p in paths))
        for path in paths:
            entries.append(
                _copy(path, work, f"files/{name}/{path.relative_to(root).as_posix()}", steps)
            )
        groups[name] = len(paths)
    body: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "app_version": transferwatch.__version__,
        "database": {
            "vendor": dumped.vendor,
            "file": dumped.file,
            "tool": dumped.tool,
            "server_version": dumped.server_version,
        },
        "migrations": dumped.migrations,
        "tables": dumped.tables,
        "audit": {
            "events": dumped.audit_events,
            "head_hash": dumped.audit_head,
            "key_check": mf.key_check(settings.AUDIT_KEY) if key_verifies else None,
            "key": KEY_NOTE,
        },
        "warehouse": warehouse,
        "stored_files": groups,
    }
    mf.write(work, body, entries)
    return mf.read(work)


# --- verify ------------------------------------------------------------------------------------


def verify(folder: Path, steps: Steps | None = None) -> tuple[dict[str, Any], mf.Checked]:
    """The manifest and every file checked; BackupProblem naming each bad file."""
    steps = steps or Steps()
    body = mf.read(folder)
    steps.start("verifying", sum(e.size for e in mf.entries(body)))
    checked = mf.verify(folder, body, steps.advance)
    if not checked.ok:
        raise BackupProblem(f"the backup {folder} is damaged: " + "; ".join(checked.problems))
    return body, checked


# --- restore -----------------------------------------------------------------------------------


@dataclass
class Restored:
    manifest: dict[str, Any]
    tables: dict[str, int]
    warehouse_rows: int
    files: dict[str, int]
    audit: chain.Verification
    pending_migrations: list[str] = field(default_factory=list)
    warehouse: str = ""  # the store the bookings went into, as messages name it
    checksum: str = ""


def _known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _occupied(folder: Path) -> bool:
    return folder.exists() and any(not p.name.startswith(".") for p in folder.iterdir())


def _refusals(folder: Path, body: dict[str, Any]) -> None:
    """Everything that must hold before a restore writes anything (BackupProblem otherwise)."""
    here = database.vendor()
    if body["database"]["vendor"] != here:
        raise BackupProblem(
            f"{folder / mf.MANIFEST}: this is a backup of a {body['database']['vendor']} "
            f"database; the configured database is {here}"
        )
    check = body["audit"]["key_check"]
    if check is not None and not mf.key_matches(settings.AUDIT_KEY, str(check)):
        raise BackupProblem(
            "the audit key of this environment is not the key of the backed-up audit trail "
            "(the key is never in a backup): set TRANSFERWATCH_AUDIT_KEY or "
            "TRANSFERWATCH_AUDIT_KEY_FILE to the site's key; nothing was restored"
        )
    unknown = sorted({(a, n) for a, n in body["migrations"]} - _known_migrations())
    if unknown:
        shown = ", ".join(f"{a}.{n}" for a, n in unknown[:3])
        raise BackupProblem(
            f"{folder / mf.MANIFEST}: made by a newer TransferWatch (its migrations {shown} are "
            f"unknown to version {transferwatch.__version__}); restore with that version"
        )
    database.refuse_unless_empty()
    bookings.refuse(folder, body, bookings.configured())
    for name, target in file_groups().items():
        if _occupied(target):
            raise BackupProblem(
                f"the {name} folder {target} is not empty; restore needs empty file folders"
            )


def _stage(folder: Path, body: dict[str, Any], staging: Path, steps: Steps) -> dict[str, int]:
    """Copy the warehouse and the files into `staging`, checking each hash again on the way."""
    listed = [e for e in mf.entries(body) if not e.path.startswith("database/")]
    steps.start("files", sum(e.size for e in listed))
    counts: dict[str, int] = {}
    for entry in listed:
        copied = mf.copy_with_sum(folder / entry.path, staging / entry.path, steps.advance)
        if copied.sha256 != entry.sha256:
            raise BackupProblem(f"{entry.path}: corrupted (changed while being restored)")
        group = entry.path.split("/")[1] if entry.path.startswith("files/") else "warehouse"
        counts[group] = counts.get(group, 0) + 1
    return counts


def _move_into_place(staging: Path, target: bookings.Store) -> None:
    targets = {f"files/{name}": path for name, path in file_groups().items()}
    if isinstance(target, BookingStore):
        targets["warehouse/bookings"] = target.root
    for relative, target in targets.items():
        source = staging / relative
        if not source.is_dir():
            continue
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        for child in sorted(source.iterdir()):
            shutil.move(str(child), str(target / child.name))


def warehouse_fingerprint() -> store_copy.Fingerprint:
    """Rows and checksum of the bookings in the configured store, read from it now."""
    work = Path(settings.DATA_DIR) / f".fingerprint-{uuid.uuid4().hex[:12]}"
    return bookings.fingerprint_now(bookings.configured(), work)


def warehouse_rows() -> int:
    return warehouse_fingerprint().rows


def restore(folder: Path, steps: Steps | None = None) -> Restored:
    """Restore a verified backup into an empty database, warehouse and file folders."""
    steps = steps or Steps()
    folder = folder.absolute()
    body, _checked = verify(folder, steps)
    _refusals(folder, body)
    database.check_tools(body["database"])
    target = bookings.configured()
    into_postgres = (
        isinstance(target, PostgresStore)
        and body["warehouse"].get("held_in", bookings.FILES) != bookings.IN_DUMP
    )
    staging = Path(settings.DATA_DIR) / f".restore-{uuid.uuid4().hex[:12]}"
    try:
        files = _stage(folder, body, staging, steps)
        _private(staging)
        if into_postgres and not bookings.in_app_database(target):
            steps.start("bookings", None)  # its own database: first, undone if the rest fails
            bookings.load(staging / "warehouse", target, staging / ".copy", _rows_done(steps))
        steps.start("database", None)
        try:
            database.load(folder / body["database"]["file"], body["database"])
        except BaseException:
            if into_postgres and not bookings.in_app_database(target):
                bookings.empty_again(target)
            raise
        if into_postgres and bookings.in_app_database(target):
            steps.start("bookings", None)
            bookings.load(staging / "warehouse", target, staging / ".copy", _rows_done(steps))
        _move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    tables = database.table_counts()
    differ = [
        f"{t}: {tables.get(t, 0):,} rows, the backup has {n:,}"
        for t, n in body["tables"].items()
        if tables.get(t, 0) != n
    ]
    if differ:
        raise ToolProblem("the restored database does not match the backup: " + "; ".join(differ))
    found = warehouse_fingerprint()
    bookings.check(body, found)
    rows = found.rows
    steps.start("verifying the audit trail", int(body["audit"]["events"]))
    audit = verify_chain(progress=steps.update)
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = [f"{m.app_label}.{m.name}" for m, _backwards in plan]
    return Restored(
        body, tables, rows, files, audit, pending, store_copy.describe(target), found.shown
    )
