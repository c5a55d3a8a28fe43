"""Bookings into the Parquet warehouse: every contract rule, all or nothing, replace by id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from transferwatch.audit.models import Event
from transferwatch.imports.models import Import
from transferwatch.imports.services import ImportInputError
from transferwatch.imports.tests.conftest import BOOKING_HEADER, bookings_file, write
from transferwatch.imports.warehouse import import_bookings, store

pytestmark = pytest.mark.usefixtures("phi_agency")


def stored() -> list[tuple[Any, ...]]:
    sql = f"SELECT booking_id, ori, booking_date, offense_category FROM {store().scan_sql()} ORDER BY booking_id"
    return duckdb.sql(sql).fetchall()


def row(**fields: str) -> str:
    values = dict.fromkeys(BOOKING_HEADER.split(","), "")
    values.update(booking_id="x1", ori="PA0460000", booking_date="2015-03-01")
    values.update(fields)
    return ",".join(values.values())


def test_it_imports_bookings_into_quarter_partitions(data_dir: Path) -> None:
    imp = import_bookings(bookings_file(data_dir / "b.csv", 12))
    assert imp.status == "done" and imp.rows_accepted == 12
    assert len(stored()) == 12
    manifest = store().manifest()
    assert set(manifest["partitions"]) == {"2015Q1", "2015Q2", "2015Q3"}
    assert manifest["rows"] == 12
    assert all("quarter=" in f for p in manifest["partitions"].values() for f in p["files"])


def test_it_changes_nothing_when_the_same_file_comes_again(data_dir: Path) -> None:
    path = bookings_file(data_dir / "b.csv", 5)
    import_bookings(path)
    before = store().manifest()
    again = import_bookings(path)
    assert again.status == "unchanged"
    assert store().manifest() == before


def test_a_corrected_file_replaces_rows_with_the_same_booking_id(data_dir: Path) -> None:
    import_bookings(bookings_file(data_dir / "b.csv", 3))
    fix = write(
        data_dir / "fix.csv",
        BOOKING_HEADER,
        row(booking_id="b1", booking_date="2016-12-31", offense_category="violent"),
    )
    imp = import_bookings(fix)
    assert imp.details["rows_replaced"] == 1
    rows = {r[0]: r for r in stored()}
    assert len(rows) == 3
    assert str(rows["b1"][2]) == "2016-12-31" and rows["b1"][3] == "violent"
    assert "2016Q4" in store().manifest()["partitions"]


def test_it_reads_parquet_too(data_dir: Path) -> None:
    csv = bookings_file(data_dir / "b.csv", 4)
    parquet = data_dir / "b.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{parquet}' (FORMAT parquet)")
    assert import_bookings(parquet).rows_accepted == 4


BAD_CELLS = [
    ({"booking_id": ""}, "booking_id", "required but empty"),
    ({"ori": ""}, "ori", "required but empty"),
    ({"ori": "ZZ0000000"}, "ori", "unknown agency"),
    ({"booking_date": ""}, "booking_date", "required but empty"),
    ({"booking_date": "2015-02-30"}, "booking_date", "not a date"),
    ({"booking_date": "03/01/2015"}, "booking_date", "not a date"),
    ({"booking_date": "1970-01-01"}, "booking_date", "outside"),
    ({"booking_date": "2999-01-01"}, "booking_date", "outside"),
    ({"sex": "male"}, "sex", "not one of"),
    ({"age": "thirty"}, "age", "not a whole number"),
    ({"age": "-1"}, "age", "less than 0"),
    ({"age": "130"}, "age", "more than 120"),
    ({"race": "H"}, "race", "not one of"),
    ({"ethnicity": "Y"}, "ethnicity", "not one of"),
    ({"lep": "yes"}, "lep", "not one of"),
    ({"birth_country": "MEX"}, "birth_country", "two-letter"),
    ({"offense_category": "jaywalking"}, "offense_category", "not one of"),
    ({"offense_severity": "petty"}, "offense_severity", "not one of"),
    ({"disposition": "acquitted"}, "disposition", "not one of"),
    ({"ice_match": "U"}, "ice_match", "not one of"),
    ({"transfer_request": "hold"}, "transfer_request", "not one of"),
    ({"request_date": "2015-13-01"}, "request_date", "not a date"),
    ({"request_date": "2015-02-01"}, "request_date", "before the booking_date"),
    ({"pep_eligible": "maybe"}, "pep_eligible", "not one of"),
    ({"request_outcome": "deported"}, "request_outcome", "not one of"),
]


@pytest.mark.parametrize(("fields", "column", "message"), BAD_CELLS)
def test_it_rejects_each_bad_value_and_imports_nothing(
    data_dir: Path, fields: dict[str, str], column: str, message: str
) -> None:
    import_bookings(bookings_file(data_dir / "first.csv", 2))
    before = store().manifest()
    path = bookings_file(data_dir / "b.csv", 3, row(**fields))
    imp = import_bookings(path)
    assert imp.status == "rejected" and imp.rows_rejected == 1
    first = imp.details["first_errors"][0]
    assert first.startswith(f"b.csv, row 5, column {column}: ") and message in first
    assert store().manifest() == before
    rejects = imp.rejects_path.read_text().splitlines()
    assert rejects[0] == "row,column,value,problem" and rejects[1].startswith(f"5,{column},")


def test_it_rejects_a_repeated_booking_id(data_dir: Path) -> None:
    path = write(
        data_dir / "b.csv",
        BOOKING_HEADER,
        row(booking_id="a"),
        row(booking_id="b"),
        row(booking_id="a"),
    )
    imp = import_bookings(path)
    assert imp.status == "rejected"
    assert (
        "row 4, column booking_id: repeats the booking_id of row 2"
        in imp.details["first_errors"][0]
    )


def test_skip_invalid_imports_the_valid_rows(data_dir: Path) -> None:
    path = bookings_file(data_dir / "b.csv", 3, row(booking_id="bad", sex="?"))
    imp = import_bookings(path, skip_invalid=True)
    assert imp.status == "done" and (imp.rows_accepted, imp.rows_rejected) == (3, 1)
    assert "bad" not in {r[0] for r in stored()}
    assert imp.rejects_path.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"PK\x03\x04excel", "spreadsheet"),
        (b"\x00\x01\x02binary", "not a CSV or Parquet"),
        (
            "booking_id,ori,booking_date\nb1,PA0460000,2015-01-01,café\n".encode("latin-1")
            + b"\xe9" * 10
            + b"\n",
            "not UTF-8",
        ),
        (
            b"id,agency,date\n1,PA0460000,2015-01-01\n",
            "missing required columns booking_id, ori, booking_date",
        ),
    ],
)
def test_it_explains_a_file_it_cannot_read(data_dir: Path, content: bytes, message: str) -> None:
    path = data_dir / "b.csv"
    path.write_bytes(content)
    with pytest.raises(ImportInputError, match=message):
        import_bookings(path)
    assert store().manifest()["rows"] == 0


def test_it_records_and_audits_each_import(data_dir: Path) -> None:
    imp = import_bookings(bookings_file(data_dir / "b.csv", 3))
    assert len(imp.file_hash) == 64 and imp.file_size > 0
    event = Event.objects.get(action="imports.import.done")
    assert event.object_id == str(imp.pk) and event.changes["rows_accepted"] == 3


def test_a_full_disk_leaves_the_warehouse_as_it_was(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_bookings(bookings_file(data_dir / "first.csv", 2))
    before = store().manifest()

    def full(*args: Any, **kwargs: Any) -> None:
        raise duckdb.IOException("Could not write file: No space left on device")

    monkeypatch.setattr("transferwatch.analytics.warehouse.BookingStore._replace_manifest", full)
    imp = import_bookings(bookings_file(data_dir / "b.csv", 5))
    assert imp.status == "failed" and "No space left on device" in imp.message
    assert "nothing was changed" in imp.message
    monkeypatch.undo()
    assert store().manifest() == before
    assert len(stored()) == 2


def test_the_command_exits_2_on_invalid_rows(data_dir: Path) -> None:
    path = bookings_file(data_dir / "b.csv", 1, row(sex="?"))
    with pytest.raises(CommandError) as caught:
        call_command("import", "bookings", str(path))
    assert caught.value.returncode == 2 and "nothing imported" in str(caught.value)


def test_a_killed_import_leaves_the_warehouse_whole(data_dir: Path, phi_agency: Any) -> None:
    """SIGKILL while the new files are being written: the old warehouse still reads in full."""
    del phi_agency
    env = {**os.environ, "TRANSFERWATCH_DATA_DIR": str(data_dir / "var")}
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "transferwatch.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=120)
    agencies = write(data_dir / "a.csv", "ori,name,state", "PA0460000,Montgomery,PA")
    subprocess.run([*cli, "import", "agencies", str(agencies)], env=env, check=True, timeout=120)
    first = bookings_file(data_dir / "first.csv", 5)
    subprocess.run([*cli, "import", "bookings", str(first)], env=env, check=True, timeout=120)
    root = data_dir / "var" / "warehouse" / "bookings"
    before = json.loads((root / "manifest.json").read_text())

    big = data_dir / "big.csv"
    duckdb.sql(
        f"COPY (SELECT 'k' || i AS booking_id, 'PA0460000' AS ori, DATE '2015-01-01' + CAST(i % 700 AS INTEGER) AS booking_date, "
        f"'p' || i AS person_id, 'M' AS sex FROM range(1500000) t(i)) TO '{big}' (HEADER)"
    )
    process = subprocess.Popen([*cli, "import", "bookings", str(big)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.name != "v000001" for p in root.glob("v*")):
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    after = json.loads((root / "manifest.json").read_text())
    files = [str(root / f) for p in after["partitions"].values() for f in p["files"]]
    count = duckdb.sql(f"SELECT count(*) FROM read_parquet({files})").fetchall()[0]
    assert after == before or after["rows"] == 1_500_005
    assert count is not None and count[0] == after["rows"]
    # The next import removes what the killed one left and works as usual.
    second = bookings_file(data_dir / "second.csv", 7)
    subprocess.run([*cli, "import", "bookings", str(second)], env=env, check=True, timeout=120)
    final = json.loads((root / "manifest.json").read_text())
    listed = {str(root / f) for p in final["partitions"].values() for f in p["files"]}
    assert {str(p) for p in root.rglob("*.parquet")} == listed
    # b0-b4 are replaced by the second file's b0-b6
    assert final["rows"] == (7 if after == before else 1_500_007)
    assert Import.objects.count() == 0  # the subprocess wrote to its own database, not the test's
    statuses = subprocess.run(
        [
            *cli,
            "shell",
            "-c",
            "from transferwatch.imports.models import Import; print(sorted(set(Import.objects.values_list('status', flat=True))))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "running" not in statuses


def test_it_names_the_right_row_in_a_large_file(data_dir: Path) -> None:
    """Row numbers hold when DuckDB reads the file in parallel chunks."""
    path = data_dir / "big.csv"
    duckdb.sql(
        "COPY (SELECT 'k' || i AS booking_id, 'PA0460000' AS ori, "
        "CASE WHEN i = 249999 THEN '2015-02-31' ELSE '2015-03-01' END AS booking_date "
        f"FROM range(300000) t(i)) TO '{path}' (HEADER)"
    )
    imp = import_bookings(path)
    assert imp.details["first_errors"] == [
        "big.csv, row 250001, column booking_date: not a date in the form YYYY-MM-DD (value '2015-02-31')"
    ]
