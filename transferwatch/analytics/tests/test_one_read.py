"""One read of the bookings (`one_read.aggregate_both`) gives what the two aggregations give.

`aggregate.aggregate` then `rates.group_counts` (the run's period from the first) read the
bookings twice; `aggregate_both` reads them once. Same tables row for row (sorted), same period,
same errors, on CSV with odd values, missing columns, stops, and given or open periods.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from transferwatch.analytics.aggregate import (
    AgencyInfo,
    Counts,
    MonitorInputError,
    aggregate,
    connect,
    file_source,
)
from transferwatch.analytics.one_read import aggregate_both
from transferwatch.analytics.rates import COUNTS, GroupCounts, group_counts

AGENCIES = [
    AgencyInfo("AA0000001", activation_date=date(2022, 1, 1)),
    AgencyInfo("AA0000002", activation_date=None),
    AgencyInfo("AA0000003", activation_date=date(2021, 6, 1)),
]
VALUES = {
    "race": ["W", "B", "A", "P", "I", "O", "U", ""],
    "ethnicity": ["H", "N", "U", "", "h"],
    "lep": ["Y", "N", "", "x"],
    "offense_category": ["minor_traffic", "dui", "immigration_status", "theft", ""],
    "offense_severity": ["felony", "misdemeanor", "infraction", ""],
    "disposition": ["convicted", "dismissed", "pending", ""],
    "transfer_request": ["none", "detainer", "notification", "transfer", "", "other"],
    "pep_eligible": ["Y", "N", ""],
    "encounter": ["arrest", "stop", ""],
}


def _write(path: Path, columns: list[str], rows: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["ori", "booking_date", *columns])
        for i in range(rows):
            ori = AGENCIES[i % 3].ori
            day = date.fromordinal(date(2021, 1, 1).toordinal() + int(rng.integers(0, 730)))
            out.writerow([ori, day.isoformat(), *(rng.choice(VALUES[c]) for c in columns)])
    return path


def _counts(c: Counts) -> list[tuple[object, ...]]:
    keys = zip(c.ori.tolist(), c.post.tolist(), c.quarter.tolist(), c.eth.tolist(), c.lep.tolist(), c.cell.tolist(), strict=True)  # fmt: skip
    values = zip(*(v.tolist() for v in c.values.values()), strict=True)
    return sorted((*k, *v) for k, v in zip(keys, values, strict=True))


def _groups(g: GroupCounts) -> list[tuple[object, ...]]:
    values = zip(*(g.values[c].tolist() for c in COUNTS), strict=True)
    return sorted((o, grp, *v) for o, grp, v in zip(g.ori.tolist(), g.grp.tolist(), values, strict=True))  # fmt: skip


def _two_reads(
    path: Path, period: tuple[date | None, date | None]
) -> tuple[Counts, GroupCounts, date, date]:
    con = connect()
    try:
        source, described = file_source([path])
        counts, first, last = aggregate(source, AGENCIES, *period, described, con)
        return counts, group_counts(source, (first, last), described, con), first, last
    finally:
        con.close()


def _one_read(
    path: Path, period: tuple[date | None, date | None]
) -> tuple[Counts, GroupCounts, date, date]:
    con = connect()
    try:
        source, described = file_source([path])
        return aggregate_both(source, AGENCIES, *period, described, con)
    finally:
        con.close()


@pytest.mark.parametrize(
    "columns",
    [list(VALUES), ["ethnicity", "transfer_request"], [], ["race", "encounter", "disposition"]],
)
@pytest.mark.parametrize(
    "period",
    [
        (None, None),
        (date(2021, 7, 1), date(2022, 3, 31)),
        (date(2022, 2, 10), None),
        (None, date(2021, 5, 5)),
    ],
)
def test_the_same_tables_and_period(
    tmp_path: Path, columns: list[str], period: tuple[date | None, date | None]
) -> None:
    path = _write(tmp_path / "bookings.csv", columns, 3000, seed=len(columns))
    counts, groups, first, last = _two_reads(path, period)
    counts1, groups1, first1, last1 = _one_read(path, period)
    assert (first1, last1) == (first, last)
    assert counts1.present == counts.present and groups1.present == groups.present
    assert _counts(counts1) == _counts(counts)
    assert _groups(groups1) == _groups(groups)


@pytest.mark.parametrize(
    "line",
    ["ZZ0000009,2021-03-04,W", ",2021-03-04,W", "AA0000001,,W", "AA0000001,2021-13-45,W"],
)
def test_the_same_errors(tmp_path: Path, line: str) -> None:
    path = _write(tmp_path / "bookings.csv", ["race"], 50, seed=1)
    with path.open("a") as handle:
        handle.write(line + "\n")
    with pytest.raises(MonitorInputError) as two:
        _two_reads(path, (None, None))
    with pytest.raises(MonitorInputError) as one:
        _one_read(path, (None, None))
    assert str(one.value) == str(two.value)
