"""The whole run on each bookings store (`stores.Warehouse`) gives the same monitoring document.

The same synthetic bookings are checked in DuckDB and committed into the Parquet store and into
the PostgreSQL store (`pg_warehouse.PostgresStore`); `monitor.run` on each store must give the
same JSON, byte for byte, and the readers of the agency page and the packet the same figures.
This extends test_backends.py (the aggregation alone) to imports, replacement by booking_id,
the statistics and the document.

PostgreSQL runs when DATABASE_URL names a PostgreSQL server: the warehouse goes into a database
of its own with a unique name (never the database DATABASE_URL names), dropped afterwards.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import psycopg
import pytest

from transferwatch.analytics import contract
from transferwatch.analytics import warehouse as wh
from transferwatch.analytics.aggregate import AgencyInfo, NoBookings, read_agencies
from transferwatch.analytics.monitor import run
from transferwatch.analytics.pg_warehouse import SCHEMA, PostgresStore, WarehouseError
from transferwatch.analytics.stores import Warehouse, describe_setting, open_warehouse
from transferwatch.analytics.synth import generate

PERIODS = [(None, None), (date(2021, 7, 1), date(2023, 3, 31))]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 5,000 bookings at 6 agencies over three years, two with planted effects, as CSV."""
    folder = tmp_path_factory.mktemp("stores")
    generate(
        folder, agencies=6, start=date(2021, 1, 1), end=date(2023, 12, 31), seed=7,
        plants={"dismissal": 1, "pretext": 1}, fmt="csv", bookings=5000,
    )  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("DATABASE_URL is not a PostgreSQL database: the PostgreSQL store needs one")
    return url


@pytest.fixture
def pg_url(server_url: str) -> Iterator[str]:
    """A PostgreSQL database of its own (`tw_wh_<random>`) on DATABASE_URL's server."""
    parts = urlsplit(server_url)
    name = f"tw_wh_{uuid.uuid4().hex[:12]}"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _import(
    store: Warehouse, path: Path, agencies: list[AgencyInfo], work: Path, key: str
) -> wh.Committed:
    """What `import_bookings` does with a plain file: stage, check, commit the valid rows."""
    con = wh.connect(work)
    try:
        wh.load_known_agencies(con, [a.ori for a in agencies])
        present = wh.stage(con, path, contract.BOOKING_COLUMNS)
        rules = wh.booking_rules(present)
        checked = wh.check(con, contract.BOOKING_COLUMNS, present, *rules)
        assert checked.problems == 0
        with store.lock():
            return store.commit(con, wh.valid_rows_sql(checked, contract.BOOKING_COLUMNS), key)
    finally:
        con.close()


def _first_half(synth: Path, folder: Path) -> Path:
    """The first half of the bookings, a third of them changed (to be replaced later)."""
    out = folder / "first_half.csv"
    con = duckdb.connect()
    try:
        con.execute(
            f"COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () % 3 = 0 THEN 'dismissed' "
            f"ELSE disposition END AS disposition) FROM read_csv('{synth / 'bookings.csv'}', "
            "all_varchar = true) LIMIT (SELECT count(*) // 2 FROM "
            f"read_csv('{synth / 'bookings.csv'}', all_varchar = true))) TO '{out}' (HEADER)"
        )
    finally:
        con.close()
    return out


def _document(store: Warehouse, agencies: list[AgencyInfo], period: Any) -> str:
    return json.dumps(run(store, agencies, *period), sort_keys=True)


def test_it_names_the_store_from_the_setting(tmp_path: Path) -> None:
    assert isinstance(open_warehouse("", tmp_path), wh.BookingStore)
    assert isinstance(open_warehouse(" parquet ", tmp_path), wh.BookingStore)
    store = open_warehouse("postgresql://u@db.example:5432/w", tmp_path)
    assert isinstance(store, PostgresStore)
    assert describe_setting("postgres://u@h/w") == "postgresql"
    assert describe_setting("PostgreSQL://u@h/w") == "postgresql"  # as the settings accept it
    assert describe_setting("spark://127.0.0.1:7077") == "spark"
    with pytest.raises(ValueError, match=r"TRANSFERWATCH_WAREHOUSE=mysql://\.\.\. is not known"):
        open_warehouse("mysql://u:secret@h/w", tmp_path)


