"""Edge cases said plainly (issue 13, part 5): no events in either group, no detectable spread
between agencies, missing columns named exactly."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from transferwatch.analytics.aggregate import AgencyInfo
from transferwatch.analytics.assess import CHANGE, _empty, assess
from transferwatch.analytics.ice import IceCounts, assess_ice
from transferwatch.analytics.monitor import run

PERIOD = (date(2015, 1, 1), date(2015, 12, 31))


def _run(tmp_path: Path, agencies: str, rows: list[str]) -> dict[str, dict[str, Any]]:
    (tmp_path / "a.csv").write_text(agencies)
    (tmp_path / "b.csv").write_text("\n".join(rows) + "\n")
    doc = run(tmp_path / "b.csv", tmp_path / "a.csv", *PERIOD)
    return {a["ori"]: {i["name"]: i for i in a["indicators"]} for a in doc["agencies"]}


def _bookings(header: str, spec: list[tuple[str, str, int, str]]) -> list[str]:
    """`spec`: (ori, date, how many, the rest of the row after ori and date)."""
    rows, b = [header], 0
    for ori, day, count, rest in spec:
        for _ in range(count):
            b += 1
            rows.append(f"{b},{ori},{day},{rest}")
    return rows


def test_no_dismissals_in_either_group_gives_no_estimate(tmp_path: Path) -> None:
    """0 of 38 Hispanic and 0 of 327 other charges dismissed: nothing to compare (the 0.5
    correction used to make an estimate of 2.14 out of it)."""
    agencies = "ori,state,activation_date\n" + "".join(f"WA000000{j},WA,\n" for j in range(1, 5))
    spec = [
        ("WA0000001", "2015-03-01", 38, "H,convicted"),
        ("WA0000001", "2015-03-01", 327, "N,convicted"),
    ]
    for j, d in ((2, 8), (3, 10), (4, 12)):
        spec += [(f"WA000000{j}", "2015-03-01", d, "H,dismissed")]
        spec += [(f"WA000000{j}", "2015-03-01", 40 - d, "H,convicted")]
        spec += [(f"WA000000{j}", "2015-03-01", 60, "N,dismissed")]
        spec += [(f"WA000000{j}", "2015-03-01", 240, "N,convicted")]
    out = _run(tmp_path, agencies, _bookings("booking_id,ori,booking_date,ethnicity,disposition", spec))  # fmt: skip
    ind = out["WA0000001"]["dismissal_disparity"]
    assert ind["estimate"] is None and ind["q_value"] is None and not ind["flagged"]
    assert "no dismissals in either group" in ind["explanation"]
    assert "0 of 38" in ind["explanation"] and "0 of 327" in ind["explanation"]
    assert out["WA0000002"]["dismissal_disparity"]["estimate"] is not None


def test_no_minor_offence_arrests_in_either_group_gives_no_lep_estimate(tmp_path: Path) -> None:
    agencies = "ori,state,activation_date\n" + "".join(f"WA000000{j},WA,\n" for j in range(1, 5))
    spec = [
        ("WA0000001", "2015-03-01", 40, "Y,burglary"),
        ("WA0000001", "2015-03-01", 200, "N,burglary"),
    ]
    for j, m in ((2, 8), (3, 10), (4, 12)):
        spec += [(f"WA000000{j}", "2015-03-01", m, "Y,minor_traffic")]
        spec += [(f"WA000000{j}", "2015-03-01", 40 - m, "Y,burglary")]
        spec += [(f"WA000000{j}", "2015-03-01", 50, "N,minor_traffic")]
        spec += [(f"WA000000{j}", "2015-03-01", 150, "N,burglary")]
    out = _run(tmp_path, agencies, _bookings("booking_id,ori,booking_date,lep,offense_category", spec))  # fmt: skip
    ind = out["WA0000001"]["lep_minor_offense"]
    assert ind["estimate"] is None and not ind["flagged"]
    assert "no minor-offence arrests in either group" in ind["explanation"]


def test_no_hispanic_minor_offence_arrests_before_or_after_gives_no_shift(tmp_path: Path) -> None:
    """The count contrast log(x1 / x0) - log(w1 / w0) with x0 = x1 = 0 would be the other
    arrests' trend alone."""
    agencies = "ori,state,activation_date\n" + "".join(f"WA000000{j},WA,2015-07-01\n" for j in range(1, 5))  # fmt: skip
    spec: list[tuple[str, str, int, str]] = []
    for j in range(1, 5):
        hisp_minor = 0 if j == 1 else 10 + j
        for day in ("2015-03-01", "2015-10-01"):
            spec += [(f"WA000000{j}", day, hisp_minor, "H,minor_traffic")]
            spec += [(f"WA000000{j}", day, 40, "H,burglary")]
            spec += [(f"WA000000{j}", day, 60 + 10 * (day > "2015-06"), "N,minor_traffic")]
            spec += [(f"WA000000{j}", day, 100, "N,burglary")]
    out = _run(tmp_path, agencies, _bookings("booking_id,ori,booking_date,ethnicity,offense_category", spec))  # fmt: skip
    ind = out["WA0000001"]["minor_offense_shift"]
    # the change has nothing to measure; the level after activation (0 of 40 Hispanic arrests
    # for minor offences against 70 of 170) is measured, far below the others, and not flagged
    assert not ind["flagged"] and ind["estimate"] is not None and ind["estimate"] < -2
    assert "change at activation: no minor-offence arrests of Hispanic people before or after activation" in ind["explanation"]  # fmt: skip
    assert "(q = " not in ind["explanation"].split("change at activation:")[1]
    assert out["WA0000002"]["minor_offense_shift"]["estimate"] is not None


