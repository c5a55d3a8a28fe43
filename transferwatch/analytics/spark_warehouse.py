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

A run never waits on the cluster without bound: the cluster's jobs of one aggregation run in a
job group that a watchdog thread cancels when the master stops answering, when no executor is
left to run them (the only worker gone), or when the run takes longer than its time limit; the run
then fails with `WarehouseError` naming the store and the reason, and the process drops its
session so that the next run starts a fresh one. Spark's own network timeout is lowered (60 s)
so that a worker machine that vanishes without closing its connections is noticed too.

Needs the optional extra ``spark`` (pyspark) and Java 17 on this machine (the driver).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
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
from transferwatch.analytics.pg_warehouse import WarehouseError
from transferwatch.analytics.rates import COUNTS as RATE_COUNTS
from transferwatch.analytics.rates import RATE_COLUMNS, GroupCounts, rates_expr
from transferwatch.analytics.warehouse import BookingStore

log = logging.getLogger(__name__)

_SESSIONS: dict[str, Any] = {}
_LOCK = threading.Lock()

NETWORK_TIMEOUT = "60s"  # Spark's default, 120 s, is how long a silent executor is believed alive
TIME_LIMIT = 3600.0  # seconds a whole aggregation may take on the cluster
NO_WORKER_GRACE = 60.0  # seconds without any executor before the run gives up (a first run
# waits for its executors to start: about 18 s on a busy 2-core machine)
MASTER_GRACE = 15.0  # seconds the master may not answer (a restart) before the run gives up
POLL = 2.0  # seconds between the watchdog's looks


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
            .config("spark.network.timeout", NETWORK_TIMEOUT)
            .getOrCreate()
        )
        _SESSIONS[master] = made
        return made


def drop_session(master: str) -> None:
    """Stop and forget this process's session on `master` (after a failure: the next run makes
    a new one instead of reusing a context whose master or executors are gone)."""
    with _LOCK:
        made = _SESSIONS.pop(master, None)
    if made is None:
        return
    stopping = threading.Thread(target=made.stop, name="spark-session-stop", daemon=True)
    stopping.start()
    stopping.join(30)  # stopping tells the master; a master that is gone makes it slow
    if stopping.is_alive():
        log.warning("the Spark session did not stop within 30 s; left to stop in the background")


