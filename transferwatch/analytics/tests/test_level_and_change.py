"""Level and change at activation (issue 13, part 3): an agency with an own past is tested on
both its minor-offence disparity against peers and its change at activation, in one
false-discovery family, and its one entry says which flagged."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from transferwatch.analytics.aggregate import aggregate, connect, file_source, read_agencies
from transferwatch.analytics.assess import CHANGE, Indicator
from transferwatch.analytics.indicators import compute
from transferwatch.analytics.monitor import run

GOLDEN = json.loads((Path(__file__).parent / "golden" / "monitor_golden.json").read_text())
CASE = GOLDEN["level_change"]
PERIOD = (date(2015, 1, 1), date(2015, 12, 31))


def _files(tmp_path: Path, column: str, codes: tuple[str, str]) -> tuple[Path, Path]:
    """The golden agencies as files: rows (group 1 minor, group 1 all) before activation, the same
    after, then the same for group 0; activated on 1 July 2015, before = March, after = October."""
    agencies = ["ori,state,activation_date"]
    rows = [f"booking_id,ori,booking_date,{column},offense_category"]
    for k, counts in enumerate(CASE["agencies"]):
        ori = f"TX{k:07d}"
        agencies.append(f"{ori},TX,2015-07-01")
        for g, code in enumerate(codes):
            for side, day in enumerate(("2015-03-01", "2015-10-01")):
                minor, total = counts[4 * g + 2 * side], counts[4 * g + 2 * side + 1]
                for j in range(total):
                    offence = "minor_traffic" if j < minor else "property"
                    rows.append(f"{len(rows)},{ori},{day},{code},{offence}")
    (tmp_path / "a.csv").write_text("\n".join(agencies) + "\n")
    (tmp_path / "b.csv").write_text("\n".join(rows) + "\n")
    return tmp_path / "b.csv", tmp_path / "a.csv"


@pytest.fixture(scope="module")
def hispanic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _files(tmp_path_factory.mktemp("hispanic"), "ethnicity", ("H", "N"))


def _tested(bookings: Path, agencies: Path) -> dict[str, list[Indicator]]:
    """Every test of the run before `merge`: the levels and the `CHANGE` tests."""
    con = connect()
    infos = read_agencies(agencies, con)
    source, described = file_source([bookings])
    counts, first, last = aggregate(source, infos, *PERIOD, described, con)
    return compute(counts, infos, (first, last))[0]


def test_level_and_change_match_statsmodels_and_share_one_fdr_family(
    hispanic: tuple[Path, Path],
) -> None:
    """Estimates, robust random-effects p-values and Benjamini-Hochberg q-values over the 28
    tests (14 levels, 14 changes) against statsmodels and scipy (make_monitor_golden.py)."""
    tested = _tested(*hispanic)
    tests = [i for inds in tested.values() for i in inds if i.p_value is not None]
    assert len(tests) == 28  # both tests of every agency are in the family, nothing else is
    for key, name in (("level", "minor_offense_shift"), ("change", "minor_offense_shift" + CHANGE)):  # fmt: skip
        want = CASE[key]
        for k in range(len(CASE["agencies"])):
            ind = next(i for i in tested[f"TX{k:07d}"] if i.name == name)
            assert ind.estimate == pytest.approx(want["y"][k], abs=1e-6)
            assert ind.p_value == pytest.approx(want["p"][k], rel=1e-9)
            assert ind.q_value == pytest.approx(want["q"][k], rel=1e-9)
    # the smallest p-value of the 28 (the level raised throughout): q = 28 p, not 14 p as in a
    # family of the levels alone
    first = next(i for i in tested["TX0000000"] if i.name == "minor_offense_shift")
    assert first.p_value is not None and first.q_value == pytest.approx(28 * first.p_value, rel=1e-9)  # fmt: skip


def _entry(doc: dict[str, Any], ori: str, name: str) -> dict[str, Any]:
    agency = next(a for a in doc["agencies"] if a["ori"] == ori)
    return next(i for i in agency["indicators"] if i["name"] == name)


def test_a_disparity_raised_throughout_is_flagged_on_the_level(hispanic: tuple[Path, Path]) -> None:
    """47% against 14% of arrests for minor offences before activation and after: no change
    at activation, and before method version 8 not flagged at all."""
    comparisons: dict[tuple[str, str], str] = {}
    doc = run(*hispanic, comparisons=comparisons)
    ind = _entry(doc, "TX0000000", "minor_offense_shift")
    assert ind["flagged"]
    assert ind["explanation"].startswith("flagged on the level against other agencies. ")
    assert ind["estimate"] == pytest.approx(CASE["level"]["y"][0], abs=1e-6)
    assert ind["q_value"] == pytest.approx(CASE["level"]["q"][0], rel=1e-9)
    assert f"(q = {CASE['change']['q'][0]:.3f})" in ind["explanation"]  # the change is given too
    assert comparisons[("TX0000000", "minor_offense_shift")] == "odds ratio after activation"
    assert [i["name"] for i in doc["agencies"][0]["indicators"]].count("minor_offense_shift") == 1


def test_a_rise_at_activation_is_flagged_on_the_change(hispanic: tuple[Path, Path]) -> None:
    comparisons: dict[tuple[str, str], str] = {}
    doc = run(*hispanic, comparisons=comparisons)
    ind = _entry(doc, "TX0000001", "minor_offense_shift")
    assert ind["flagged"]
    assert ind["explanation"].startswith("flagged on the change at activation. ")
    # only the change flagged: the entry reports the change, and gives the level's q-value
    assert ind["estimate"] == pytest.approx(CASE["change"]["y"][1], abs=1e-6)
    assert ind["q_value"] == pytest.approx(CASE["change"]["q"][1], rel=1e-9)
    assert f"(q = {CASE['level']['q'][1]:.3f})" in ind["explanation"]
    assert comparisons[("TX0000001", "minor_offense_shift")] == "change at activation"
    for k in range(2, len(CASE["agencies"])):
        assert not _entry(doc, f"TX{k:07d}", "minor_offense_shift")["flagged"]


def test_lep_minor_offense_tests_the_level_and_the_change_too(tmp_path: Path) -> None:
    """The same counts with LEP recorded instead of ethnicity: the level over the period and
    the change at activation, each flagged at the agency where it was raised."""
    doc = run(*_files(tmp_path, "lep", ("Y", "N")))
    level = _entry(doc, "TX0000000", "lep_minor_offense")
    assert level["flagged"] and level["explanation"].startswith("flagged on the level against other agencies. ")  # fmt: skip
    assert "the estimate is the log odds ratio over the period" in level["explanation"]
    change = _entry(doc, "TX0000001", "lep_minor_offense")
    assert change["flagged"] and change["explanation"].startswith("flagged on the change at activation. ")  # fmt: skip
    assert not any(_entry(doc, f"TX{k:07d}", "lep_minor_offense")["flagged"] for k in range(2, 14))


def test_with_one_agency_the_change_is_judged_within_it(tmp_path: Path) -> None:
    """No peers: the change at activation by Fisher's exact test on minor-offence arrests after
    activation among those before and after, LEP against others (its odds ratio is the ratio
    of the two rate ratios), against scipy's conditional odds ratio and Fisher test."""
    exact = next(c for c in GOLDEN["exact_or"] if c["counts"] == [60, 420, 35, 450])
    spec = [  # (day, lep, offence, count): 360 then 60 minor-offence arrests of LEP people, 415 then 35 of others
        ("2015-03-01", "Y", "minor_traffic", 360), ("2015-10-01", "Y", "minor_traffic", 60),
        ("2015-03-01", "N", "minor_traffic", 415), ("2015-10-01", "N", "minor_traffic", 35),
        ("2015-03-01", "Y", "property", 500), ("2015-10-01", "Y", "property", 500),
        ("2015-03-01", "N", "property", 500), ("2015-10-01", "N", "property", 500),
    ]  # fmt: skip
    rows = ["booking_id,ori,booking_date,lep,offense_category"]
    for day, lep, offence, count in spec:
        rows += [f"{len(rows)},CA0000001,{day},{lep},{offence}" for _ in range(count)]
    (tmp_path / "a.csv").write_text("ori,state,activation_date\nCA0000001,CA,2015-07-01\n")
    (tmp_path / "b.csv").write_text("\n".join(rows) + "\n")
    ind = _entry(run(tmp_path / "b.csv", tmp_path / "a.csv", *PERIOD), "CA0000001", "lep_minor_offense")  # fmt: skip
    assert ind["flagged"] and ind["explanation"].startswith("flagged on the change at activation. ")
    for key, want in zip(("estimate", "ci_low", "ci_high"), exact["log_or"], strict=True):
        assert ind[key] == pytest.approx(want, abs=1e-6)
    assert ind["p_value"] == pytest.approx(exact["p_greater"], rel=1e-9)
    change = ind["explanation"].split("change at activation: ", 1)[1]
    assert change.startswith("no peer comparison: 1 agency; within the agency, minor-offence arrests after activation among those before and after: 60 of 420")  # fmt: skip