def test_estimators_say_which_tables_have_an_empty_margin() -> None:
    from transferwatch.analytics.estimators import empty_margin, mantel_haenszel_empty

    # x1 of n1 against x0 of n0: no events in either group, or only events in both
    assert empty_margin([0, 0, 5, 38], [38, 38, 40, 38], [0, 3, 0, 300], [327, 327, 300, 327]).tolist() == [True, False, False, False]  # fmt: skip
    assert empty_margin([38], [38], [327], [327]).tolist() == [True]
    # Mantel-Haenszel over strata: no events (or no non-events) in any stratum the agency has
    # (a stratum the other agencies do not have, or the agency does not, tells nothing)
    a, b = np.array([[0, 0], [0, 1], [0, 1]]), np.array([[10, 0], [10, 0], [10, 0]])
    c, d = np.array([[0, 4], [0, 0], [0, 2]]), np.array([[50, 0], [50, 0], [50, 3]])
    assert mantel_haenszel_empty(a, b, c, d).tolist() == [True, True, False]


def test_no_requests_of_the_kind_before_or_after_gives_no_change(tmp_path: Path) -> None:
    rows = []
    agencies = []
    for j, (x0, x1) in enumerate([(0, 0), (20, 25), (22, 20), (18, 30)]):
        ori = f"TX{j:07d}"
        agencies.append(AgencyInfo(ori, "TX", date(2015, 7, 1)))
        for post, x in ((False, x0), (True, x1)):
            rows += [(ori, post, "3", -1, -1, x), (ori, post, "1", -1, -1, 100 - x)]
    out = assess_ice(IceCounts.from_rows(rows, *PERIOD), agencies, PERIOD)
    ind = next(i for i in out["TX0000000"] if i.name == "no_conviction_share")
    assert not ind.flagged
    assert (
        "no requests were on people without a criminal conviction before or after activation"
        in ind.explanation
    )
    raws_ok = [i for i in out["TX0000001"] if i.name == "no_conviction_share"]
    assert raws_ok[0].estimate is not None and CHANGE not in raws_ok[0].name


