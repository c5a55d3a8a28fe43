"""One or two agencies: each still gets figures, judged within itself (issue 13, part 4)."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from transferwatch.analytics.estimators import fisher_exact_odds_ratio
from transferwatch.analytics.monitor import run

GOLDEN = json.loads((Path(__file__).parent / "golden" / "monitor_golden.json").read_text())
EXACT = {tuple(c["counts"]): c for c in GOLDEN["exact_or"]}
PERIOD = (date(2015, 1, 1), date(2015, 12, 31))


def _approx(value: float, expected: float | None) -> None:
    if expected is None:
        assert math.isinf(value)
    else:
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("case", GOLDEN["exact_or"])
def test_it_matches_scipy_conditional_odds_ratio_and_fisher(case: dict[str, Any]) -> None:
    est, low, high, p = fisher_exact_odds_ratio(*case["counts"])
    for value, expected in zip((est, low, high), case["log_or"], strict=True):
        _approx(value, expected)
    assert p == pytest.approx(case["p_greater"], rel=1e-9)


def _run(tmp_path: Path, oris: list[str], spec: list[tuple[str, int, str]]) -> dict[str, dict[str, Any]]:  # fmt: skip
    (tmp_path / "a.csv").write_text("ori,state,activation_date\n" + "".join(f"{o},CA,\n" for o in oris))  # fmt: skip
    rows, b = ["booking_id,ori,booking_date,lep,offense_category"], 0
    for ori, count, rest in spec:
        for _ in range(count):
            b += 1
            rows.append(f"{b},{ori},2015-03-01,{rest}")
    (tmp_path / "b.csv").write_text("\n".join(rows) + "\n")
    doc = run(tmp_path / "b.csv", tmp_path / "a.csv", *PERIOD)
    return {a["ori"]: {i["name"]: i for i in a["indicators"]} for a in doc["agencies"]}


def _agency(ori: str, x1: int, n1: int, x0: int, n0: int) -> list[tuple[str, int, str]]:
    return [
        (ori, x1, "Y,minor_traffic"),
        (ori, n1 - x1, "Y,burglary"),
        (ori, x0, "N,minor_traffic"),
        (ori, n0 - x0, "N,burglary"),
    ]


def _check(ind: dict[str, Any], counts: tuple[int, int, int, int], agencies: int) -> None:
    golden = EXACT[counts]
    assert ind["estimate"] is not None and ind["q_value"] is not None
    for key, expected in zip(("estimate", "ci_low", "ci_high"), golden["log_or"], strict=True):
        assert ind[key] == pytest.approx(expected, abs=1e-6)
    assert ind["p_value"] == pytest.approx(golden["p_greater"], rel=1e-9)
    said = f"{agencies} agency" if agencies == 1 else f"{agencies} agencies"
    assert f"no peer comparison: {said}" in ind["explanation"]
    assert "too few agencies" not in ind["explanation"]
    x1, n1, x0, n0 = counts
    assert f"{x1} of {n1}" in ind["explanation"] and f"{x0} of {n0}" in ind["explanation"]


def test_one_agency_gets_an_exact_within_agency_figure(tmp_path: Path) -> None:
    out = _run(tmp_path, ["CA0000001"], _agency("CA0000001", 60, 420, 35, 450))
    ind = out["CA0000001"]["lep_minor_offense"]
    _check(ind, (60, 420, 35, 450), 1)
    assert ind["n"] == 870
    # with a single test in the false-discovery family q equals p; a clear excess is flagged
    assert ind["q_value"] == pytest.approx(ind["p_value"]) and ind["flagged"]


def test_two_agencies_each_get_an_exact_within_agency_figure(tmp_path: Path) -> None:
    spec = _agency("CA0000001", 60, 420, 35, 450) + _agency("CA0000002", 30, 200, 41, 260)
    out = _run(tmp_path, ["CA0000001", "CA0000002"], spec)
    _check(out["CA0000001"]["lep_minor_offense"], (60, 420, 35, 450), 2)
    second = out["CA0000002"]["lep_minor_offense"]
    _check(second, (30, 200, 41, 260), 2)
    assert not second["flagged"]
    # both p-values are in one Benjamini-Hochberg family
    p = sorted(ind["lep_minor_offense"]["p_value"] for ind in out.values())
    assert out["CA0000001"]["lep_minor_offense"]["q_value"] == pytest.approx(min(p[0] * 2, p[1]))


def test_an_empty_table_within_the_agency_still_says_so(tmp_path: Path) -> None:
    out = _run(tmp_path, ["CA0000001"], _agency("CA0000001", 0, 100, 0, 200))
    ind = out["CA0000001"]["lep_minor_offense"]
    assert ind["estimate"] is None and not ind["flagged"]
    assert "no minor-offence arrests in either group" in ind["explanation"]