def _answers(host: str, port: int, timeout: float = 3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class _GaveUp(Exception):
    """The watchdog stopped the run between two of its jobs."""


class _Watchdog:
    """Cancels the job group of one aggregation when the cluster cannot finish it.

    Used as a context manager around the Spark calls of the calling thread (PySpark pins each
    Python thread to a JVM thread, so the job group set here covers exactly this run's jobs).
    `reason` says why it cancelled, or is None.
    """

    def __init__(self, store: SparkStore, spark: Any) -> None:
        self.store = store
        self.context = spark.sparkContext
        self.group = f"transferwatch-{uuid.uuid4().hex[:12]}"
        self.reason: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="spark-watchdog", daemon=True)

    def __enter__(self) -> _Watchdog:
        self.context.setJobGroup(self.group, "TransferWatch monitoring run", True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        if kind is not None and self.reason is None:  # e.g. a worker told to stop mid-run
            with contextlib.suppress(Exception):
                self.context.cancelJobGroup(self.group)

    def gate(self) -> None:
        """Before each of the run's jobs: stop if the watchdog gave up, and start no job while
        the master does not answer (waiting up to the master's grace for it to come back)."""
        if self.reason is not None:
            raise _GaveUp(self.reason)
        down = time.monotonic()
        while not self.store.master_answers():
            if time.monotonic() - down > self.store.master_grace:
                self.reason = (
                    f"the Spark master stopped answering (for {time.monotonic() - down:.0f} s)"
                )
                raise _GaveUp(self.reason)
            time.sleep(self.store.poll)

    def _executors(self) -> int:
        # The driver's own block manager is in the list too.
        return int(self.context._jsc.sc().getExecutorMemoryStatus().size()) - 1

    def _verdict(self, started: float, master_down: float | None, idle: float | None) -> str | None:
        now = time.monotonic()
        store = self.store
        if now - started > store.time_limit:
            return f"the work did not finish within {store.time_limit:.0f} s"
        if master_down is not None and now - master_down > store.master_grace:
            return f"the Spark master stopped answering (for {now - master_down:.0f} s)"
        if idle is not None and now - idle > store.no_worker_grace:
            return f"no Spark worker was left to run the work (none for {now - idle:.0f} s)"
        return None

    def _watch(self) -> None:
        started = time.monotonic()
        master_down: float | None = None
        idle: float | None = None
        while not self._done.wait(self.store.poll):
            try:
                if self.store.master_answers():
                    master_down = None
                elif master_down is None:
                    master_down = time.monotonic()
                if self._executors() > 0:
                    idle = None
                elif idle is None:
                    idle = time.monotonic()
                reason = self._verdict(started, master_down, idle)
                if reason is not None:
                    self.reason = reason
                    self.context.cancelJobGroup(self.group)
                    return
            except Exception:  # the context itself is gone: the run's own call fails with it
                log.warning("the Spark watchdog could not ask the driver", exc_info=True)
                return


def _spark_errors() -> tuple[type[BaseException], ...]:
    from py4j.protocol import Py4JError  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from pyspark.errors import PySparkException  # type: ignore[import-not-found,import-untyped,unused-ignore]

    return (Py4JError, PySparkException)


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

    def __init__(
        self,
        master: str,
        root: Path,
        *,
        time_limit: float = TIME_LIMIT,
        no_worker_grace: float = NO_WORKER_GRACE,
        master_grace: float = MASTER_GRACE,
        poll: float = POLL,
    ) -> None:
        super().__init__(root)
        self.master = master
        parts = urlsplit(master)
        self.host, self.port = parts.hostname or "", parts.port or 7077
        # How the store is named in messages: the master's host and port, never more.
        self.name = f"the Spark warehouse (spark://{self.host}:{self.port})"
        self.time_limit = time_limit
        self.no_worker_grace = no_worker_grace
        self.master_grace = master_grace
        self.poll = poll

    def master_answers(self) -> bool:
        """Whether the master accepts a connection."""
        return _answers(self.host, self.port)

    def _failed(self, reason: str) -> WarehouseError:
        drop_session(self.master)
        return WarehouseError(
            f"{self.name} failed: {reason}; nothing was stored: run it again when the cluster "
            "is back"
        )

    def aggregate(
        self, agencies: Sequence[AgencyInfo], period_from: date | None, period_to: date | None
    ) -> tuple[Counts, GroupCounts, date, date]:
        """The monitoring counts, computed on the cluster; the period used."""
        files = [str(f) for f in self.files()]
        if not files:  # before the first import: as an empty Parquet store
            empty = {"bookings": np.ma.masked_array(np.zeros(0, dtype=np.int64))}
            counts_from(empty, agencies, period_from, period_to, frozenset())
        if not self.master_answers():
            raise self._failed("the Spark master cannot be reached")
        spark = session(self.master)
        errors: tuple[type[BaseException], ...] = (*_spark_errors(), _GaveUp)
        watchdog = _Watchdog(self, spark)
        try:
            with watchdog:
                counts, rates, columns, first, last = self._run(
                    spark, watchdog.gate, files, agencies, period_from, period_to
                )
        except errors as exc:
            if watchdog.reason is not None:
                raise self._failed(watchdog.reason) from None
            # Spark's own message can quote the data: name the kind of failure only.
            log.warning("Spark failed the monitoring aggregation", exc_info=True)
            raise self._failed(
                f"the cluster gave up on the work ({type(exc).__name__}; the Spark driver's "
                "log says why)"
            ) from None
        groups = GroupCounts(
            ori=np.asarray(rates["ori"], dtype=str),
            grp=np.asarray(rates["grp"], dtype=str),
            values={c: np.asarray(rates[c], dtype=np.int64) for c in RATE_COUNTS},
            present=columns,
        )
        return counts, groups, first, last

    def _run(
        self,
        spark: Any,
        gate: Callable[[], None],
        files: list[str],
        agencies: Sequence[AgencyInfo],
        period_from: date | None,
        period_to: date | None,
    ) -> tuple[Counts, dict[str, Any], frozenset[str], date, date]:
        name = uuid.uuid4().hex[:12]
        gate()
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
            gate()
            result = _numpy(expr.to_pyarrow())
            counts, first, last = counts_from(result, agencies, period_from, period_to, present)
            columns = frozenset(c for c in RATE_COLUMNS if c in bookings.columns)
            gate()
            rates = _numpy(rates_expr(bookings, columns, first, last).to_pyarrow())
        finally:
            spark.catalog.dropTempView(f"tw_bookings_{name}")
            spark.catalog.dropTempView(f"tw_activation_{name}")
        return counts, rates, columns, first, last

    def check(self) -> dict[str, Any]:
        """The warehouse folder can be written and the Spark master accepts a connection."""
        folder = super().check()
        if folder["status"] != "ok":
            return folder
        if not self.master_answers():
            return {"status": "failing", "error": "the Spark master cannot be reached"}
        return {"status": "ok"}