def test_zero_spread_gives_the_agencys_own_estimate_and_interval() -> None:
    """tau^2 estimated as zero: the agency's own estimate and interval, not the mean."""
    raw = _empty(4)
    raw.y[:] = [-0.05, -0.06, -0.04, 0.02]
    raw.se[:] = [0.1, 0.1, 0.1, 0.1]
    raw.ok[:] = True
    raw.says[:] = ["something measured"] * 4
    out = assess({"dismissal_disparity": raw}, ["A", "B", "C", "D"])
    ind = out["D"][0]
    assert "no detectable between-agency spread" in ind.explanation
    assert "most likely" not in ind.explanation
    assert "+0.020" in ind.explanation
    assert f"{0.02 - 1.959964 * 0.1:+.3f} to {0.02 + 1.959964 * 0.1:+.3f}" in ind.explanation


def test_missing_review_columns_are_named_exactly(tmp_path: Path) -> None:
    agencies = "ori,state,activation_date\nWA0000001,WA,\n"
    rows = ["booking_id,ori,booking_date,transfer_request"]
    rows += [f"{i},WA0000001,2015-03-01,detainer" for i in range(40)]
    out = _run(tmp_path, agencies, rows)
    why = out["WA0000001"]["non_priority_transfers"]["explanation"]
    assert "the bookings have no pep_eligible column" in why
    assert "transfer_request" not in why


def test_an_empty_change_at_activation_falls_back_to_the_period(tmp_path: Path) -> None:
    """LEP people with no minor-offence arrests before or after activation, others with some:
    the change would be the others' trend alone; the odds ratio over the period is given."""
    agencies = "ori,state,activation_date\n" + "".join(f"WA000000{j},WA,2015-07-01\n" for j in range(1, 5))  # fmt: skip
    spec: list[tuple[str, str, int, str]] = []
    for j in range(1, 5):
        lep_minor = 0 if j == 1 else 8 + j
        for day in ("2015-03-01", "2015-10-01"):
            spec += [(f"WA000000{j}", day, lep_minor, "Y,minor_traffic")]
            spec += [(f"WA000000{j}", day, 40, "Y,burglary")]
            spec += [(f"WA000000{j}", day, 50 + 10 * (day > "2015-06"), "N,minor_traffic")]
            spec += [(f"WA000000{j}", day, 150, "N,burglary")]
    # three agencies without an activation date: the period odds ratio has its own spread
    agencies += "".join(f"WA000000{j},WA,\n" for j in range(5, 8))
    for j in range(5, 8):
        spec += [(f"WA000000{j}", "2015-03-01", 10 + j, "Y,minor_traffic")]
        spec += [(f"WA000000{j}", "2015-03-01", 40, "Y,burglary")]
        spec += [(f"WA000000{j}", "2015-03-01", 60, "N,minor_traffic")]
        spec += [(f"WA000000{j}", "2015-03-01", 150, "N,burglary")]
    out = _run(tmp_path, agencies, _bookings("booking_id,ori,booking_date,lep,offense_category", spec))  # fmt: skip
    ind = out["WA0000001"]["lep_minor_offense"]
    assert ind["estimate"] is not None
    assert "no change at activation to measure" in ind["explanation"]
    assert "the estimate is the log odds ratio over the period" in ind["explanation"]
    assert "change at activation of the log ratio" in out["WA0000002"]["lep_minor_offense"]["explanation"]  # fmt: skip


def test_no_requests_outside_the_rules_anywhere_gives_no_estimate(tmp_path: Path) -> None:
    agencies = "ori,state,activation_date\n" + "".join(f"WA000000{j},WA,\n" for j in range(1, 5))
    header = "booking_id,ori,booking_date,offense_category,offense_severity,transfer_request,pep_eligible"  # fmt: skip
    spec = [(f"WA000000{j}", "2015-03-01", 40, "burglary,felony,detainer,Y") for j in range(1, 5)]
    spec += [(f"WA000000{j}", "2015-03-01", 5 + j, "minor_traffic,misdemeanor,detainer,N") for j in range(2, 5)]  # fmt: skip
    out = _run(tmp_path, agencies, _bookings(header, spec))
    ind = out["WA0000001"]["non_priority_transfers"]
    assert ind["estimate"] is None and not ind["flagged"]
    assert "no transfer requests outside the rules at this agency (0 of 40)" in ind["explanation"]
