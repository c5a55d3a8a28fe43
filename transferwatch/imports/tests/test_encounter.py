"""The optional `encounter` column (arrest or stop), stored beside files written before it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from transferwatch.imports.tests.conftest import bookings_file, write
from transferwatch.imports.warehouse import import_bookings, store

pytestmark = pytest.mark.usefixtures("phi_agency")


def test_encounter_is_checked_and_stored(data_dir: Path) -> None:
    bad = write(
        data_dir / "e.csv",
        "booking_id,ori,booking_date,encounter",
        "s1,PA0460000,2015-02-01,stop",
        "s2,PA0460000,2015-02-01,citation",
    )
    imp = import_bookings(bad)
    assert imp.status == "rejected"
    assert imp.details["first_errors"] == [
        "e.csv, row 3, column encounter: not one of arrest, stop (value 'citation')"
    ]


def test_encounter_reads_beside_files_written_before_it(data_dir: Path) -> None:
    import_bookings(bookings_file(data_dir / "b.csv", 12))  # 2015Q1 .. 2015Q3
    for file in store().files():  # as written before `encounter` was a column
        duckdb.sql(
            f"COPY (SELECT * EXCLUDE (encounter) FROM read_parquet('{file}', "
            f"hive_partitioning = false)) TO '{file}.tmp' (FORMAT parquet)"
        )
        Path(f"{file}.tmp").replace(file)
    stops = write(
        data_dir / "s.csv",
        "booking_id,ori,booking_date,encounter",
        "s1,PA0460000,2015-02-01,stop",
        "s2,PA0460000,2015-02-01,",
    )
    assert import_bookings(stops).status == "done"
    rows = dict(duckdb.sql(f"SELECT booking_id, encounter FROM {store().scan_sql()}").fetchall())
    assert len(rows) == 14 and rows["s1"] == "stop" and rows["s2"] is None
    assert {v for k, v in rows.items() if k.startswith("b")} == {None}
