"""Stops are not arrests: an agency whose records in a run are all stops (``encounter`` ``stop``)
gets no dismissal, transfer-request or request-rate figures, said plainly, and "stops" in the
explanations; with no ``encounter`` column (or an empty one) the run is as before."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from transferwatch.analytics.monitor import run
from transferwatch.analytics.synth import generate


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, str]:
    """Synthetic bookings as given, and the same with an `encounter` column: every record of
    the first agency a stop, the others empty (arrests)."""
    folder = tmp_path_factory.mktemp("stops")
    generate(folder, agencies=8, start=date(2015, 1, 1), end=date(2016, 12, 31), seed=9, plants={"dismissal": 1}, fmt="parquet", bookings=16000)  # fmt: skip
    bookings = folder / "bookings.parquet"
    con = duckdb.connect()
    first = con.execute(f"SELECT min(ori) FROM read_parquet('{bookings}')").fetchall()[0]
    stopped, empty = folder / "stopped.parquet", folder / "empty.parquet"
    con.execute(
        f"COPY (SELECT *, CASE WHEN ori = '{first[0]}' THEN 'stop' ELSE '' END AS encounter "
        f"FROM read_parquet('{bookings}')) TO '{stopped}' (FORMAT parquet)"
    )
    con.execute(
        f"COPY (SELECT *, '' AS encounter FROM read_parquet('{bookings}')) TO '{empty}' (FORMAT parquet)"
    )
    con.close()
    return bookings, stopped, empty, str(first[0])


def _by_ori(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["ori"]: a for a in doc["agencies"]}


def test_an_agency_of_stops_gets_no_charge_or_request_figures(
    files: tuple[Path, Path, Path, str],
) -> None:
    bookings, stopped, _empty, ori = files
    agencies = bookings.with_name("agencies.parquet")
    before = _by_ori(run(bookings, agencies))
    after = _by_ori(run(stopped, agencies))
    stops = {i["name"]: i for i in after[ori]["indicators"]}
    was = {i["name"]: i for i in before[ori]["indicators"]}
    assert was["dismissal_disparity"]["estimate"] is not None  # counted zeros before
    for name in ("dismissal_disparity", "non_priority_transfers"):
        assert stops[name]["estimate"] is None and not stops[name]["flagged"]
        assert stops[name]["explanation"].startswith(
            f"these records are stops, not arrests: {name} "
        )
        assert stops[name]["explanation"].endswith("does not apply to stops")
    for ind in after[ori]["indicators"]:
        assert not re.search(r"\barrest", ind["explanation"], re.IGNORECASE) or ind[
            "explanation"
        ].startswith("these records are stops, not arrests")
    assert any("stops" in i["explanation"] for i in after[ori]["indicators"] if i["name"] == "minor_offense_shift")  # fmt: skip
    rates = after[ori]["request_rates"]
    assert rates and all(r["requests"] is None and r["ratio"] is None for r in rates)
    assert "these records are stops, not arrests" in after[ori]["request_rates_note"]
    # the other agencies' indicators are tested in the same family, so only their figures
    # other than the q-value are compared; their rates are the same
    for other in set(before) - {ori}:
        assert after[other]["request_rates"] == before[other]["request_rates"]
        for a, b in zip(after[other]["indicators"], before[other]["indicators"], strict=True):
            assert (a["name"], a["estimate"], a["n"]) == (b["name"], b["estimate"], b["n"])


def test_an_empty_encounter_column_changes_nothing(files: tuple[Path, Path, Path, str]) -> None:
    bookings, _stopped, empty, _ori = files
    agencies = bookings.with_name("agencies.parquet")
    assert run(empty, agencies) == run(bookings, agencies)
