"""Compute the golden values of test_rates.py with statsmodels.

Run from the repository root:  .venv/bin/python transferwatch/analytics/tests/golden/make_rates_golden.py
It rewrites rates_golden.json beside this script. Nothing here imports transferwatch.

- ``ratio``: the score interval for a ratio of two proportions (Koopman 1984 with the
  Miettinen-Nurminen small-sample factor): ``low``/``high`` invert statsmodels' score test
  ``score_test_proportions_2indep(compare="ratio")`` with scipy's ``brentq`` (the ratios at which
  its statistic is +-1.959964); ``sm_low``/``sm_high`` are statsmodels'
  ``confint_proportions_2indep(method="score", compare="ratio")``, which solves Nam's cubic.
  They agree to 1e-9 except where the group has an event in every trial and the reference
  almost so (38/38 against 327/339): there the cubic returns a root at which statsmodels' own
  score test gives z = 0.37, not 1.96 (kept, ``cubic_root_wrong``; transferwatch bisects the
  score statistic and agrees with the inverted test);
- ``wilson``: the Wilson interval of one proportion, ``proportion_confint(method="wilson")``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from scipy import optimize, stats  # type: ignore[import-untyped]
from statsmodels.stats.proportion import (  # type: ignore[import-untyped]
    confint_proportions_2indep,
    proportion_confint,
    score_test_proportions_2indep,
)

Z = float(stats.norm.isf(0.025))


def inverted(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float]:
    """The ratios where statsmodels' score statistic is +Z (low) and -Z (high), by brentq."""

    def stat(log_ratio: float, target: float) -> float:
        value = math.exp(log_ratio)
        res = score_test_proportions_2indep(x1, n1, x0, n0, value=value, compare="ratio")
        return float(res.statistic) - target

    centre = math.log((x1 / n1) / (x0 / n0)) if x1 and x0 else 0.0
    low = 0.0 if x1 == 0 else math.exp(optimize.brentq(stat, centre - 30, centre, args=(Z,), xtol=1e-14))  # fmt: skip
    high = math.exp(optimize.brentq(stat, centre, centre + 30, args=(-Z,), xtol=1e-14))
    return low, high


# (x1, n1, x0, n0): group then reference group; small, large, lopsided, a zero in the group,
# every trial an event in the group
RATIO = [
    (10, 30, 5, 35),
    (120, 400, 80, 410),
    (0, 40, 3, 50),
    (7, 7, 2, 9),
    (1, 3, 40, 1000),
    (300, 5000, 50, 20000),
    (40, 40, 3, 50),
    (2, 1500, 9, 2100),
    (38, 38, 327, 327 + 12),
]
WILSON = [(0, 10), (3, 10), (10, 10), (1, 2000), (450, 1000), (17, 23)]


def main() -> None:
    out: dict[str, object] = {"ratio": [], "wilson": []}
    for x1, n1, x0, n0 in RATIO:
        sm_low, sm_high = confint_proportions_2indep(x1, n1, x0, n0, method="score", compare="ratio")  # fmt: skip
        low, high = inverted(x1, n1, x0, n0)
        wrong = not (math.isclose(low, sm_low, rel_tol=1e-8, abs_tol=1e-12) and math.isclose(high, sm_high, rel_tol=1e-8))  # fmt: skip
        out["ratio"].append({"x1": x1, "n1": n1, "x0": x0, "n0": n0, "low": low, "high": high, "sm_low": float(sm_low), "sm_high": float(sm_high), "cubic_root_wrong": wrong})  # type: ignore[attr-defined]  # fmt: skip
    for x, n in WILSON:
        low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
        out["wilson"].append({"x": x, "n": n, "low": float(low), "high": float(high)})  # type: ignore[attr-defined]
    path = Path(__file__).with_name("rates_golden.json")
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
