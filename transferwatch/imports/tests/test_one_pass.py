"""The one-pass bookings import (`analytics.onepass`): a clean file is checked and written in one
read; any file the full check would fault goes the full way, and its problems are named by row."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from transferwatch.analytics import onepass
from transferwatch.analytics import warehouse as wh
from transferwatch.imports.tests.conftest import BOOKING_HEADER, bookings_file, write
from transferwatch.imports.tests.test_bookings_import import BAD_CELLS, row
from transferwatch.imports.warehouse import import_bookings, store

pytestmark = pytest.mark.usefixtures("phi_agency")


def big_file(path: Path, bad: dict[int, str]) -> Path:
    """300,000 rows; the booking_date of row `i` (0-based data row) replaced by `bad[i]`."""
    cases = " ".join(f"WHEN i = {i} THEN '{value}'" for i, value in bad.items())
    duckdb.sql(
        "COPY (SELECT 'k' || i AS booking_id, 'PA0460000' AS ori, "
        f"CASE {cases} ELSE '2015-03-01' END AS booking_date "
        f"FROM range(300000) t(i)) TO '{path}' (HEADER)"
    )
    return path


def test_a_bad_first_row_and_a_bad_last_row_are_both_named(data_dir: Path) -> None:
    path = big_file(data_dir / "big.csv", {0: "2015-02-31", 299999: "2015-13-01"})
    imp = import_bookings(path)
    assert imp.status == "rejected" and imp.rows_rejected == 2
    assert imp.details["first_errors"] == [
        "big.csv, row 2, column booking_date: not a date in the form YYYY-MM-DD (value '2015-02-31')",
        "big.csv, row 300001, column booking_date: not a date in the form YYYY-MM-DD (value '2015-13-01')",
    ]
    assert store().manifest()["rows"] == 0
    assert not list((data_dir / "var" / "warehouse" / "bookings").glob("v*"))


def test_only_the_last_row_bad_writes_nothing(data_dir: Path) -> None:
    path = big_file(data_dir / "big.csv", {299999: "1970-01-01"})
    bookings = store()
    assert isinstance(bookings, wh.BookingStore)
    with bookings.lock():
        assert onepass.commit_clean_file(bookings, path, "k", data_dir / "w", ["PA0460000"]) is None
    assert bookings.manifest()["rows"] == 0
    assert not [p for p in bookings.root.rglob("*.parquet")]
    imp = import_bookings(path)
    assert imp.details["first_errors"] == [
        "big.csv, row 300001, column booking_date: outside 1990-01-01 to today (value '1970-01-01')"
    ]


@pytest.mark.parametrize("first", [True, False], ids=["into an empty warehouse", "into bookings"])
@pytest.mark.parametrize(("fields", "column", "message"), BAD_CELLS)
def test_the_one_pass_refuses_every_bad_value_the_full_check_names(
    data_dir: Path, first: bool, fields: dict[str, str], column: str, message: str
) -> None:
    bookings = store()
    assert isinstance(bookings, wh.BookingStore)
    if not first:
        import_bookings(bookings_file(data_dir / "first.csv", 2))
    before = bookings.manifest()
    path = bookings_file(data_dir / "b.csv", 3, row(**fields))
    with bookings.lock():
        done = onepass.commit_clean_file(bookings, path, "k", data_dir / "w", ["PA0460000"])
    assert done is None
    assert bookings.manifest() == before


@pytest.mark.parametrize(
    "ids", [("a", "b", "a"), (" a", "b", "a")], ids=["repeated", "repeated once trimmed"]
)
def test_a_repeated_booking_id_goes_the_full_way(data_dir: Path, ids: tuple[str, ...]) -> None:
    """Repeats are counted on the trimmed ids written: never fewer than the full check finds."""
    path = write(data_dir / "b.csv", BOOKING_HEADER, *(row(booking_id=i) for i in ids))
    bookings = store()
    assert isinstance(bookings, wh.BookingStore)
    with bookings.lock():
        assert onepass.commit_clean_file(bookings, path, "k", data_dir / "w", ["PA0460000"]) is None
    assert bookings.manifest()["rows"] == 0
    assert not list(bookings.root.rglob("*.parquet"))
