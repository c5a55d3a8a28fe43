"""The bookings warehouse in a PostgreSQL database (`TRANSFERWATCH_WAREHOUSE=postgresql://...`).

Bookings live in ``tw_warehouse.bookings`` (the contract's columns, CONTRACTS.md section 2, typed
as the Parquet store types them) and the keys of the imports already in, in
``tw_warehouse.imports``. The schema is made by the first import; the database may be the app's
own.

An import is checked in DuckDB exactly as for the Parquet store (`warehouse.stage`, `check`);
`commit` then streams the valid rows out of DuckDB as CSV into ``COPY ... FROM STDIN`` and, in
the same transaction, replaces rows with the same ``booking_id``: all or nothing. The monitoring
aggregation (`aggregate.counts_expr`, `rates.rates_expr`) is compiled by Ibis to PostgreSQL and
runs there; only the small tables of counts come back.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

import duckdb
import ibis  # type: ignore[import-untyped]
import numpy as np
import psycopg
import pyarrow.csv as pacsv  # type: ignore[import-untyped]
from psycopg import sql

from transferwatch.analytics import contract
from transferwatch.analytics.aggregate import (
    OPTIONAL_BOOKING_COLUMNS,
    AgencyInfo,
    Counts,
    counts_expr,
    counts_from,
)
from transferwatch.analytics.rates import COUNTS as RATE_COUNTS
from transferwatch.analytics.rates import RATE_COLUMNS, GroupCounts, rates_expr
from transferwatch.analytics.store_error import WarehouseError as WarehouseError
from transferwatch.analytics.warehouse import TOTALS_SQL, Committed, totals

SCHEMA = "tw_warehouse"
PG_TYPES = {"VARCHAR": "text", "DATE": "date", "BIGINT": "bigint"}
IBIS_TYPES = {"VARCHAR": "string", "DATE": "date", "BIGINT": "int64"}
QUARTER_SQL = (
    "extract(year FROM booking_date)::int::text || 'Q' || extract(quarter FROM booking_date)::int"
)
LOCK_KEY = 0x7477_6172  # one import at a time writes the warehouse (pg_advisory_xact_lock)
BATCH_ROWS = 100_000  # rows per CSV chunk streamed from DuckDB to COPY


def _names() -> list[str]:
    return [c.name for c in contract.BOOKING_COLUMNS]


@functools.lru_cache(maxsize=8)
def _compiled(kind: str, period_from: date | None, period_to: date | None) -> str:
    """`counts_expr` or `rates_expr` compiled to PostgreSQL over the warehouse table."""
    schema = {c.name: IBIS_TYPES[c.sql_type] for c in contract.BOOKING_COLUMNS}
    bookings = ibis.table(schema, name="bookings", database=SCHEMA)
    if kind == "counts":
        activation = ibis.table(
            {"ori": "string", "activation_date": "date"}, name="tw_monitor_activation"
        )
        present = frozenset(OPTIONAL_BOOKING_COLUMNS)
        expr = counts_expr(bookings, activation, present, period_from, period_to)
        expr = expr.order_by(["ori", "post", "quarter", "eth", "lep", "cell"])
    else:
        expr = rates_expr(bookings, frozenset(RATE_COLUMNS), period_from, period_to)
        expr = expr.order_by(["ori", "grp"])
    return str(ibis.to_sql(expr, dialect="postgres"))


def _columns(cursor: psycopg.Cursor[Any]) -> dict[str, Any]:
    """The rows of a query as numpy columns, masked where null (as DuckDB's ``fetchnumpy``)."""
    names = [d.name for d in cursor.description or []]
    rows = cursor.fetchall()
    out: dict[str, Any] = {}
    for i, name in enumerate(names):
        values = [r[i] for r in rows]
        mask = np.array([v is None for v in values], dtype=bool)
        sample = next((v for v in values if v is not None), None)
        if isinstance(sample, date):
            data = np.array([v or date(1970, 1, 1) for v in values], dtype="datetime64[D]")
        elif isinstance(sample, bool):
            data = np.array([bool(v) for v in values], dtype=bool)
        elif isinstance(sample, int):
            data = np.array([v or 0 for v in values], dtype=np.int64)
        else:
            data = np.array(["" if v is None else str(v) for v in values], dtype=str)
        out[name] = np.ma.masked_array(data, mask=mask)
    return out


def copy_arrow(
    con: Any, target: str, reader: Any, progress: Callable[[int], None] | None = None
) -> int:
    """Arrow record batches into `COPY target FROM STDIN` as CSV, in bulk; the rows written.
    `progress`, if given, hears the rows written so far after each batch."""
    done = 0
    with (
        con.cursor() as cursor,
        cursor.copy(f"COPY {target} FROM STDIN (FORMAT csv, HEADER true)") as copy,
    ):
        header = True
        for batch in reader:
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, pacsv.WriteOptions(include_header=header))
            header = False
            copy.write(buffer.getvalue())
            done += batch.num_rows
            if progress is not None:
                progress(done)
    return done


