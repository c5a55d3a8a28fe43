"""Every booking from one store to another, in bulk, all or nothing, checked after.

`copy_bookings` moves the whole bookings table (and the keys of the imports already in) between
the Parquet store (`warehouse.BookingStore`, also the files a `SparkStore` reads) and the
PostgreSQL store (`pg_warehouse.PostgresStore`), in either direction:

- out of PostgreSQL: one ``COPY (SELECT ...) TO STDOUT`` in a REPEATABLE READ transaction, into a
  CSV file in the work folder, read back by DuckDB with the contract's types;
- into PostgreSQL: DuckDB's rows as Arrow batches written as CSV into ``COPY ... FROM STDIN``, in
  one transaction that also empties the tables first (when told to replace);
- into Parquet: one DuckDB ``COPY ... PARTITION_BY (quarter)`` into a new version folder, and
  the store's manifest replaced in one rename only once the files check out.

Both ends are checked with a `Fingerprint`: the number of rows and an order-independent sum of a
hash of every row (the first 60 bits of the MD5 of a canonical text of the row, the same SQL on
DuckDB and PostgreSQL). The target's fingerprint is computed before its commit (PostgreSQL:
inside the transaction; Parquet: over the new files before the manifest names them), and a
mismatch leaves the target as it was. No Python runs per row.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import psycopg

from transferwatch.analytics import contract
from transferwatch.analytics.contract import quote
from transferwatch.analytics.pg_warehouse import (
    BATCH_ROWS,
    LOCK_KEY,
    SCHEMA,
    PostgresStore,
    copy_arrow,
)
from transferwatch.analytics.warehouse import QUARTER_SQL, BookingStore

Store = BookingStore | PostgresStore
Progress = Callable[[str, int | None, int], None]  # (step, total rows or None, rows done)


class CopyRefused(Exception):
    """The copy cannot start (a target that is not empty, the same store twice); nothing written."""


class CopyFailed(Exception):
    """The copy ran but the target did not check out; the target was left as it was."""


@dataclass(frozen=True)
class Fingerprint:
    """The rows of a bookings table and an order-independent checksum of their contents."""

    rows: int
    checksum: int

    @property
    def shown(self) -> str:
        return f"{self.checksum % (1 << 64):016x}"


@dataclass(frozen=True)
class Copied:
    source: Fingerprint
    target: Fingerprint
    imports: int
    seconds: float


def _names() -> list[str]:
    return [c.name for c in contract.BOOKING_COLUMNS]


def _listed() -> str:
    return ", ".join(f'"{n}"' for n in _names())


def fingerprint_sql(source: str, dialect: str) -> str:
    """``SELECT rows, checksum`` over the table expression `source` (``duckdb`` or ``postgres``).

    A row's text is each contract column in order, ``v`` and its text or ``n`` for NULL, joined
    by ``|``; dates as YYYY-MM-DD (PostgreSQL with DateStyle ISO, set by the callers).
    """
    text = " || '|' || ".join(f"coalesce('v' || CAST(\"{n}\" AS text), 'n')" for n in _names())
    digest = f"substr(md5({text}), 1, 15)"
    if dialect == "postgres":
        number = f"('x' || {digest})::bit(60)::bigint"
    else:
        number = f"CAST('0x' || {digest} AS BIGINT)"
    return f"SELECT count(*), coalesce(sum({number}), 0) FROM {source} AS fingerprinted"  # noqa: S608


def _fingerprint(row: tuple[Any, ...] | None) -> Fingerprint:
    rows, checksum = row if row else (0, 0)
    return Fingerprint(int(rows), int(str(checksum)))


def describe(store: Store) -> str:
    """The store as messages name it (a PostgreSQL address without user or password)."""
    if isinstance(store, PostgresStore):
        parts = urlsplit(store.url)
        where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
        return f"the PostgreSQL warehouse {where}"
    return f"the Parquet warehouse {store.root.parent}"


def same_store(a: Store, b: Store) -> bool:
    if isinstance(a, PostgresStore) and isinstance(b, PostgresStore):
        return describe(a) == describe(b)
    if isinstance(a, BookingStore) and isinstance(b, BookingStore):
        return a.root.resolve() == b.root.resolve()
    return False


# --- reading a store ---------------------------------------------------------------------------


def parquet_fingerprint(con: duckdb.DuckDBPyConnection, store: BookingStore) -> Fingerprint:
    return _fingerprint(con.execute(fingerprint_sql(store.scan_sql(), "duckdb")).fetchone())


def _pg_begin(pg: psycopg.Connection[Any]) -> None:
    pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    pg.execute("SET LOCAL DateStyle = 'ISO, YMD'")


def pg_fingerprint(pg: psycopg.Connection[Any]) -> Fingerprint:
    """The fingerprint of ``tw_warehouse.bookings`` on `pg` (zero rows when there is none)."""
    row = pg.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.bookings"]).fetchone()
    if not (row and row[0]):
        return Fingerprint(0, 0)
    pg.execute("SET LOCAL DateStyle = 'ISO, YMD'")
    return _fingerprint(pg.execute(fingerprint_sql(f"{SCHEMA}.bookings", "postgres")).fetchone())


def store_fingerprint(store: Store, work: Path) -> Fingerprint:
    """The fingerprint of the bookings `store` holds now."""
    if isinstance(store, PostgresStore):
        with store.session() as pg:
            return pg_fingerprint(pg)
    work.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"SET temp_directory = {quote(str(work))}").fetchall()
        return parquet_fingerprint(con, store)


@dataclass(frozen=True)
class Source:
    sql: str  # a DuckDB table expression with the contract's columns, typed
    imports: list[str]
    fingerprint: Fingerprint


def _export_postgres(
    con: duckdb.DuckDBPyConnection, store: PostgresStore, work: Path, progress: Progress
) -> Source:
    """The PostgreSQL table into a CSV file in `work` (one snapshot), read back by DuckDB."""
    path = work / "bookings.csv"
    with store.session() as pg:
        _pg_begin(pg)
        found = pg_fingerprint(pg)
        imports: list[str] = []
        if store.exists(pg):
            keys = pg.execute(
                f"SELECT import_key FROM {SCHEMA}.imports ORDER BY imported_at, import_key"  # noqa: S608
            ).fetchall()
            imports = [str(k[0]) for k in keys]
        with path.open("wb") as out:
            if found.rows:
                done = 0
                query = f"COPY (SELECT {_listed()} FROM {SCHEMA}.bookings) TO STDOUT (FORMAT csv)"  # noqa: S608
                with pg.cursor() as cursor, cursor.copy(query) as copy:
                    for block in copy:
                        out.write(block)
                        done += bytes(block).count(b"\n")
                        progress("reading", found.rows, done)
        pg.rollback()
    types = ", ".join(f"{quote(c.name)}: {quote(c.sql_type)}" for c in contract.BOOKING_COLUMNS)
    sql = (
        f"read_csv({quote(str(path))}, header = false, auto_detect = false, delim = ',', "
        f"quote = '\"', escape = '\"', allow_quoted_nulls = false, columns = {{{types}}})"
    )
    if not found.rows:
        sql = f"(SELECT {contract.typed_select(contract.BOOKING_COLUMNS, set())} WHERE false)"
    return Source(sql, imports, found)


# --- writing a store ---------------------------------------------------------------------------


def _refuse_unless_empty(store: Store, rows: int, imports: int, replace: bool) -> None:
    if (rows or imports) and not replace:
        raise CopyRefused(
            f"{describe(store)} is not empty ({rows:,} bookings, {imports:,} imports): copy into "
            "an empty store, or give --replace to replace everything it holds"
        )


def _into_parquet(
    con: duckdb.DuckDBPyConnection, store: BookingStore, source: Source, replace: bool
) -> Fingerprint:
    """A new version folder with every booking, named by the manifest only once checked."""
    old = store.manifest()
    _refuse_unless_empty(store, int(old["rows"]), len(old["imports"]), replace)
    store.remove_orphans()
    version = int(old["version"]) + 1
    target = store.root / f"v{version:06d}"
    try:
        con.execute(
            f"COPY (SELECT {_listed()}, {QUARTER_SQL} AS quarter FROM {source.sql}) "  # noqa: S608
            f"TO {quote(str(target))} (FORMAT parquet, PARTITION_BY (quarter), COMPRESSION snappy)"
        ).fetchall()
        partitions: dict[str, dict[str, Any]] = {}
        for folder in sorted(target.glob("quarter=*")):
            files = sorted(str(p.relative_to(store.root)) for p in folder.glob("*.parquet"))
            listed = ", ".join(quote(str(store.root / f)) for f in files)
            row = con.execute(f"SELECT count(*) FROM read_parquet([{listed}])").fetchone()  # noqa: S608
            partitions[folder.name.removeprefix("quarter=")] = {
                "files": files,
                "rows": int(row[0]) if row else 0,
            }
        written = [store.root / f for p in partitions.values() for f in p["files"]]
        scan = (
            f"read_parquet([{', '.join(quote(str(f)) for f in written)}], "
            "hive_partitioning = false, union_by_name = true)"
            if written
            else source.sql
        )
        got = _fingerprint(con.execute(fingerprint_sql(scan, "duckdb")).fetchone())
        if got != source.fingerprint:
            raise CopyFailed(_mismatch(store, source.fingerprint, got))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    store.replace_manifest(
        {
            "format": 1,
            "version": version,
            "partitions": partitions,
            "imports": source.imports,
            "rows": got.rows,
            "updated": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    store.remove_orphans()
    return got


def _into_postgres(
    con: duckdb.DuckDBPyConnection,
    store: PostgresStore,
    source: Source,
    replace: bool,
    progress: Progress,
) -> Fingerprint:
    """Every booking in one transaction: emptied (when replacing), COPY, checked, committed."""
    con.complete()  # a fetchone() above may have left a result unread
    reader = con.sql(f"SELECT {_listed()} FROM {source.sql}").to_arrow_reader(BATCH_ROWS)  # noqa: S608
    with store.session() as pg, pg.transaction():
        pg.execute("SET LOCAL DateStyle = 'ISO, YMD'")
        pg.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if store.exists(pg):
            state = pg.execute(
                f"SELECT (SELECT count(*) FROM {SCHEMA}.bookings), "  # noqa: S608
                f"(SELECT count(*) FROM {SCHEMA}.imports)"
            ).fetchone()
            rows, imports = (int(state[0]), int(state[1])) if state else (0, 0)
            _refuse_unless_empty(store, rows, imports, replace)
            if rows or imports:
                pg.execute(f"TRUNCATE {SCHEMA}.bookings, {SCHEMA}.imports")
        store.create(pg)
        copy_arrow(
            pg,
            f"{SCHEMA}.bookings ({_listed()})",
            reader,
            lambda done: progress("writing", source.fingerprint.rows, done),
        )
        pg.execute(
            f"INSERT INTO {SCHEMA}.imports (import_key, rows, imported_at) "  # noqa: S608
            "SELECT k, 0, now() + i * interval '1 microsecond' "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS t(k, i)",
            [source.imports],
        )
        progress("checking", None, 0)
        got = pg_fingerprint(pg)
        if got != source.fingerprint:
            raise CopyFailed(_mismatch(store, source.fingerprint, got))
    return got


def _mismatch(store: Store, want: Fingerprint, got: Fingerprint) -> str:
    return (
        f"{describe(store)} did not take the bookings as read: {got.rows:,} rows with checksum "
        f"{got.shown} against {want.rows:,} rows with checksum {want.shown} in the source; "
        "nothing was changed"
    )


@contextlib.contextmanager
def _held(store: Store) -> Iterator[None]:
    """A Parquet store's lock (no import may replace its files while they are read or written)."""
    if isinstance(store, BookingStore):
        with store.lock():
            yield
    else:
        yield


