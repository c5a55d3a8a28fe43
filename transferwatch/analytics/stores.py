"""Where bookings live: the one interface every writer and reader of bookings goes through.

``TRANSFERWATCH_WAREHOUSE`` chooses the store once (`open_warehouse`):

- empty or ``parquet``: the embedded Parquet files read and written with DuckDB
  (`warehouse.BookingStore`, under the data folder);
- ``postgresql://...`` or ``postgres://...``: a PostgreSQL database (`pg_warehouse.PostgresStore`),
  written with COPY, the monitoring aggregation compiled by Ibis and run there;
- ``spark://HOST:PORT``: the Parquet files (in a folder the cluster shares), the monitoring
  aggregation run on that Spark cluster (`spark_warehouse.SparkStore`).

Imports check their rows in DuckDB whatever the store and hand the valid ones to `commit`;
`transferwatch monitor`, monitoring runs from the web, the agency page and the quarterly packet
read through `aggregate`, `by_quarter` and `quarter_totals`. docs/backends.md says more.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb

from transferwatch.analytics.store_error import WarehouseError
from transferwatch.analytics.warehouse import BookingStore, Committed

if TYPE_CHECKING:  # the monitoring side (Ibis, numpy) is imported when it runs, not by imports
    from transferwatch.analytics.aggregate import AgencyInfo, Counts
    from transferwatch.analytics.rates import GroupCounts

__all__ = ["Warehouse", "WarehouseError", "describe_setting", "open_warehouse"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class Warehouse(Protocol):
    """The bookings table, wherever it is kept."""

    def has_import(self, key: str) -> bool:
        """Whether the import with this key is already in."""
        ...

    def state(self) -> dict[str, Any]:
        """What a run's fingerprint records: ``imports`` (the keys of the imports in, in
        order), ``version`` (how many commits made it) and ``rows`` (bookings held)."""
        ...

    def lock(self) -> AbstractContextManager[None]:
        """Held by an import from its checks to its commit."""
        ...

    def commit(
        self, con: duckdb.DuckDBPyConnection, incoming_sql: str, import_hash: str
    ) -> Committed:
        """Merge the rows of `incoming_sql` (a query on `con`, the contract's typed columns),
        replacing rows with the same ``booking_id``: all or nothing."""
        ...

    def aggregate(
        self, agencies: Sequence[AgencyInfo], period_from: date | None, period_to: date | None
    ) -> tuple[Counts, GroupCounts, date, date]:
        """The monitoring counts (`aggregate.counts_expr`, `rates.rates_expr`) and the period
        used; `aggregate.MonitorInputError` (or `NoBookings`) as `aggregate.aggregate` raises."""
        ...

    def by_quarter(self, ori: str | None = None) -> list[tuple[str, int]]:
        """(quarter label, bookings), for one agency or for all."""
        ...

    def quarter_totals(self, quarter: str, start: date, end: date) -> dict[str, int] | None:
        """Bookings, ICE matches, requests and agencies in a quarter; None when it has none."""
        ...

    def check(self) -> dict[str, Any]:
        """``{"status": "ok"}`` or ``{"status": "failing", "error": ...}`` (no addresses)."""
        ...


def describe_setting(setting: str) -> str:
    """``parquet`` or ``postgresql``; ValueError naming the setting for anything else."""
    value = setting.strip()
    if value in ("", "parquet"):
        return "parquet"
    scheme = value.split("://", 1)[0].lower() + "://" if "://" in value else ""
    if scheme in POSTGRES_SCHEMES:
        return "postgresql"
    if scheme == "spark://":
        return "spark"
    shown = value.split("://", 1)[0] + "://..." if "://" in value else repr(value)
    raise ValueError(
        f"TRANSFERWATCH_WAREHOUSE={shown} is not known: leave it empty (or 'parquet') for "
        "the embedded Parquet warehouse, or give a postgresql:// or spark:// address"
    )


def open_warehouse(setting: str, folder: Path) -> Warehouse:
    """The store `setting` (``TRANSFERWATCH_WAREHOUSE``) names; `folder` holds the Parquet one."""
    kind = describe_setting(setting)
    # Imported when chosen: psycopg and pyarrow are not needed to import into Parquet files.
    if kind == "postgresql":
        from transferwatch.analytics.pg_warehouse import PostgresStore

        return PostgresStore(setting.strip())
    if kind == "spark":
        from transferwatch.analytics.spark_warehouse import SparkStore

        return SparkStore(setting.strip(), folder)
    return BookingStore(folder)
