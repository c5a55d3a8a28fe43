"""The one Ibis aggregation gives the same counts on DuckDB, PostgreSQL and PySpark.

Each backend's result (`backends.counts_table`) is compared row for row, counts exactly, with
the production DuckDB path (`aggregate.aggregate` over the same Parquet files).

PostgreSQL runs when DATABASE_URL names a PostgreSQL database: the tables go into a schema of
their own with a unique name, dropped afterwards (nothing else in that database is touched).
PySpark runs when the optional extra ``spark`` is installed (local mode, one thread) and Java is
on the PATH.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import ibis  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from transferwatch.analytics.aggregate import (
    COUNT_COLUMNS,
    aggregate,
    connect,
    read_agencies,
    source_sql,
)
from transferwatch.analytics.backends import KEY_COLUMNS, counts_table, rates_table
from transferwatch.analytics.rates import COUNTS as RATE_COUNTS
from transferwatch.analytics.rates import group_counts
from transferwatch.analytics.synth import generate

# pandas 3 deprecations raised inside ibis' and pyspark's own pandas conversions, not ours
pytestmark = [
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

PERIODS = [(None, None), (date(2021, 7, 1), date(2023, 3, 31))]
Rows = list[tuple[Any, ...]]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 5,000 bookings at 5 agencies over three years, one with a planted effect."""
    folder = tmp_path_factory.mktemp("backends")
    summary = generate(
        folder, agencies=5, start=date(2021, 1, 1), end=date(2023, 12, 31), seed=5,
        plants={"dismissal": 1}, fmt="parquet", bookings=5000,
    )  # fmt: skip
    assert 4000 <= summary.bookings <= 6000
    return folder


def _duckdb_rows(folder: Path, period: tuple[date | None, date | None]) -> tuple[Rows, date, date]:
    """The production DuckDB path: sorted (keys..., counts...) rows and the period used."""
    agencies = read_agencies(folder / "agencies.parquet")
    source = source_sql([folder / "bookings.parquet"])
    counts, first, last = aggregate(source, agencies, *period)
    rows = [
        (
            str(counts.ori[i]),
            bool(counts.post[i]),
            int(counts.quarter[i]),
            str(counts.eth[i]),
            str(counts.lep[i]),
            int(counts.cell[i]),
            *(int(counts.values[c][i]) for c in COUNT_COLUMNS),
        )
        for i in range(len(counts.ori))
    ]
    return sorted(rows), first, last


def _assert_same(table: pa.Table, folder: Path, period: tuple[date | None, date | None]) -> None:
    expected, first, last = _duckdb_rows(folder, period)
    columns = [table.column(c).to_pylist() for c in (*KEY_COLUMNS, *COUNT_COLUMNS)]
    rows = list(zip(*columns, strict=True))
    assert rows == sorted(rows)  # counts_table sorts by the keys
    assert rows == expected
    assert min(table.column("first_day").to_pylist()) == first
    assert max(table.column("last_day").to_pylist()) == last
    assert sum(table.column("bookings").to_pylist()) > 1000


def _assert_same_rates(
    table: pa.Table, folder: Path, period: tuple[date | None, date | None]
) -> None:
    """`rates_table` of a backend equals the DuckDB path (`rates.group_counts`), row for row."""
    agencies = read_agencies(folder / "agencies.parquet")
    source = source_sql([folder / "bookings.parquet"])
    _counts, first, last = aggregate(source, agencies, *period)
    con = connect()
    try:
        found = group_counts(source, (first, last), None, con)
    finally:
        con.close()
    expected = sorted(
        (str(found.ori[i]), str(found.grp[i]), *(int(found.values[c][i]) for c in RATE_COUNTS))
        for i in range(len(found.ori))
    )
    rows = list(zip(*(table.column(c).to_pylist() for c in ("ori", "grp", *RATE_COUNTS)), strict=True))  # fmt: skip
    assert rows == expected
    assert len({r[1] for r in rows}) >= 5  # most groups present
    assert sum(r[3] for r in rows) > 20  # requests counted


def _agencies_arrow(folder: Path) -> pa.Table:
    """The agencies file, with all-null columns (typed null) as text so every backend stores them."""
    table = pq.read_table(folder / "agencies.parquet")
    for i, field in enumerate(table.schema):
        if pa.types.is_null(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
    return table


@pytest.mark.parametrize("period", PERIODS)
def test_ibis_duckdb_connection_matches_duckdb_path(
    synth: Path, period: tuple[date | None, date | None]
) -> None:
    con = ibis.duckdb.connect()
    try:
        bookings = con.read_parquet(synth / "bookings.parquet")
        agencies = con.read_parquet(synth / "agencies.parquet")
        _assert_same(counts_table(bookings, agencies, *period), synth, period)
        _assert_same_rates(rates_table(bookings, *period), synth, period)
    finally:
        con.disconnect()


# PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres(synth: Path) -> Iterator[tuple[Any, Any]]:
    """Bookings and agencies loaded into a fresh, uniquely named schema; dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("DATABASE_URL is not a PostgreSQL database")
    parts = urlsplit(url)
    con = ibis.postgres.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        database=unquote(parts.path.lstrip("/")) or "postgres",
    )
    schema = f"tw_backends_{uuid.uuid4().hex[:12]}"
    con.create_database(schema)
    try:
        bookings = con.create_table(
            "bookings", pq.read_table(synth / "bookings.parquet"), database=schema
        )
        agencies = con.create_table("agencies", _agencies_arrow(synth), database=schema)
        yield bookings, agencies
    finally:
        con.raw_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE').close()
        con.disconnect()


@pytest.mark.parametrize("period", PERIODS)
def test_postgres_matches_duckdb(
    postgres: tuple[Any, Any], synth: Path, period: tuple[date | None, date | None]
) -> None:
    bookings, agencies = postgres
    _assert_same(counts_table(bookings, agencies, *period), synth, period)
    _assert_same_rates(rates_table(bookings, *period), synth, period)


def test_postgres_text_dates_match_duckdb(postgres: tuple[Any, Any], synth: Path) -> None:
    """Dates stored as text (as a CSV import leaves them) are read the same way."""
    bookings, agencies = postgres
    bookings = bookings.mutate(booking_date=bookings.booking_date.cast("string"))
    agencies = agencies.mutate(activation_date=agencies.activation_date.cast("string"))
    _assert_same(counts_table(bookings, agencies), synth, (None, None))
    _assert_same_rates(rates_table(bookings), synth, (None, None))


# PySpark ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark(synth: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """A local one-thread Spark session with the two Parquet files as temporary views."""
    sql = pytest.importorskip("pyspark.sql")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("PySpark needs Java")
    scratch = tmp_path_factory.mktemp("spark")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # no "closing connection" at exit
    session = (
        sql.SparkSession.builder.master("local[1]")
        .appName("transferwatch-test-backends")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.local.dir", str(scratch / "local"))
        .getOrCreate()
    )
    try:
        session.read.parquet(str(synth / "bookings.parquet")).createOrReplaceTempView("tw_bookings")
        session.read.parquet(str(synth / "agencies.parquet")).createOrReplaceTempView("tw_agencies")
        con = ibis.pyspark.connect(session)
        yield con.table("tw_bookings"), con.table("tw_agencies")
    finally:
        session.stop()


@pytest.mark.parametrize("period", PERIODS)
def test_pyspark_matches_duckdb(
    spark: tuple[Any, Any], synth: Path, period: tuple[date | None, date | None]
) -> None:
    bookings, agencies = spark
    _assert_same(counts_table(bookings, agencies, *period), synth, period)
    _assert_same_rates(rates_table(bookings, *period), synth, period)