def copy_bookings(
    source: Store,
    target: Store,
    work: Path,
    replace: bool = False,
    progress: Progress | None = None,
) -> Copied:
    """Copy every booking and import key of `source` into `target`, all or nothing.

    `work` is an empty folder for DuckDB's spill files and, out of PostgreSQL, the CSV of the
    table. Raises `CopyRefused` (nothing written) or `CopyFailed` (target left as it was);
    `pg_warehouse.WarehouseError` when PostgreSQL cannot be reached or refuses the work.
    """
    if same_store(source, target):
        raise CopyRefused(f"{describe(source)} is both the source and the target")
    show = progress or (lambda _step, _total, _done: None)
    started = time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(work / "copy.duckdb")) as con, _held(source), _held(target):
        con.execute(f"SET temp_directory = {quote(str(work / 'spill'))}").fetchall()
        # A bounded memory (DuckDB spills to `work`); rows need no order in the files.
        con.execute("SET memory_limit = '1GB'").fetchall()
        con.execute("SET preserve_insertion_order = false").fetchall()
        if isinstance(source, PostgresStore):
            read = _export_postgres(con, source, work, show)
        else:
            show("reading", None, 0)
            manifest = source.manifest()
            read = Source(
                source.scan_sql(), list(manifest["imports"]), parquet_fingerprint(con, source)
            )
        if isinstance(target, PostgresStore):
            got = _into_postgres(con, target, read, replace, show)
        else:
            show("writing", None, 0)
            got = _into_parquet(con, target, read, replace)
    return Copied(read.fingerprint, got, len(read.imports), time.monotonic() - started)
