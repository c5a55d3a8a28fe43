"""The bookings import takes the one-pass path (`analytics.onepass`) for a clean file.

Goes with the call of `onepass.commit_clean_file` in `imports/warehouse.py` (issue 15 goal 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from transferwatch.analytics import warehouse as wh
from transferwatch.imports.tests.conftest import BOOKING_HEADER, bookings_file, write
from transferwatch.imports.tests.test_bookings_import import row, stored
from transferwatch.imports.warehouse import import_bookings, store

pytestmark = pytest.mark.usefixtures("phi_agency")


def test_a_clean_file_is_read_once(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither `stage` nor `check` runs for a clean file, into an empty warehouse or not."""

    def no(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the full path ran")

    monkeypatch.setattr(wh, "stage", no)
    monkeypatch.setattr(wh, "check", no)
    imp = import_bookings(bookings_file(data_dir / "b.csv", 12))
    assert imp.status == "done" and imp.rows_accepted == 12
    assert store().manifest()["rows"] == 12
    assert set(store().manifest()["partitions"]) == {"2015Q1", "2015Q2", "2015Q3"}
    fix = write(data_dir / "fix.csv", BOOKING_HEADER, row(booking_id="b1"), row(booking_id="n1"))
    imp = import_bookings(fix)
    assert imp.status == "done" and imp.rows_accepted == 2
    assert "1 replacing earlier rows" in imp.message
    assert len(stored()) == 13
