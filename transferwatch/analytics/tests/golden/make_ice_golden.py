"""Compute the golden values of test_ice.py with scipy and statsmodels.

Run from the repository root:  .venv/bin/python transferwatch/analytics/tests/golden/make_ice_golden.py
It rewrites ice_golden.json beside this script. Nothing here imports transferwatch: each number
comes from the reference libraries.

- empirical logit (the level of a share): the intercept of a binomial GLM on the counts with
  0.5 added to both cells, and its Wald standard error;
- change at activation: the log odds ratio after against before with 0.5 added to every cell
  (statsmodels ``Table2x2``);
- the whole test of one indicator over eight agencies activated inside the period (fewer than
  ten: DerSimonian-Laird without a trimming step), level and change each with its own
  random-effects fit (statsmodels ``combine_effects``, method ``dl``), one-sided p-values
  (scipy), shrunken estimates (Efron-Morris posterior mean), and Benjamini-Hochberg q-values
  over the sixteen tests (statsmodels ``multipletests``; every weight 1).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import statsmodels.api as sm  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]
from statsmodels.stats.contingency_tables import Table2x2  # type: ignore[import-untyped]
from statsmodels.stats.meta_analysis import combine_effects  # type: ignore[import-untyped]
from statsmodels.stats.multitest import multipletests  # type: ignore[import-untyped]

# (events, total) for the empirical logit
SHARES = [(0, 31), (14, 312), (150, 300), (299, 300), (57, 80)]
# per agency: events and requests with the fact known, before then after activation; and the
# requests without the fact
AGENCIES = [
    (40, 100, 45, 110, 5),
    (30, 90, 70, 100, 0),
    (60, 120, 58, 130, 12),
    (25, 80, 30, 75, 3),
    (50, 150, 52, 140, 9),
    (45, 95, 90, 120, 4),
    (33, 60, 35, 70, 1),
    (70, 200, 72, 190, 20),
]


def logit(x: int, n: int) -> tuple[float, float]:
    a, b = x + 0.5, n - x + 0.5
    with warnings.catch_warnings():  # one observation: no residual df for a scale (fixed at 1)
        warnings.simplefilter("ignore")
        fit = sm.GLM(
        np.array([a / (a + b)]), np.ones((1, 1)), family=sm.families.Binomial(),
            var_weights=np.array([a + b]),
        ).fit(method="newton", tol=1e-14, maxiter=200)  # fmt: skip
    return float(fit.params[0]), float(fit.bse[0])


def main() -> None:
    out: dict[str, object] = {}
    out["empirical_logit"] = [
        {"x": x, "n": n, "logit": logit(x, n)[0], "se": logit(x, n)[1]} for x, n in SHARES
    ]
    level = [logit(x0 + x1, n0 + n1) for x0, n0, x1, n1, _m in AGENCIES]
    change = []
    for x0, n0, x1, n1, _m in AGENCIES:
        t = Table2x2(np.array([[x1 + 0.5, n1 - x1 + 0.5], [x0 + 0.5, n0 - x0 + 0.5]]))
        change.append((float(t.log_oddsratio), float(t.log_oddsratio_se)))
    tests = {}
    p_all = []
    for name, values in (("level", level), ("change", change)):
        y = np.array([v[0] for v in values])
        se = np.array([v[1] for v in values])
        res = combine_effects(y, se**2, method_re="dl")
        mu, tau2 = float(res.mean_effect_re), float(res.tau2)
        z = (y - mu) / np.sqrt(se**2 + tau2)
        b = tau2 / (tau2 + se**2)
        tests[name] = {
            "y": y.tolist(), "se": se.tolist(), "mu": mu, "tau2": tau2,
            "p": stats.norm.sf(z).tolist(), "shrunk": (mu + b * (y - mu)).tolist(),
        }  # fmt: skip
        p_all.extend(stats.norm.sf(z).tolist())
    q = multipletests(p_all, method="fdr_bh")[1]
    tests["level"]["q"] = q[: len(AGENCIES)].tolist()
    tests["change"]["q"] = q[len(AGENCIES) :].tolist()
    out["agencies"] = AGENCIES
    out["tests"] = tests
    path = Path(__file__).with_name("ice_golden.json")
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
