"""The bookings in a backup, whichever store TRANSFERWATCH_WAREHOUSE names.

Three cases, recorded in the manifest's ``warehouse.held_in``:

- ``files``: the Parquet store (also the files a Spark store reads): its manifest and exactly the
  Parquet files it names, copied under its lock, into ``warehouse/bookings/``;
- ``export``: a PostgreSQL store in a database of its own: its table exported (`store_copy`, one
  REPEATABLE READ snapshot) into a Parquet store in ``warehouse/bookings/`` of the backup, while
  an advisory lock keeps imports from committing between the database dump and the export;
- ``database dump``: a PostgreSQL store in the app's own database: inside the dump; its rows and
  checksum counted in the dump's own snapshot.

Every case records the rows and the checksum of the bookings (`store_copy.Fingerprint`); a
restore puts them into the configured store, which must be empty, and checks both after.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.db import connection

from transferwatch.analytics import store_copy
from transferwatch.analytics.pg_warehouse import LOCK_KEY, SCHEMA, PostgresStore, WarehouseError
from transferwatch.analytics.store_copy import Fingerprint, Store
from transferwatch.analytics.warehouse import BookingStore
from transferwatch.backup.database import ToolProblem
from transferwatch.backup.manifest import BackupProblem
from transferwatch.imports.warehouse import store

FILES, EXPORT, IN_DUMP = "files", "export", "database dump"


def configured() -> Store:
    found = store()
    if not isinstance(found, BookingStore | PostgresStore):  # pragma: no cover - typing
        raise ToolProblem("the configured bookings store cannot be backed up")
    return found


def in_app_database(target: PostgresStore) -> bool:
    """Whether the PostgreSQL store is the database DATABASE_URL names (same host, port, name)."""
    if connection.vendor != "postgresql":
        return False
    s = connection.settings_dict
    parts = urlsplit(target.url)
    return (
        (parts.hostname or "localhost") == (s.get("HOST") or "localhost")
        and int(parts.port or 5432) == int(s.get("PORT") or 5432)
        and parts.path.lstrip("/") == str(s["NAME"])
    )


def held_in(target: Store) -> str:
    if isinstance(target, BookingStore):
        return FILES
    return IN_DUMP if in_app_database(target) else EXPORT


@contextlib.contextmanager
def held(target: Store) -> Iterator[None]:
    """No import commits bookings while this is held (the database dump and the bookings agree).

    The Parquet store's lock; on PostgreSQL a session advisory lock on its own connection, the
    lock the store's commits take for their transaction.
    """
    if isinstance(target, BookingStore):
        with target.lock():
            yield
        return
    with target.session() as con:
        con.autocommit = True
        con.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            yield
        finally:
            con.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def export(
    target: PostgresStore, work: Path, progress: store_copy.Progress | None = None
) -> dict[str, Any]:
    """The PostgreSQL store's bookings into a Parquet store under `work`/warehouse; its record."""
    scratch = work.parent / f"{work.name}.export"
    try:
        copied = store_copy.copy_bookings(
            target, BookingStore(work / "warehouse"), scratch, progress=progress
        )
    except (store_copy.CopyFailed, store_copy.CopyRefused, WarehouseError) as exc:
        raise ToolProblem(f"the bookings could not be exported: {exc}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    exported = BookingStore(work / "warehouse")
    (exported.root / ".lock").unlink(missing_ok=True)  # the copy's lock file: not a backed-up file
    written = exported.manifest()
    return {
        "store": "postgresql",
        "held_in": EXPORT,
        "from": store_copy.describe(target),
        "version": int(written["version"]),
        "rows": copied.target.rows,
        "checksum": str(copied.target.checksum),
        "quarters": len(written["partitions"]),
        "files": sum(len(p["files"]) for p in written["partitions"].values()),
    }


def fingerprint_now(target: Store, work: Path) -> Fingerprint:
    try:
        return store_copy.store_fingerprint(target, work)
    except WarehouseError as exc:
        raise ToolProblem(str(exc)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- restore -----------------------------------------------------------------------------------


def refuse(folder: Path, body: dict[str, Any], target: Store) -> None:
    """BackupProblem, naming the store, unless the bookings can go into `target` (empty)."""
    recorded = body["warehouse"].get("held_in", FILES)
    here = held_in(target)
    if recorded == IN_DUMP and here != IN_DUMP:
        raise BackupProblem(
            f"{folder}: its bookings are inside its database dump (the PostgreSQL warehouse was "
            "the app's own database): set TRANSFERWATCH_WAREHOUSE to the address of the database "
            "DATABASE_URL names to restore them (`transferwatch warehouse copy` moves them after)"
        )
    if isinstance(target, BookingStore):
        if target.manifest_path.exists() or any(target.root.glob("v*")):
            raise BackupProblem(
                f"the warehouse {target.root} is not empty; restore needs an empty warehouse folder"
            )
        return
    try:
        with target.session() as con:
            exists = target.exists(con)
            state = target.state() if exists else {"rows": 0, "imports": []}
    except WarehouseError as exc:
        raise ToolProblem(str(exc)) from None
    if state["rows"] or state["imports"]:
        raise BackupProblem(
            f"{store_copy.describe(target)} is not empty ({state['rows']:,} bookings, "
            f"{len(state['imports']):,} imports); restore needs an empty bookings store"
        )
    if exists and here == IN_DUMP:
        raise BackupProblem(
            f"{store_copy.describe(target)} already has the schema {SCHEMA}; restore needs a "
            "database without tables: drop it, create it again, and do not migrate"
        )


def load(
    staged: Path, target: PostgresStore, work: Path, progress: store_copy.Progress | None = None
) -> None:
    """The staged Parquet store of a backup into the (empty) PostgreSQL store, all or nothing."""
    try:
        store_copy.copy_bookings(BookingStore(staged), target, work, progress=progress)
    except store_copy.CopyRefused as exc:
        raise BackupProblem(str(exc)) from None
    except (store_copy.CopyFailed, WarehouseError) as exc:
        raise ToolProblem(f"the bookings could not be restored: {exc}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def empty_again(target: PostgresStore) -> None:
    """Undo `load` when the database restore after it failed (the store was empty before)."""
    with contextlib.suppress(WarehouseError), target.session() as con:
        con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        con.commit()


def check(body: dict[str, Any], found: Fingerprint) -> None:
    """ToolProblem unless the store holds the rows (and checksum) the backup records."""
    want = body["warehouse"]
    where = "the restored bookings store"
    if found.rows != int(want["rows"]):
        raise ToolProblem(f"{where} holds {found.rows:,} bookings, the backup {want['rows']:,}")
    if want.get("checksum") is not None and str(found.checksum) != str(want["checksum"]):
        raise ToolProblem(
            f"{where} holds {found.rows:,} bookings as the backup, but their checksum "
            f"{found.shown} is not the backup's"
        )