class PostgresStore:
    """The `stores.Warehouse` on a PostgreSQL database."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(
                self.url, connect_timeout=10, application_name="transferwatch-warehouse"
            )
        except psycopg.Error as exc:
            raise WarehouseError(
                f"the PostgreSQL warehouse cannot be reached: {_reason(exc)}"
            ) from None

    @contextlib.contextmanager
    def session(self) -> Iterator[psycopg.Connection[Any]]:
        con = self._connect()
        try:
            yield con
        except psycopg.Error as exc:
            raise WarehouseError(f"the PostgreSQL warehouse failed: {_reason(exc)}") from None
        finally:
            con.close()

    def exists(self, con: psycopg.Connection[Any]) -> bool:
        row = con.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.bookings"]).fetchone()
        return bool(row and row[0])

    def create(self, con: psycopg.Connection[Any]) -> None:
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(PG_TYPES[c.sql_type]))
            for c in contract.BOOKING_COLUMNS
        )
        schema = sql.Identifier(SCHEMA)
        con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
        con.execute(
            sql.SQL("CREATE TABLE IF NOT EXISTS {}.bookings ({}, PRIMARY KEY (booking_id))").format(
                schema, columns
            )
        )
        con.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS bookings_ori_date ON {}.bookings (ori, booking_date)")
            .format(schema)
        )  # fmt: skip
        con.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.imports (import_key text PRIMARY KEY, "
                "rows bigint NOT NULL, imported_at timestamptz NOT NULL DEFAULT now())"
            ).format(schema)
        )

    # Writing ------------------------------------------------------------------------------------

    def has_import(self, key: str) -> bool:
        with self.session() as con:
            if not self.exists(con):
                return False
            row = con.execute(
                f"SELECT 1 FROM {SCHEMA}.imports WHERE import_key = %s",  # noqa: S608
                [key],
            ).fetchone()
            return row is not None

    def state(self) -> dict[str, Any]:
        with self.session() as con:
            if not self.exists(con):
                return {"imports": [], "version": 0, "rows": 0}
            keys = con.execute(
                f"SELECT import_key FROM {SCHEMA}.imports ORDER BY imported_at, import_key"  # noqa: S608
            ).fetchall()
            rows = _one(con, f"SELECT count(*) FROM {SCHEMA}.bookings")  # noqa: S608
        return {"imports": [str(k[0]) for k in keys], "version": len(keys), "rows": rows}

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Imports wait for each other inside `commit` (a transaction-scoped advisory lock)."""
        yield

    def commit(
        self, duck: duckdb.DuckDBPyConnection, incoming_sql: str, import_hash: str
    ) -> Committed:
        """Copy the rows of `incoming_sql` (on `duck`) into the warehouse in one transaction,
        replacing rows with the same booking_id."""
        names = _names()
        listed = ", ".join(f'"{n}"' for n in names)
        query = f"SELECT {listed} FROM ({incoming_sql})"  # noqa: S608
        duck.complete()  # the caller's last execute() may have left a result unread
        reader = duck.sql(query).to_arrow_reader(BATCH_ROWS)
        with self.session() as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            self.create(con)
            con.execute(f"CREATE TEMP TABLE tw_incoming (LIKE {SCHEMA}.bookings) ON COMMIT DROP")
            copy_arrow(con, f"tw_incoming ({listed})", reader)
            added = _one(con, "SELECT count(*) FROM tw_incoming")
            quarters = sorted(
                str(r[0])
                for r in con.execute(
                    f"SELECT DISTINCT {QUARTER_SQL} FROM tw_incoming "  # noqa: S608
                    f"UNION SELECT DISTINCT {QUARTER_SQL} FROM {SCHEMA}.bookings b "
                    "WHERE b.booking_id IN (SELECT booking_id FROM tw_incoming)"
                ).fetchall()
            )
            replaced = con.execute(
                f"DELETE FROM {SCHEMA}.bookings b USING tw_incoming i "  # noqa: S608
                "WHERE b.booking_id = i.booking_id"
            ).rowcount
            con.execute(f"INSERT INTO {SCHEMA}.bookings SELECT * FROM tw_incoming")  # noqa: S608
            con.execute(
                f"INSERT INTO {SCHEMA}.imports (import_key, rows) VALUES (%s, %s) "  # noqa: S608
                "ON CONFLICT (import_key) DO NOTHING",
                [import_hash, added],
            )
            total = _one(con, f"SELECT count(*) FROM {SCHEMA}.bookings")  # noqa: S608
        return Committed(added, max(replaced, 0), tuple(quarters), total)

    # Reading ------------------------------------------------------------------------------------

    def aggregate(
        self, agencies: Sequence[AgencyInfo], period_from: date | None, period_to: date | None
    ) -> tuple[Counts, GroupCounts, date, date]:
        """The monitoring counts, computed in PostgreSQL; the period used."""
        with self.session() as con:
            if not self.exists(con):  # before the first import: as an empty Parquet store
                empty = {"bookings": np.ma.masked_array(np.zeros(0, dtype=np.int64))}
                counts_from(empty, agencies, period_from, period_to, frozenset())
            con.execute(
                "CREATE TEMP TABLE tw_monitor_activation (ori text, activation_date date) "
                "ON COMMIT DROP"
            )
            with con.cursor() as cursor:
                with cursor.copy("COPY tw_monitor_activation FROM STDIN") as copy:
                    for agency in agencies:
                        copy.write_row((agency.ori, agency.activation_date))
                cursor.execute(_compiled("counts", period_from, period_to))
                result = _columns(cursor)
                present = frozenset(OPTIONAL_BOOKING_COLUMNS)
                counts, first, last = counts_from(result, agencies, period_from, period_to, present)
                cursor.execute(_compiled("rates", first, last))
                rates = _columns(cursor)
            con.rollback()  # nothing was written but the temporary table
        groups = GroupCounts(
            ori=np.asarray(rates["ori"], dtype=str),
            grp=np.asarray(rates["grp"], dtype=str),
            values={c: np.asarray(rates[c], dtype=np.int64) for c in RATE_COUNTS},
            present=frozenset(RATE_COLUMNS),
        )
        return counts, groups, first, last

    def by_quarter(self, ori: str | None = None) -> list[tuple[str, int]]:
        """(quarter, bookings) for one agency or for all."""
        with self.session() as con:
            if not self.exists(con):
                return []
            where, params = ("WHERE ori = %s", [ori]) if ori else ("", [])
            rows = con.execute(
                f"SELECT {QUARTER_SQL} AS q, count(*) FROM {SCHEMA}.bookings {where} "  # noqa: S608
                "GROUP BY q ORDER BY q",
                params,
            ).fetchall()
        return [(str(q), int(n)) for q, n in rows]

    def quarter_totals(self, quarter: str, start: date, end: date) -> dict[str, int] | None:
        """The packet's figures for bookings between `start` and `end` (exclusive); None when
        the warehouse holds none then. (`quarter` names the Parquet partition; unused here.)"""
        with self.session() as con:
            if not self.exists(con):
                return None
            row = con.execute(
                f"SELECT {TOTALS_SQL} FROM {SCHEMA}.bookings "  # noqa: S608
                "WHERE booking_date >= %s AND booking_date < %s",
                [start, end],
            ).fetchone()
        if not row or not row[0]:
            return None
        return totals(row)

    def check(self) -> dict[str, Any]:
        """The database answers (the table need not exist before the first import)."""
        try:
            with self.session() as con:
                con.execute("SELECT 1").fetchone()
        except WarehouseError:
            return {"status": "failing", "error": "the PostgreSQL warehouse cannot be reached"}
        return {"status": "ok"}


def _one(con: psycopg.Connection[Any], query: str) -> int:
    row = con.execute(query).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _reason(exc: BaseException) -> str:
    """The first line of an error, without the connection string (it may hold a password)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
