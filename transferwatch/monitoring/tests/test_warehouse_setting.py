"""TRANSFERWATCH_WAREHOUSE: the same bookings imported into the Parquet store and into a
PostgreSQL store give the same `transferwatch monitor` document, the same monitoring run from the
web, the same agency page table and packet figures; /readyz checks the store configured.

PostgreSQL runs when DATABASE_URL names a PostgreSQL server: the warehouse goes into a database
of its own with a unique name (never the one DATABASE_URL names), dropped afterwards.
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

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from transferwatch.agencies.models import Agency
from transferwatch.analytics.synth import generate
from transferwatch.conftest import client_for
from transferwatch.imports.models import Import
from transferwatch.monitoring import services
from transferwatch.monitoring.models import IndicatorResult
from transferwatch.reports import packet
from transferwatch.reports.quarters import Quarter

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"


@pytest.fixture
def pg_url() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("DATABASE_URL is not a PostgreSQL database: the PostgreSQL store needs one")
    parts = urlsplit(url)
    name = f"tw_wh_{uuid.uuid4().hex[:12]}"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def data(tmp_path: Path, settings: Any, db: Any) -> Path:
    settings.DATA_DIR = tmp_path / "var"
    settings.WAREHOUSE_DIR = tmp_path / "var" / "warehouse"
    folder = tmp_path / "synth"
    generate(
        folder, agencies=5, start=date(2021, 1, 1), end=date(2022, 12, 31), seed=11,
        plants={"pretext": 1}, fmt="csv", bookings=4000,
    )  # fmt: skip
    call_command("import", "agencies", str(folder / "agencies.csv"))
    return folder


def _everything(folder: Path, tmp_path: Path, analyst: Any, name: str) -> dict[str, Any]:
    """Import the bookings into the store configured; what each reader then shows."""
    Import.objects.filter(kind="bookings").delete()  # the other store's record of the same file
    call_command("import", "bookings", str(folder / "bookings.csv"))
    out = tmp_path / f"{name}.json"
    call_command("monitor", "--json", str(out))
    run = services.execute(services.queue(None))
    assert run.status == "done", run.message
    stored = sorted(
        (i.agency_result.agency.ori, i.name, i.group, i.estimate, i.p_value, i.flagged)
        for i in IndicatorResult.objects.filter(agency_result__run=run).select_related(
            "agency_result__agency"
        )
    )
    ori = Agency.objects.order_by("ori").first().ori  # type: ignore[union-attr]
    page = client_for(analyst).get(f"/agencies/{ori}/")
    assert page.status_code == 200
    return {
        "document": out.read_text(),
        "web_run": stored,
        "fingerprint_rows": run.fingerprint_details["warehouse_rows"],
        "agency_page": page.context["bookings"],
        "packet": packet.bookings(Quarter.parse("2021Q3")),
    }


def test_the_imports_and_every_reader_are_the_same_on_postgres(
    data: Path, pg_url: str, tmp_path: Path, settings: Any, analyst: Any
) -> None:
    settings.WAREHOUSE = ""
    parquet = _everything(data, tmp_path, analyst, "parquet")
    settings.WAREHOUSE = pg_url
    postgres = _everything(data, tmp_path, analyst, "postgres")
    assert postgres["document"] == parquet["document"]
    assert postgres == parquet
    document = json.loads(parquet["document"])
    assert sum(a["n_bookings"] for a in document["agencies"]) == parquet["fingerprint_rows"] > 3000
    assert len(parquet["agency_page"]) == 8 and parquet["packet"]["bookings"] > 300
    # the bookings really are in PostgreSQL (and were not read from the Parquet files)
    with psycopg.connect(pg_url) as con:
        row = con.execute("SELECT count(*) FROM tw_warehouse.bookings").fetchone()
    assert row is not None and row[0] == parquet["fingerprint_rows"]
    probe = Client().get("/readyz")
    assert probe.json()["checks"]["warehouse"] == {"status": "ok"}


def test_readyz_says_an_unreachable_postgres_warehouse_is_failing(
    db: Any, settings: Any, tmp_path: Path
) -> None:
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"  # a folder that would pass
    settings.WAREHOUSE = UNREACHABLE
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["warehouse"] == {
        "status": "failing",
        "error": "the PostgreSQL warehouse cannot be reached",
    }
    assert "127.0.0.1" not in response.content.decode()


def test_monitor_exits_1_when_the_postgres_warehouse_cannot_be_reached(
    data: Path, settings: Any, tmp_path: Path
) -> None:
    settings.WAREHOUSE = UNREACHABLE
    with pytest.raises(CommandError) as caught:
        call_command("monitor", "--json", str(tmp_path / "out.json"))
    assert caught.value.returncode == 1
    assert "the PostgreSQL warehouse cannot be reached" in str(caught.value)
    assert not (tmp_path / "out.json").exists()


def test_an_import_into_an_unreachable_warehouse_fails_and_says_so(
    data: Path, settings: Any
) -> None:
    settings.WAREHOUSE = UNREACHABLE
    with pytest.raises(CommandError) as caught:
        call_command("import", "bookings", str(data / "bookings.csv"))
    assert caught.value.returncode == 1
    imp = Import.objects.get(kind="bookings")
    assert imp.status == "failed"
    assert "the PostgreSQL warehouse cannot be reached" in imp.message
    assert not (Path(settings.WAREHOUSE_DIR) / "bookings").exists()


MAPPING = """
[columns]
booking_id = "Case No"
ori = { value = "PA0460000" }
booking_date = { column = "Arrest Date", date = ["%m/%d/%Y"] }
age = "Age"
sex = { column = "Sex", map = { "Male" = "M", "Female" = "F" } }
"""


def test_a_mapped_import_lands_in_postgres_as_in_parquet(
    pg_url: str, tmp_path: Path, settings: Any, phi_agency: Agency
) -> None:
    """A mapping file (or a profile) is staged and checked in DuckDB, then committed to the
    store the setting names: the same rows either way."""
    from transferwatch.imports.mapping import load
    from transferwatch.imports.warehouse import import_bookings, store

    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    source = tmp_path / "arrests.csv"
    source.write_text(
        "Case No,Arrest Date,Age,Sex\nA-1,3/7/2015,31,Male\nA-2,12/31/2015,,Female\n",
        encoding="utf-8",
    )
    toml = tmp_path / "m.toml"
    toml.write_text(MAPPING, encoding="utf-8")
    by_store = {}
    for setting in ("", pg_url):
        settings.WAREHOUSE = setting
        imp = import_bookings(source, mapping=load(toml))
        assert imp.status == "done" and imp.rows_accepted == 2, imp.message
        again = import_bookings(source, mapping=load(toml))
        assert again.status == "unchanged"  # the store knows the mapped import's key
        by_store[setting] = (store().by_quarter(), store().state()["rows"])
    assert by_store[pg_url] == by_store[""] == ([("2015Q1", 1), ("2015Q4", 1)], 2)
    with psycopg.connect(pg_url) as con:
        rows = con.execute(
            "SELECT booking_id, ori, booking_date, age, sex FROM tw_warehouse.bookings "
            "ORDER BY booking_id"
        ).fetchall()
    assert rows == [
        ("A-1", "PA0460000", date(2015, 3, 7), 31, "M"),
        ("A-2", "PA0460000", date(2015, 12, 31), None, "F"),
    ]


def test_pages_say_an_unreachable_warehouse_is_down_instead_of_failing(
    db: Any, settings: Any, tmp_path: Path
) -> None:
    """The home page and the agency page read the bookings store; a PostgreSQL store that is
    down gave a 500 on the agency page. Now both pages answer and say the store is unreachable,
    without its address."""
    from transferwatch.conftest import make_user

    settings.WAREHOUSE = UNREACHABLE
    Agency.objects.create(ori="TX0000001", name="Test County Sheriff", state="TX")
    client = client_for(make_user("ana", "crcl_analyst"))
    for url in ("/", "/agencies/TX0000001/"):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert "The bookings store cannot be reached just now" in text, url
        assert "127.0.0.1:1" not in text