def test_it_says_an_unreachable_postgres_is_failing(tmp_path: Path) -> None:
    store = PostgresStore("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert store.check() == {
        "status": "failing",
        "error": "the PostgreSQL warehouse cannot be reached",
    }
    with pytest.raises(WarehouseError, match="cannot be reached"):
        store.by_quarter()


@pytest.mark.parametrize("period", PERIODS)
def test_the_whole_run_is_the_same_on_parquet_and_postgres(
    synth: Path, pg_url: str, tmp_path: Path, period: Any
) -> None:
    agencies = read_agencies(synth / "agencies.csv")
    parquet = wh.BookingStore(tmp_path / "warehouse")
    postgres = PostgresStore(pg_url)
    half = _first_half(synth, tmp_path)
    results = []
    for store in (parquet, postgres):
        with pytest.raises(NoBookings):  # before the first import, alike
            run(store, agencies)
        first = _import(store, half, agencies, tmp_path / "work", "half")
        second = _import(store, synth / "bookings.csv", agencies, tmp_path / "work", "all")
        results.append((first, second))
        assert store.has_import("half") and store.has_import("all")
        assert not store.has_import("other")
    assert results[0] == results[1]
    (first, second) = results[0]
    assert first.rows_added > 2000 and first.rows_replaced == 0
    assert second.rows_replaced == first.rows_added  # the changed half came back as it was
    assert second.total_rows == second.rows_added
    on_parquet = _document(parquet, agencies, period)
    on_postgres = _document(postgres, agencies, period)
    assert on_postgres == on_parquet
    document = json.loads(on_parquet)
    indicators = [i for a in document["agencies"] for i in a["indicators"]]
    assert sum(i["estimate"] is not None for i in indicators) >= 10  # not a document of blanks
    assert sum(i["p_value"] is not None for i in indicators) >= 5
    assert all(a["request_rates"] for a in document["agencies"])
    assert sum(a["n_bookings"] for a in document["agencies"]) > 2000
    # the agency page's table and the packet's figures
    assert postgres.by_quarter() == parquet.by_quarter()
    ori = agencies[0].ori
    assert postgres.by_quarter(ori) == parquet.by_quarter(ori) != []
    q = (parquet.by_quarter()[2][0], date(2021, 7, 1), date(2021, 10, 1))
    assert q[0] == "2021Q3"
    assert postgres.quarter_totals(*q) == parquet.quarter_totals(*q) is not None
    assert postgres.quarter_totals("2030Q1", date(2030, 1, 1), date(2030, 4, 1)) is None
    assert parquet.quarter_totals("2030Q1", date(2030, 1, 1), date(2030, 4, 1)) is None


def test_a_postgres_import_is_all_or_nothing(synth: Path, pg_url: str, tmp_path: Path) -> None:
    """A commit that fails part way (here: one booking_id twice) leaves the warehouse as it was."""
    agencies = read_agencies(synth / "agencies.csv")
    store = PostgresStore(pg_url)
    before = _import(store, _first_half(synth, tmp_path), agencies, tmp_path / "work", "half")
    con = wh.connect(tmp_path / "work")
    try:
        wh.load_known_agencies(con, [a.ori for a in agencies])
        present = wh.stage(con, synth / "bookings.csv", contract.BOOKING_COLUMNS)
        rows = wh.check(con, contract.BOOKING_COLUMNS, present, *wh.booking_rules(present))
        valid = wh.valid_rows_sql(rows, contract.BOOKING_COLUMNS)
        doubled = f"SELECT * FROM ({valid}) UNION ALL SELECT * FROM ({valid}) LIMIT 10"
        with pytest.raises(WarehouseError, match=r"booking_id|duplicate|unique"):
            store.commit(con, f"SELECT * FROM ({valid}) UNION ALL ({doubled})", "broken")
    finally:
        con.close()
    assert not store.has_import("broken")
    assert sum(n for _q, n in store.by_quarter()) == before.total_rows
    with psycopg.connect(pg_url) as pg:
        row = pg.execute(f"SELECT count(*) FROM {SCHEMA}.bookings").fetchone()
    assert row is not None and row[0] == before.total_rows
