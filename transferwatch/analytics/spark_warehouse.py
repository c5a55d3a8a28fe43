"""The bookings warehouse with the aggregation on a Spark cluster
(`TRANSFERWATCH_WAREHOUSE=spark://HOST:PORT`).

Bookings stay the Parquet files of the embedded store (`warehouse.BookingStore`, written by the
imports exactly as without Spark) in the warehouse folder, which must be a path every machine of
the cluster reads at the same place (a shared volume). A monitoring run lists the files of the
manifest, has the cluster read them, and runs the two Ibis expressions
(`aggregate.counts_expr`, `rates.rates_expr`) there through Ibis' PySpark backend; only the small
tables of counts come back, checked by the same code as the DuckDB path
(`aggregate.counts_from`). The agency page and the packet read the Parquet files with DuckDB, as
without Spark (one quarter's partition, or one agency's counts: small reads).

Needs the optional extra ``spark`` (pyspark) and Java 17 on this machine (the driver).
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ibis  # type: ignore[import-untyped]
import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from transferwatch.analytics.aggregate import (
    OPTIONAL_BOOKING_COLUMNS,
    AgencyInfo,
    Counts,
    counts_expr,
    counts_from,
)
from transferwatch.analytics.rates import COUNTS as RATE_COUNTS
from transferwatch.analytics.rates import RATE_COLUMNS, GroupCounts, rates_expr
from transferwatch.analytics.warehouse import BookingStore

_SESSIONS: dict[str, Any] = {}
_LOCK = threading.Lock()


def session(master: str) -> Any:
    """One Spark session per master for the life of the process (starting one takes seconds)."""
    with _LOCK:
        found = _SESSIONS.get(master)
        if found is not None:
            return found
        from pyspark.sql import SparkSession  # type: ignore[import-not-found,import-untyped,unused-ignore]

        made = (
            SparkSession.builder.master(master)
            .appName("transferwatch-monitor")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.parquet.mergeSchema", "true")
            .getOrCreate()
        )
        _SESSIONS[master] = made
        return made


def _numpy(table: pa.Table) -> dict[str, Any]:
    """An Arrow table as numpy columns, masked where null (as DuckDB's ``fetchnumpy``)."""
    out: dict[str, Any] = {}
    for name in table.column_names:
        column = table.column(name)
        mask = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        if pa.types.is_date(column.type):
            data = np.asarray(column.cast(pa.date32()).to_numpy(zero_copy_only=False))
            data = data.astype("datetime64[D]")
        elif pa.types.is_boolean(column.type):
            data = np.asarray(column.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
        elif pa.types.is_integer(column.type):
            data = np.asarray(column.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        else:
            data = np.array(["" if v is None else str(v) for v in column.to_pylist()], dtype=str)
        out[name] = np.ma.masked_array(data, mask=mask)
    return out


class SparkStore(BookingStore):
    """The Parquet store, aggregated on the Spark cluster at `master`."""

    def __init__(self, master: str, root: Path) -> None:
        super().__init__(root)
        self.master = master

    def aggregate(
        self, agencies: Sequence[AgencyInfo], period_from: date | None, period_to: date | None
    ) -> tuple[Counts, GroupCounts, date, date]:
        """The monitoring counts, computed on the cluster; the period used."""
        files = [str(f) for f in self.files()]
        if not files:  # before the first import: as an empty Parquet store
            empty = {"bookings": np.ma.masked_array(np.zeros(0, dtype=np.int64))}
            counts_from(empty, agencies, period_from, period_to, frozenset())
        spark = session(self.master)
        name = uuid.uuid4().hex[:12]
        spark.read.parquet(*files).createOrReplaceTempView(f"tw_bookings_{name}")
        rows = [(a.ori, a.activation_date) for a in agencies]
        spark.createDataFrame(rows, "ori string, activation_date date").createOrReplaceTempView(
            f"tw_activation_{name}"
        )
        try:
            con = ibis.pyspark.connect(spark)
            bookings = con.table(f"tw_bookings_{name}")
            activation = con.table(f"tw_activation_{name}")
            present = frozenset(c for c in OPTIONAL_BOOKING_COLUMNS if c in bookings.columns)
            expr = counts_expr(bookings, activation, present, period_from, period_to)
            result = _numpy(expr.to_pyarrow())
            counts, first, last = counts_from(result, agencies, period_from, period_to, present)
            columns = frozenset(c for c in RATE_COLUMNS if c in bookings.columns)
            rates = _numpy(rates_expr(bookings, columns, first, last).to_pyarrow())
        finally:
            spark.catalog.dropTempView(f"tw_bookings_{name}")
            spark.catalog.dropTempView(f"tw_activation_{name}")
        groups = GroupCounts(
            ori=np.asarray(rates["ori"], dtype=str),
            grp=np.asarray(rates["grp"], dtype=str),
            values={c: np.asarray(rates[c], dtype=np.int64) for c in RATE_COUNTS},
            present=columns,
        )
        return counts, groups, first, last

    def check(self) -> dict[str, Any]:
        """The warehouse folder can be written and the Spark master accepts a connection."""
        folder = super().check()
        if folder["status"] != "ok":
            return folder
        parts = urlsplit(self.master)
        try:
            with socket.create_connection((parts.hostname or "", parts.port or 7077), timeout=3):
                pass
        except OSError:
            return {"status": "failing", "error": "the Spark master cannot be reached"}
        return {"status": "ok"}
