"""ICE requests per booking by race and ethnicity: the intervals against statsmodels and against a
known truth, the counts against plain SQL, the rows' notes, and the monitor's JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from transferwatch.analytics.aggregate import connect, source_sql
from transferwatch.analytics.monitor import run
from transferwatch.analytics.rates import COUNTS as RATE_COUNTS
from transferwatch.analytics.rates import (
    GROUPS,
    RATE_COLUMNS,
    GroupCounts,
    agency_rates,
    group_counts,
    request_rates,
    score_ratio_interval,
    wilson_interval,
)
from transferwatch.analytics.synth import generate

GOLDEN = json.loads((Path(__file__).parent / "golden" / "rates_golden.json").read_text())
REQUIRED = {"group", "bookings", "requests", "rate", "ratio", "ci_low", "ci_high"}


# The intervals -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", GOLDEN["ratio"], ids=lambda c: f"{c['x1']}/{c['n1']}-{c['x0']}/{c['n0']}")  # fmt: skip
def test_the_ratio_interval_equals_statsmodels_score_interval(case: dict[str, Any]) -> None:
    """The inverted statsmodels score test; statsmodels' own interval too, except where its
    cubic picks a wrong root (make_rates_golden.py)."""
    low, high = score_ratio_interval(case["x1"], case["n1"], case["x0"], case["n0"])
    assert low[0] == pytest.approx(case["low"], rel=1e-9, abs=1e-12)
    assert high[0] == pytest.approx(case["high"], rel=1e-9)
    if not case["cubic_root_wrong"]:
        assert (low[0], high[0]) == pytest.approx((case["sm_low"], case["sm_high"]), rel=1e-9)


@pytest.mark.parametrize("case", GOLDEN["wilson"], ids=lambda c: f"{c['x']}/{c['n']}")
def test_the_rate_interval_equals_statsmodels_wilson_interval(case: dict[str, Any]) -> None:
    low, high = wilson_interval(case["x"], case["n"])
    assert float(low) == pytest.approx(case["low"], rel=1e-12, abs=1e-15)
    assert float(high) == pytest.approx(case["high"], rel=1e-12)


def test_the_ratio_interval_is_open_where_a_group_has_no_events() -> None:
    low, high = score_ratio_interval([5, 0, 0], [100, 40, 10], [0, 3, 0], [100, 50, 10])
    assert low[0] > 1 and high[0] == np.inf  # none in the reference group: no upper bound
    assert low[1] == 0 and 0 < high[1] < np.inf
    assert np.isnan(low[2]) and np.isnan(high[2])  # none in either: no interval
    with pytest.raises(ValueError, match="at least one trial"):
        score_ratio_interval(1, 0, 1, 5)


@pytest.mark.parametrize(
    ("n1", "p1", "n0", "p0"),
    [(200, 0.05, 1000, 0.02), (60, 0.3, 400, 0.3), (1500, 0.01, 3000, 0.01), (40, 0.1, 2000, 0.05)],
)
def test_the_ratio_interval_covers_the_true_ratio_95_times_in_100(
    n1: int, p1: float, n0: int, p0: float
) -> None:
    """4,000 draws where the true ratio is known: coverage within 0.93-0.97 (about three
    standard errors of a simulated coverage around 0.95)."""
    rng = np.random.default_rng(20261204)
    x1, x0 = rng.binomial(n1, p1, 4000), rng.binomial(n0, p0, 4000)
    low, high = score_ratio_interval(x1, np.full(4000, n1), x0, np.full(4000, n0))
    usable = ~np.isnan(low)
    covered = (low[usable] <= p1 / p0) & (p1 / p0 <= high[usable])
    assert usable.mean() > 0.99
    assert 0.93 <= covered.mean() <= 0.97
    wl, wh = wilson_interval(x1, n1)
    assert 0.92 <= np.mean((wl <= p1) & (p1 <= wh)) <= 0.98


# The counts --------------------------------------------------------------------------------

HEADER = ["booking_id", "ori", "booking_date", "race", "ethnicity", "offense_category", "offense_severity", "disposition", "transfer_request"]  # fmt: skip
ROWS = [
    # Hispanic whatever the race; A and P one group; U and empty unknown
    ("1", "AA0000001", "2020-01-05", "W", "H", "minor_traffic", "misdemeanor", "dismissed", "detainer"),
    ("2", "AA0000001", "2020-02-05", "B", "H", "", "infraction", "convicted", "none"),
    ("3", "AA0000001", "2020-03-05", "W", "N", "", "felony", "convicted", ""),
    ("4", "AA0000001", "2020-03-06", "W", "U", "property", "felony", "dismissed", "notification"),
    ("5", "AA0000001", "2020-03-07", "A", "N", "", "", "pending", "none"),
    ("6", "AA0000001", "2020-03-08", "P", "", "", "", "", "transfer"),
    ("7", "AA0000001", "2020-03-09", "U", "N", "", "", "", "none"),
    ("8", "AA0000001", "2020-03-10", "", "", "", "", "", "detainer"),
    ("9", "AA0000001", "2020-03-11", "I", "N", "", "", "", "none"),
    ("10", "AA0000001", "2020-03-12", "O", "N", "", "", "", "none"),
    ("11", "AA0000002", "2020-04-01", "B", "N", "minor_traffic", "", "dismissed", "none"),
    ("12", "AA0000002", "2021-04-01", "B", "N", "", "", "", "detainer"),  # outside the period
]  # fmt: skip


def _plain(sql: str) -> list[tuple[Any, ...]]:
    """A plain DuckDB query, on a connection of its own."""
    con = duckdb.connect()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _write(path: Path, header: list[str], rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _counts(path: Path, period: tuple[date, date]) -> dict[tuple[str, str], dict[str, int]]:
    con = connect()
    try:
        found = group_counts(source_sql([path]), period, None, con)
    finally:
        con.close()
    return {
        (str(found.ori[i]), str(found.grp[i])): {c: int(v[i]) for c, v in found.values.items()}
        for i in range(len(found.ori))
    }


def test_it_counts_each_group_as_recorded(tmp_path: Path) -> None:
    path = _write(tmp_path / "b.csv", HEADER, ROWS)
    got = _counts(path, (date(2020, 1, 1), date(2020, 12, 31)))
    # the same counts from a plain query written out independently
    plain = _plain(
        f"""SELECT ori, CASE WHEN ethnicity = 'H' THEN 'hispanic' WHEN race = 'W' THEN 'white'
        WHEN race = 'B' THEN 'black' WHEN race IN ('A', 'P') THEN 'asian_pacific_islander'
        WHEN race = 'I' THEN 'american_indian_alaska_native' WHEN race = 'O' THEN 'other'
        ELSE 'unknown' END AS g, count(*) AS bookings,
        count(*) FILTER (WHERE coalesce(transfer_request, '') NOT IN ('', 'none')) AS requests,
        count(*) FILTER (WHERE disposition = 'dismissed') AS dismissed
        FROM read_csv('{path}', all_varchar = true)
        WHERE booking_date <= '2020-12-31' GROUP BY ALL"""
    )
    assert {(o, g): (n, r, d) for o, g, n, r, d in plain} == {
        k: (v["bookings"], v["requests"], v["dismissed"]) for k, v in got.items()
    }
    one = {g: v for (o, g), v in got.items() if o == "AA0000001"}
    assert set(one) == {"hispanic", "white", "asian_pacific_islander", "unknown", "american_indian_alaska_native", "other"}  # fmt: skip
    assert one["hispanic"] == {"bookings": 2, "requests": 1, "request_known": 2, "minor": 2, "disposed": 2, "dismissed": 1, "stops": 0}  # fmt: skip
    assert one["white"]["bookings"] == 2 and one["white"]["request_known"] == 1  # "" is unknown
    assert one["asian_pacific_islander"]["requests"] == 1
    assert one["unknown"] == {"bookings": 2, "requests": 1, "request_known": 2, "minor": 0, "disposed": 0, "dismissed": 0, "stops": 0}  # fmt: skip
    assert got[("AA0000002", "black")]["bookings"] == 1  # 2021 is outside the period


# The rows ----------------------------------------------------------------------------------


def _c(bookings: int, requests: int, **more: int) -> dict[str, int]:
    base = {"bookings": bookings, "requests": requests, "request_known": bookings, "minor": 0, "disposed": 0, "dismissed": 0, "stops": 0}  # fmt: skip
    return {**base, **more}


ALL = frozenset(RATE_COLUMNS) - {"encounter"}


def test_the_reference_is_the_largest_recorded_group_never_unknown() -> None:
    rows, note = agency_rates(
        {"unknown": _c(900, 9), "black": _c(300, 30), "white": _c(500, 10), "hispanic": _c(200, 0)},
        ALL,
    )
    assert [r["group"] for r in rows] == ["hispanic", "white", "black", "unknown"]
    by = {r["group"]: r for r in rows}
    assert {r["reference"] for r in rows} == {"white"}
    assert note.startswith("ratios against White people, the recorded group with most bookings (500)")  # fmt: skip
    assert by["white"]["ratio"] == 1.0 and by["white"]["ci_low"] is None
    assert by["black"]["rate"] == 0.1 and by["black"]["ratio"] == pytest.approx(5.0)
    low, high = score_ratio_interval(30, 300, 10, 500)
    assert (by["black"]["ci_low"], by["black"]["ci_high"]) == (float(low[0]), float(high[0]))
    assert by["hispanic"]["ratio"] == 0.0 and by["hispanic"]["ci_low"] == 0.0
    for r in rows:
        assert set(r) >= REQUIRED
        json.dumps(r, allow_nan=False)


def test_it_says_plainly_where_there_is_no_ratio() -> None:
    rows, _note = agency_rates({"white": _c(500, 0), "black": _c(40, 0), "other": _c(30, 2)}, ALL)
    by = {r["group"]: r for r in rows}
    assert by["black"]["ratio"] is None and by["black"]["ci_low"] is None
    assert by["black"]["note"].startswith("no ICE requests in either group: no ratio")
    assert by["other"]["ratio"] is None and by["other"]["ci_high"] is None
    assert by["other"]["ci_low"] > 1  # the lower bound still says something
    assert "no upper bound" in by["other"]["note"]
    assert "no disposed charges: no dismissal share" in by["white"]["note"]


def test_without_a_transfer_request_column_requests_are_null_and_the_note_says_why() -> None:
    rows, note = agency_rates({"white": _c(50, 0), "black": _c(40, 0)}, ALL - {"transfer_request"})
    assert all(r["requests"] is None and r["rate"] is None and r["ratio"] is None for r in rows)
    assert "the bookings have no transfer_request column" in note
    empty = {"white": _c(50, 0, request_known=0), "black": _c(40, 0, request_known=0)}
    rows, note = agency_rates(empty, ALL)
    assert rows[0]["requests"] is None
    assert "no booking of this agency records a transfer_request" in note


def test_stops_have_no_requests_or_dismissals_and_no_race_column_is_named() -> None:
    counts = {"hispanic": _c(60, 0, stops=60, minor=30), "unknown": _c(200, 0, stops=200)}
    rows, note = agency_rates(counts, frozenset({"ethnicity", "encounter", "transfer_request"}))
    assert note.startswith(
        "ratios against Hispanic people, the recorded group with most stops (60)"
    )
    assert "these records are stops, not arrests" in note and "no race column" in note
    assert rows[0]["requests"] is None and rows[0]["dismissal_share"] is None
    assert rows[0]["minor_share"] == 0.5
    assert agency_rates({}, ALL) == ([], "no bookings of this agency in the period")
    rows, note = agency_rates({"unknown": _c(10, 1)}, ALL)
    assert rows[0]["ratio"] is None and "no booking records a race or ethnicity" in note


# The monitor's JSON ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synth_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    folder = tmp_path_factory.mktemp("rates")
    generate(folder, agencies=6, start=date(2015, 1, 1), end=date(2016, 12, 31), seed=3, plants={}, fmt="parquet", bookings=8000)  # fmt: skip
    return run(folder / "bookings.parquet", folder / "agencies.parquet"), folder


def test_the_monitor_gives_request_rates_per_agency(
    synth_run: tuple[dict[str, Any], Path],
) -> None:
    doc, folder = synth_run
    plain = _plain(
        f"SELECT ori, count(*), count(*) FILTER (WHERE transfer_request <> 'none') "
        f"FROM read_parquet('{folder / 'bookings.parquet'}') GROUP BY ori"
    )
    expected = {o: (n, r) for o, n, r in plain}
    assert len(doc["agencies"]) == 6
    for agency in doc["agencies"]:
        rows = agency["request_rates"]
        assert [r["group"] for r in rows] == [g for g in GROUPS if g in {r["group"] for r in rows}]
        assert sum(r["bookings"] for r in rows) == agency["n_bookings"]
        assert (agency["n_bookings"], sum(r["requests"] for r in rows)) == expected.get(agency["ori"], (0, 0))  # fmt: skip
        assert agency["request_rates_note"]
        for r in rows:
            assert set(r) >= REQUIRED
            assert isinstance(r["bookings"], int) and isinstance(r["requests"], int)
            assert r["rate"] == pytest.approx(r["requests"] / r["bookings"])
    json.dumps(doc, allow_nan=False)
    with_rows = [a for a in doc["agencies"] if a["request_rates"]]
    assert len(with_rows) >= 5
    assert {"white", "black", "hispanic"} <= {r["group"] for a in with_rows for r in a["request_rates"]}  # fmt: skip


def test_a_run_computes_every_agencys_intervals_at_once_with_the_same_result() -> None:
    tables = {
        "AA0000001": {
            "white": _c(500, 10, disposed=90, dismissed=9),
            "black": _c(300, 30, disposed=50, dismissed=12),
        },
        "AA0000002": {"hispanic": _c(40, 0), "white": _c(30, 0), "unknown": _c(5, 1)},
        "AA0000003": {"unknown": _c(10, 1)},
    }
    oris, grps, values = [], [], {c: [] for c in RATE_COUNTS}  # type: ignore[var-annotated]
    for ori, table in tables.items():
        for grp, counts in table.items():
            oris.append(ori)
            grps.append(grp)
            for c in RATE_COUNTS:
                values[c].append(counts[c])
    found = GroupCounts(
        np.array(oris),
        np.array(grps),
        {c: np.array(v, dtype=np.int64) for c, v in values.items()},
        ALL,
    )
    together = request_rates(found, [*tables, "AA0000004"])
    for ori, table in tables.items():
        assert together[ori] == agency_rates(table, ALL)
    assert together["AA0000004"] == ([], "no bookings of this agency in the period")


def test_a_run_on_bookings_without_transfer_request_says_why_requests_are_missing(
    tmp_path: Path,
) -> None:
    header = [c for c in HEADER if c != "transfer_request"]
    rows = [r[:-1] for r in ROWS]
    bookings = _write(tmp_path / "b.csv", header, rows)
    agencies = _write(tmp_path / "a.csv", ["ori"], [("AA0000001",), ("AA0000002",), ("AA0000003",)])
    doc = run(bookings, agencies)
    by = {a["ori"]: a for a in doc["agencies"]}
    first = by["AA0000001"]
    assert first["request_rates"] and all(r["requests"] is None and r["rate"] is None and r["ratio"] is None for r in first["request_rates"])  # fmt: skip
    assert "the bookings have no transfer_request column" in first["request_rates_note"]
    assert first["request_rates"][0]["minor_share"] is not None  # the rest is still counted
    assert by["AA0000003"]["request_rates"] == []
    assert by["AA0000003"]["request_rates_note"] == "no bookings of this agency in the period"
