"""Indicators from ICE's records: golden values, explanations, merging, the simulator."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from transferwatch.analytics.aggregate import AgencyInfo
from transferwatch.analytics.assess import CHANGE, Indicator, assess
from transferwatch.analytics.estimators import empirical_logit
from transferwatch.analytics.ice import (
    IceCounts,
    assess_ice,
    ice_raws,
    merge,
)
from transferwatch.analytics.synth_ice import generate

GOLDEN = json.loads((Path(__file__).parent / "golden" / "ice_golden.json").read_text())
PERIOD = (date(2015, 1, 1), date(2016, 12, 31))


@pytest.mark.parametrize("case", GOLDEN["empirical_logit"])
def test_empirical_logit_matches_a_binomial_glm(case: dict[str, float]) -> None:
    y, se = empirical_logit(case["x"], case["n"])
    assert float(y) == pytest.approx(case["logit"], rel=1e-9, abs=1e-12)
    assert float(se) == pytest.approx(case["se"], rel=1e-9)


def _criminality_only(table: list[list[int]], activation: date) -> tuple[IceCounts, list[AgencyInfo]]:  # fmt: skip
    """Agencies with (hit before, known before, hit after, known after, unknown) requests: hit is
    criminality 3, the rest 1, unknown ''; no MSC and no classification."""
    rows = []
    agencies = []
    for j, (x0, n0, x1, n1, m) in enumerate(table):
        ori = f"TX{j:07d}"
        agencies.append(AgencyInfo(ori, "TX", activation))
        for post, x, n in ((False, x0, n0), (True, x1, n1)):
            rows += [(ori, post, "3", -1, -1, x), (ori, post, "1", -1, -1, n - x)]
        rows.append((ori, False, "", -1, -1, m))
    return IceCounts.from_rows(rows, *PERIOD), agencies


def test_level_and_change_match_statsmodels_random_effects_and_bh() -> None:
    """Estimates, random-effects p-values, shrunken values and BH q-values over all 16 tests
    (8 agencies, fewer than ten: plain DerSimonian-Laird) against statsmodels and scipy."""
    counts, agencies = _criminality_only(GOLDEN["agencies"], date(2015, 7, 1))
    raws = ice_raws(counts, agencies, PERIOD, bookings_have_review=True)
    tested = assess(raws, [a.ori for a in agencies])
    for key, name in (("level", "no_conviction_share"), ("change", "no_conviction_share" + CHANGE)):  # fmt: skip
        want = GOLDEN["tests"][key]
        for i, a in enumerate(agencies):
            ind = next(x for x in tested[a.ori] if x.name == name)
            assert ind.estimate == pytest.approx(want["y"][i], abs=1e-6)
            assert ind.p_value == pytest.approx(want["p"][i], rel=1e-9)
            assert ind.q_value == pytest.approx(want["q"][i], rel=1e-9)
            assert f"most likely {want['shrunk'][i]:+.3f}" in ind.explanation
            half = ind.ci_high - ind.estimate  # type: ignore[operator]
            assert half == pytest.approx(1.959964 * np.hypot(want["se"][i], want["tau2"] ** 0.5), abs=1e-5)  # fmt: skip
    # the MSC and eligibility were never given: not assessed, and they say how many lacked them
    minor = next(x for x in tested["TX0000000"] if x.name == "minor_charge_share")
    assert minor.estimate is None and "0 requests with a most serious charge" in minor.explanation


def test_explanations_count_requests_used_and_lacking() -> None:
    counts, agencies = _criminality_only([[40, 100, 45, 110, 5]] * 4, date(2015, 7, 1))
    out = assess_ice(counts, agencies, PERIOD)
    ind = next(x for x in out["TX0000000"] if x.name == "no_conviction_share")
    assert "210 requests with criminality recorded, 5 without" in ind.explanation
    assert "before activation" in ind.explanation and ind.n == 210


def test_an_agency_with_no_requests_gets_no_estimate_and_no_flag() -> None:
    counts, agencies = _criminality_only([[40, 100, 45, 110, 5]] * 4, date(2015, 7, 1))
    agencies.append(AgencyInfo("TX9999999", "TX", date(2015, 7, 1)))
    out = assess_ice(counts, agencies, PERIOD)
    assert [i.name for i in out["TX9999999"]] == [
        "no_conviction_share", "minor_charge_share", "non_priority_transfers",
    ]  # fmt: skip
    for ind in out["TX9999999"]:
        assert ind.estimate is None and not ind.flagged
        assert ind.explanation == "no ICE transfer requests for this agency in the period"


def test_requests_at_agencies_outside_the_run_are_left_out() -> None:
    counts, agencies = _criminality_only([[40, 100, 45, 110, 5]] * 4, date(2015, 7, 1))
    out = assess_ice(counts, agencies[:3], PERIOD)
    assert set(out) == {a.ori for a in agencies[:3]}


def _ind(name: str, estimate: float | None, q: float | None, flagged: bool) -> Indicator:
    return Indicator(name, "all", estimate, None, None, q, q, 100, flagged, "why", "")


def test_merge_reports_the_change_when_only_the_change_flagged() -> None:
    level = _ind("no_conviction_share", 0.3, 0.4, False)
    change = replace(_ind("no_conviction_share" + CHANGE, 1.2, 0.01, True), comparison="change at activation")  # fmt: skip
    (one,) = merge([level, change], ice_given=True)
    assert one.name == "no_conviction_share" and one.flagged and one.estimate == 1.2
    assert one.comparison == "change at activation"
    assert one.explanation.startswith("flagged on the change at activation.")
    assert "(q = 0.400)" in one.explanation and "(q = 0.010)" in one.explanation
    (both,) = merge([replace(level, flagged=True), change], ice_given=True)
    assert (
        both.estimate == 0.3 and "level against other agencies and the change" in both.explanation
    )
    (neither,) = merge([level, replace(change, flagged=False)], ice_given=True)
    assert not neither.flagged and neither.explanation.startswith("not flagged.")


def test_simulator_is_seeded_and_truthful() -> None:
    a = generate(agencies=50, seed=3, plants={"no_conviction": 2, "minor_charge": 2})
    b = generate(agencies=50, seed=3, plants={"no_conviction": 2, "minor_charge": 2})
    assert a.planted == b.planted and np.array_equal(a.counts.requests, b.counts.requests)
    assert len(a.planted) == 4 and {p.kind for p in a.planted} == {"no_conviction", "minor_charge"}
    assert all(2.0 <= p.effect <= 4.0 for p in a.planted)
    assert int(a.counts.requests.sum()) == pytest.approx(sum(a.per_year.values()) * 2, rel=0.01)


def test_large_planted_effects_are_found_and_clean_agencies_rarely_flagged() -> None:
    s = generate(agencies=400, seed=11, plants={"no_conviction": 8, "minor_charge": 8}, effect=(8.0, 8.0))  # fmt: skip
    out = assess_ice(s.counts, s.agencies, s.period)
    kind = {"no_conviction": "no_conviction_share", "minor_charge": "minor_charge_share"}
    big = [p for p in s.planted if s.per_year[p.ori] >= 200]
    found = [next(i for i in out[p.ori] if i.name == kind[p.kind]).flagged for p in big]
    assert big and all(found)
    planted = {p.ori for p in s.planted}
    clean_flagged = [o for o in out if o not in planted and any(i.flagged for i in out[o])]
    assert len(clean_flagged) <= 0.01 * (len(out) - len(planted)) + 1


def test_a_run_with_bookings_without_a_review_takes_non_priority_from_the_classification(
    tmp_path: Path,
) -> None:
    """The warehouse keeps an empty pep_eligible column for bookings that had none: the run
    then uses the engine's classification of ICE's requests (and, with a review, the bookings')."""
    from transferwatch.analytics.monitor import run

    counts, agencies = _criminality_only([[40, 100, 45, 110, 5]] * 4, date(2015, 7, 1))
    rows = [(str(o), bool(p), "1", 0, int(e % 2), 40) for e, (o, p) in enumerate(zip(counts.ori, counts.post, strict=True))]  # fmt: skip
    ice = IceCounts.from_rows(rows, *PERIOD)
    (tmp_path / "agencies.csv").write_text(
        "ori,state,activation_date\n" + "".join(f"{a.ori},TX,2015-07-01\n" for a in agencies)
    )
    for review, comparison in (("", "ICE records"), ("Y", "")):
        lines = ["booking_id,ori,booking_date,transfer_request,pep_eligible"]
        lines += [f"b{i},{a.ori},2015-0{1 + i % 9}-10,detainer,{review}" for i in range(40) for a in agencies]  # fmt: skip
        (tmp_path / "bookings.csv").write_text("\n".join(lines) + "\n")
        found: dict[tuple[str, str], str] = {}
        doc = run(tmp_path / "bookings.csv", tmp_path / "agencies.csv", comparisons=found, ice=lambda f, t: ice)  # fmt: skip
        ind = next(i for i in doc["agencies"][0]["indicators"] if i["name"] == "non_priority_transfers")  # fmt: skip
        assert found.get((agencies[0].ori, "non_priority_transfers"), "") == comparison
        assert ("classified under the 2014 priorities" in ind["explanation"]) == (review == "")
