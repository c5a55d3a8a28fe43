"""The relational database out and back in, through the database's own tools.

PostgreSQL: `pg_dump` in its custom format, reading a snapshot exported by our own transaction
(`pg_export_snapshot`), so the row counts written in the manifest are those of the very dump;
`pg_restore` in one transaction into an empty database. SQLite: the online backup API, which
copies a consistent snapshot while the site keeps running, in both directions.

The connection settings are Django's (DATABASE_URL); the password goes to the tools in their
environment (PGPASSWORD), never on a command line.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from transferwatch.analytics.pg_warehouse import SCHEMA
from transferwatch.analytics.store_copy import fingerprint_sql
from transferwatch.backup.manifest import BackupProblem

DUMP_NAMES = {"postgresql": "transferwatch.pgdump", "sqlite": "transferwatch.sqlite3"}
PAGES_PER_STEP = 256
CLIENT_HINT = "apt-get install postgresql-client (the client must be at least the server's version)"


class ToolProblem(Exception):
    """The database's own tool is missing, too old, or failed (not the backup's fault)."""


@dataclass(frozen=True)
class Dumped:
    """What the manifest records about the dumped database."""

    vendor: str
    file: str  # relative to the backup folder
    tool: str
    server_version: str
    tables: dict[str, int]
    migrations: list[list[str]]
    audit_events: int
    audit_head: str
    bookings: tuple[int, int] | None = None  # rows and checksum of a warehouse in the dump


def vendor() -> str:
    return str(connection.vendor)


def _counts(cursor: Any, tables: list[str]) -> dict[str, int]:
    out = {}
    for table in sorted(tables):
        quoted = '"' + table.replace('"', '""') + '"'
        cursor.execute(f"SELECT count(*) FROM {quoted}")  # noqa: S608 - a listed table name
        out[table] = int(cursor.fetchone()[0])
    return out


def _state(cursor: Any, tables: list[str]) -> tuple[dict[str, int], list[list[str]], int, str]:
    counts = _counts(cursor, tables)
    migrations: list[list[str]] = []
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [[str(app), str(name)] for app, name in cursor.fetchall()]
    events, head = 0, "0" * 64
    if "audit_chainhead" in counts:
        cursor.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1")
        row = cursor.fetchone()
        if row is not None:
            events, head = int(row[0]), str(row[1])
    return counts, migrations, events, head


def table_counts() -> dict[str, int]:
    """Rows in every table of the configured database, now."""
    with connection.cursor() as cursor:
        return _counts(cursor, list(connection.introspection.table_names(cursor)))


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_tables(con: sqlite3.Connection) -> list[str]:
    rows = con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _read_only(path: Path) -> str:
    return path.resolve().as_uri() + "?mode=ro"


def _sqlite_dump(target: Path, progress: Callable[[int, int], None]) -> Dumped:
    name = str(connection.settings_dict["NAME"])
    with (
        closing(sqlite3.connect(_read_only(Path(name)), uri=True)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(
            copy,
            pages=PAGES_PER_STEP,
            progress=lambda _status, remaining, total: progress(total - remaining, total),
        )
        # One self-contained file: no write-ahead log beside it.
        copy.execute("PRAGMA journal_mode = DELETE")
        counts, migrations, events, head = _state(copy.cursor(), _sqlite_tables(copy))
    return Dumped(
        "sqlite",
        "",
        f"SQLite online backup API (SQLite {sqlite3.sqlite_version})",
        sqlite3.sqlite_version,
        counts,
        migrations,
        events,
        head,
    )


def _sqlite_restore(source: Path) -> None:
    name = str(connection.settings_dict["NAME"])
    connection.close()
    with (
        closing(sqlite3.connect(_read_only(source), uri=True)) as backup,
        closing(sqlite3.connect(name)) as target,
    ):
        # One write transaction on the target: a failure part-way leaves it as it was.
        backup.backup(target)
        target.execute("PRAGMA journal_mode = WAL")


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    s = connection.settings_dict
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if s.get(key):
            env[var] = str(s[key])
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    env["PGDATABASE"] = str(s["NAME"])
    return env


def _version(line: str) -> str:
    """'15.20' from 'pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)'."""
    found = re.search(r"\(PostgreSQL\)\s*(\d+(?:\.\d+)*)", line) or re.search(
        r"(\d+(?:\.\d+)*)", line
    )
    return found.group(1) if found else "0"


def _major(line: str) -> int:
    return int(_version(line).split(".")[0])


def _tool(name: str, server_major: int) -> tuple[str, str]:
    """The tool's path and its version line; ToolProblem when missing or older than the server."""
    path = shutil.which(name)
    if path is None:
        raise ToolProblem(f"{name} is not installed: {CLIENT_HINT}")
    line = subprocess.run(  # noqa: S603 - our own fixed arguments
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    version = _version(line)
    if _major(line) < server_major:
        raise ToolProblem(
            f"{name} {version} is older than the PostgreSQL {server_major} server: {CLIENT_HINT}"
        )
    return path, line


def _server_major() -> tuple[int, str]:
    connection.ensure_connection()
    number = int(connection.pg_version)
    major = number // 10000
    return major, f"{major}.{number % 10000}"


def _run(args: list[str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 - a tool found on PATH, our own arguments
        args, env=_pg_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = " ".join(result.stderr.strip().splitlines()[:3]) or f"exit {result.returncode}"
        raise ToolProblem(f"{what} failed: {detail}")


def _bookings_in_snapshot(cursor: Any) -> tuple[int, int]:
    """Rows and checksum of the PostgreSQL warehouse in this database (`store_copy`)."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.bookings"])
    if not cursor.fetchone()[0]:
        return (0, 0)
    cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
    cursor.execute(fingerprint_sql(f"{SCHEMA}.bookings", "postgres"))
    rows, checksum = cursor.fetchone()
    return (int(rows), int(checksum))


def _pg_dump(target: Path, progress: Callable[[int, int], None], bookings: bool = False) -> Dumped:
    major, server = _server_major()
    pg_dump, line = _tool("pg_dump", major)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = str(cursor.fetchone()[0])
        counts, migrations, events, head = _state(
            cursor, list(connection.introspection.table_names(cursor))
        )
        in_dump = _bookings_in_snapshot(cursor) if bookings else None
        progress(0, 1)
        _run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            "pg_dump",
        )
        progress(1, 1)
    return Dumped("postgresql", "", line, server, counts, migrations, events, head, in_dump)


def _pg_restore(source: Path, dumped_with: str) -> None:
    major, _server = _server_major()
    pg_restore, _line = _tool("pg_restore", max(major, _major(dumped_with)))
    connection.close()
    _run(
        [
            pg_restore,
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={connection.settings_dict['NAME']}",
            str(source),
        ],
        "pg_restore",
    )


# --- Either ------------------------------------------------------------------------------------


def dump(folder: Path, progress: Callable[[int, int], None], bookings: bool = False) -> Dumped:
    """Dump the configured database into `folder`/database/; with `bookings`, count the rows
    and checksum of the PostgreSQL warehouse it holds in the dump's snapshot."""
    kind = vendor()
    if kind not in DUMP_NAMES:
        raise ToolProblem(f"backups of a {kind} database are not supported")
    relative = f"database/{DUMP_NAMES[kind]}"
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "postgresql":
        dumped = _pg_dump(target, progress, bookings)
    else:
        dumped = _sqlite_dump(target, progress)
    return Dumped(**{**dumped.__dict__, "file": relative})


def check_tools(manifest_db: dict[str, Any]) -> None:
    """Before anything is written: the restore tool is here and recent enough."""
    if vendor() == "postgresql":
        major, _server = _server_major()
        _tool("pg_restore", max(major, _major(str(manifest_db["tool"]))))


def load(source: Path, manifest_db: dict[str, Any]) -> None:
    """Restore the dump into the configured (empty) database, all or nothing."""
    if vendor() == "postgresql":
        _pg_restore(source, str(manifest_db["tool"]))
    else:
        _sqlite_restore(source)


def refuse_unless_empty() -> None:
    """BackupProblem naming the database when it has any table (restore needs none)."""
    counts = table_counts()
    if not counts:
        return
    where = str(connection.settings_dict["NAME"])
    rows = sum(counts.values())
    if rows:
        fullest = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
        sample = ", ".join(f"{t} {n:,}" for t, n in fullest)
        raise BackupProblem(
            f"the database {where} has data ({len(counts)} tables, {rows:,} rows: {sample}); "
            "restore only into an empty database: create a new one and point DATABASE_URL at it"
        )
    raise BackupProblem(
        f"the database {where} already has {len(counts)} tables (no rows; was `migrate` run?); "
        "restore needs a database without tables: drop it, create it again, and do not migrate"
    )