def test_with_one_agency_the_level_is_said_to_be_within_it(tmp_path: Path) -> None:
    """No peers and no own past: the level is judged within the agency, and the explanation
    says so rather than 'against other agencies' (seen on Los Altos' RIPA stops)."""
    rows = ["booking_id,ori,booking_date,lep,offense_category"]
    for lep, offence, count in (
        ("Y", "minor_traffic", 300), ("Y", "property", 100),
        ("N", "minor_traffic", 200), ("N", "property", 200),
    ):  # fmt: skip
        rows += [f"{len(rows)},CA0000001,2015-06-01,{lep},{offence}" for _ in range(count)]
    (tmp_path / "a.csv").write_text("ori,state,activation_date\nCA0000001,CA,2014-01-01\n")
    (tmp_path / "b.csv").write_text("\n".join(rows) + "\n")
    ind = _entry(run(tmp_path / "b.csv", tmp_path / "a.csv", *PERIOD), "CA0000001", "lep_minor_offense")  # fmt: skip
    assert ind["flagged"]
    assert ind["explanation"].startswith(
        "flagged on the level within the agency. level within the agency: no peer comparison: "
        "1 agency; within the agency, "
    )
    assert "against other agencies" not in ind["explanation"]


def test_a_share_under_one_percent_is_not_shown_as_none() -> None:
    """Seen on Pierce County split by court: 'after activation 0% of Hispanic arrests were for
    minor offences against 0% of non-Hispanic arrests' beside an estimate of +1.557."""
    from transferwatch.analytics.assess import _pct

    assert [_pct(x) for x in (0.0, 1 / 123, 0.0094, 0.0095, 0.5, 1.0)] == [
        "0%", "0.8%", "0.9%", "1%", "50%", "100%",
    ]  # fmt: skip
