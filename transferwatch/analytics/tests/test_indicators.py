"""Indicator statistics against golden values, small-agency handling and concern levels."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from transferwatch.analytics.aggregate import AgencyInfo
from transferwatch.analytics.assess import Indicator, concern
from transferwatch.analytics.estimators import (
    did_proportions,
    log_odds_ratio,
    log_rate_ratio_change,
    mantel_haenszel,
)
from transferwatch.analytics.indicators import peer_groups

GOLDEN = json.loads((Path(__file__).parent / "golden" / "monitor_golden.json").read_text())


@pytest.mark.parametrize("case", GOLDEN["log_odds_ratio"])
def test_it_matches_statsmodels_log_odds_ratio(case: dict[str, object]) -> None:
    counts: list[int] = case["counts"]  # type: ignore[assignment]
    x1, n1, x0, n0 = counts
    y, se = log_odds_ratio(x1, n1, x0, n0)
    assert float(y) == pytest.approx(case["log_or"], rel=1e-12)
    assert float(se) == pytest.approx(case["se"], rel=1e-12)


@pytest.mark.parametrize("case", GOLDEN["did"])
def test_it_matches_the_difference_in_differences(case: dict[str, object]) -> None:
    c: list[float] = case["counts"]  # type: ignore[assignment]
    est, se = did_proportions((c[0], c[1], c[2], c[3]), (c[4], c[5], c[6], c[7]))
    assert est == pytest.approx(case["estimate"], rel=1e-12)
    assert se == pytest.approx(case["se"], rel=1e-12)


@pytest.mark.parametrize("case", GOLDEN["rate_ratio_change"])
def test_it_matches_a_saturated_poisson_model(case: dict[str, object]) -> None:
    counts: list[int] = case["counts"]  # type: ignore[assignment]
    x0, x1, w0, w1 = counts
    est, se = log_rate_ratio_change(x0, x1, w0, w1)
    assert float(est) == pytest.approx(case["estimate"], rel=1e-9)
    assert float(se) == pytest.approx(case["se"], rel=1e-9)


@pytest.mark.parametrize("case", GOLDEN["mantel_haenszel"])
def test_it_matches_statsmodels_mantel_haenszel(case: dict[str, object]) -> None:
    """Pooled log odds ratio and its Robins-Breslow-Greenland standard error (StratifiedTable)."""
    strata = np.array(case["strata"], dtype=float)  # rows: strata; columns: a, b, c, d
    y, se = mantel_haenszel(*strata.T)
    assert float(y) == pytest.approx(case["log_or"], rel=1e-12)
    assert float(se) == pytest.approx(case["se"], rel=1e-12)


def test_mantel_haenszel_works_row_by_row_and_survives_one_sided_agencies() -> None:
    """One row per agency; an agency with only events gets the 0.5 correction, not infinity."""
    a = np.array([[3.0, 12.0], [40.0, 30.0], [0.0, 0.0]])
    b = np.array([[40.0, 30.0], [0.0, 0.0], [0.0, 0.0]])
    c = np.array([[200.0, 900.0]] * 3)
    d = np.array([[4000.0, 2100.0]] * 3)
    y, se = mantel_haenszel(a, b, c, d)
    one, one_se = mantel_haenszel(a[0], b[0], c[0], d[0])
    assert y[0] == pytest.approx(float(one)) and se[0] == pytest.approx(float(one_se))
    assert np.isfinite(y[1]) and np.isfinite(se[1]) and y[1] > 3
    assert np.isnan(y[2])  # no requests at all: no estimate (the indicator says too few)


def test_did_refuses_an_empty_period() -> None:
    with pytest.raises(ValueError, match="positive"):
        did_proportions((0, 0, 3, 10), (5, 50, 5, 50))


def test_peer_groups_use_the_given_group_then_state_and_size() -> None:
    agencies = [AgencyInfo(f"TX{i:07d}", state="TX") for i in range(8)]
    agencies += [AgencyInfo(f"NM{i:07d}", state="NM", peer_group="border") for i in range(4)]
    agencies += [AgencyInfo("OK0000000", state="OK")]
    bookings = np.array([500.0] * 4 + [20000.0] * 4 + [900.0] * 4 + [100.0])
    groups = peer_groups(agencies, bookings, years=1.0)
    assert groups[:4] == ["TX-small"] * 4
    assert groups[4:8] == ["TX-large"] * 4
    assert groups[8:12] == ["peer:border"] * 4
    assert groups[12] == "all"  # alone in its state


def _ind(name: str, q: float | None, flagged: bool = False) -> Indicator:
    return Indicator(name, "hispanic", 0.1, 0.0, 0.2, q, q, 100, flagged, "")


def test_concern_is_significant_only_through_a_flagged_indicator() -> None:
    assert concern([_ind("dismissal_disparity", 0.01, flagged=True)]) == "significant"
    assert concern([_ind("dismissal_disparity", 0.2)]) == "watch"
    assert concern([_ind("population_benchmark", 0.001)]) == "watch"
    assert concern([_ind("population_benchmark", 0.2), _ind("lep_minor_offense", None)]) == "none"


def test_too_few_records_gives_no_estimate_and_no_flag(tmp_path: Path) -> None:
    from transferwatch.analytics.monitor import run

    (tmp_path / "agencies.csv").write_text(
        "ori,state,activation_date,population,pop_hispanic\nTX0000001,TX,2015-06-01,1000,300\n"
    )
    rows = ["booking_id,ori,booking_date,ethnicity,lep,offense_category,disposition"]
    rows += [f"b{i},TX0000001,2015-0{1 + i % 9}-10,H,N,minor_traffic,dismissed" for i in range(12)]
    (tmp_path / "bookings.csv").write_text("\n".join(rows) + "\n")
    doc = run(
        tmp_path / "bookings.csv", tmp_path / "agencies.csv", date(2015, 1, 1), date(2015, 12, 31)
    )
    (agency,) = doc["agencies"]
    assert agency["concern"] == "none" and not agency["flagged"]
    assert len(agency["indicators"]) == 7  # the five of the bookings and the two of ICE's records
    for ind in agency["indicators"]:
        assert ind["estimate"] is None and not ind["flagged"]
        assert ind["explanation"]
    by_name = {i["name"]: i["explanation"] for i in agency["indicators"]}
    assert "too few records" in by_name["minor_offense_shift"]
    assert "no transfer_request" in by_name["non_priority_transfers"]
    assert "no ICE records were given" in by_name["non_priority_transfers"]
    assert by_name["no_conviction_share"].startswith("no ICE records were given")
    assert by_name["minor_charge_share"].startswith("no ICE records were given")
