"""Compute the golden values of test_fdr.py and test_indicators.py with scipy and statsmodels.

Run from the repository root:  .venv/bin/python transferwatch/analytics/tests/golden/make_monitor_golden.py
It rewrites monitor_golden.json beside this script. Nothing here imports transferwatch: the
numbers come from the reference libraries (or, for the difference in differences, from the
textbook formula written out independently).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import statsmodels.api as sm  # type: ignore[import-untyped]
from scipy import optimize, stats  # type: ignore[import-untyped]
from statsmodels.stats.contingency_tables import (  # type: ignore[import-untyped]
    StratifiedTable,
    Table2x2,
)
from statsmodels.stats.meta_analysis import combine_effects  # type: ignore[import-untyped]
from statsmodels.stats.multitest import multipletests  # type: ignore[import-untyped]

P = [0.0001, 0.004, 0.019, 0.03, 0.2, 0.5, 0.51, 0.9, 0.045, 0.0008]
Y = [0.12, 0.55, 0.31, 0.92, -0.2, 0.05, 0.4, 0.18]
SE = [0.2, 0.14, 0.22, 0.18, 0.3, 0.1, 0.25, 0.12]
# (events, total) in group 1 then group 0, for log odds ratios with the 0.5 correction
PAIRS = [(10, 30, 5, 35), (0, 40, 3, 50), (120, 400, 80, 410), (7, 7, 2, 9)]
# difference in differences: agency before (x, n), after (x, n); peers before, after
DID = [(30, 150, 70, 160, 900, 4000, 880, 4100), (12, 80, 14, 90, 500, 2000, 600, 2100)]
# rate-ratio triple difference: group before, after; comparison before, after (0.5 added)
RATES = [(20, 75, 310, 640), (0, 12, 40, 35), (150, 160, 900, 1010)]
# Mantel-Haenszel: strata of (agency events, agency non-events, peer events, peer non-events)
STRATA = [
    [(3, 40, 200, 4000), (12, 30, 900, 2100), (9, 2, 500, 120), (0, 0, 80, 20)],
    [(1, 60, 50, 6000), (0, 25, 300, 2500), (30, 5, 2000, 900)],
    [(5, 5, 40, 60), (8, 2, 70, 30)],
]
# exact conditional odds ratio (few agencies: within-agency comparison), (x1, n1, x0, n0)
EXACT = [(10, 30, 5, 35), (120, 400, 80, 410), (0, 40, 3, 50), (7, 7, 2, 9), (60, 420, 35, 450), (30, 200, 41, 260)]  # fmt: skip
# level and change at activation (method version 8), one agency per row: Hispanic minor-offence
# arrests and all Hispanic arrests before activation, the same after, then the same for
# non-Hispanic people; row 0 raised throughout the period, row 1 raised at activation
LEVEL_CHANGE = [
    (70, 150, 75, 160, 40, 300, 42, 300), (12, 150, 40, 150, 40, 300, 40, 300),
    (24, 160, 25, 150, 38, 310, 42, 290), (30, 170, 27, 140, 45, 280, 41, 300),
    (22, 150, 24, 155, 35, 300, 37, 320), (28, 140, 30, 160, 50, 330, 44, 300),
    (20, 150, 19, 140, 33, 290, 36, 310), (26, 160, 31, 170, 44, 300, 47, 300),
    (35, 150, 33, 150, 40, 300, 36, 280), (18, 140, 22, 160, 41, 300, 45, 310),
    (25, 150, 20, 130, 30, 260, 33, 280), (31, 180, 36, 175, 48, 320, 50, 330),
    (21, 130, 23, 145, 39, 300, 38, 290), (27, 155, 26, 150, 42, 305, 43, 300),
]  # fmt: skip
# weighted Benjamini-Hochberg: p-values and weights (rescaled to average 1)
WBH_P = [0.0001, 0.004, 0.019, 0.03, 0.2, 0.5, 0.51, 0.9, 0.045, 0.0008, 0.002, 0.3]
WBH_W = [1, 1, 1, 0.2, 0.2, 1, 1, 0.2, 1, 0.2, 0.2, 1]


def main() -> None:
    out: dict[str, object] = {}
    out["bh"] = {"p": P, "q": multipletests(P, method="fdr_bh")[1].tolist()}
    out["bh_scipy"] = stats.false_discovery_control(P, method="bh").tolist()
    y, se = np.array(Y), np.array(SE)
    res = combine_effects(y, se**2, method_re="dl")
    out["dl"] = {"y": Y, "se": SE, "mu": float(res.mean_effect_re), "tau2": float(res.tau2)}
    z = (y - res.mean_effect_re) / np.sqrt(se**2 + res.tau2)
    out["dl"]["z"] = z.tolist()  # type: ignore[index]
    out["dl"]["p"] = stats.norm.sf(z).tolist()  # type: ignore[index]
    mu = float(np.median(y))
    target = stats.chi2.ppf(0.5, 1)
    tau2 = optimize.brentq(
        lambda t: float(np.median((y - mu) ** 2 / (se**2 + t))) - target, 0.0, 10.0, xtol=1e-14
    )
    out["median_re"] = {"mu": mu, "tau2": tau2}
    lor = []
    for x1, n1, x0, n0 in PAIRS:
        t = Table2x2(np.array([[x1 + 0.5, n1 - x1 + 0.5], [x0 + 0.5, n0 - x0 + 0.5]]))
        lor.append(
            {"counts": [x1, n1, x0, n0], "log_or": t.log_oddsratio, "se": t.log_oddsratio_se}
        )
    out["log_odds_ratio"] = lor
    did = []
    for a0x, a0n, a1x, a1n, p0x, p0n, p1x, p1n in DID:
        props = [a0x / a0n, a1x / a1n, p0x / p0n, p1x / p1n]
        ns = [a0n, a1n, p0n, p1n]
        est = (props[1] - props[0]) - (props[3] - props[2])
        var = sum(p * (1 - p) / n for p, n in zip(props, ns, strict=True))
        did.append(
            {"counts": [a0x, a0n, a1x, a1n, p0x, p0n, p1x, p1n], "estimate": est, "se": var**0.5}
        )
    out["did"] = did
    rates = []
    for x0, x1, w0, w1 in RATES:
        # saturated Poisson log-linear model; the group x period interaction is the estimate
        counts = np.array([x0, x1, w0, w1], dtype=float) + 0.5
        design = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 1]], dtype=float)
        with warnings.catch_warnings():  # saturated: zero residual df, expected
            warnings.simplefilter("ignore")
            fit = sm.GLM(counts, design, family=sm.families.Poisson()).fit(tol=1e-15, maxiter=500)
        rates.append(
            {"counts": [x0, x1, w0, w1], "estimate": -float(fit.params[3]), "se": float(fit.bse[3])}
        )
    out["rate_ratio_change"] = rates
    mh = []
    for strata in STRATA:
        tables = np.array([[[a, b], [c, d]] for a, b, c, d in strata], dtype=float)
        st = StratifiedTable(tables.transpose(1, 2, 0))  # 2 x 2 x strata
        mh.append(
            {
                "strata": strata,
                "log_or": float(st.logodds_pooled),
                "se": float(st.logodds_pooled_se),
            }
        )
    out["mantel_haenszel"] = mh
    w = np.array(WBH_W, dtype=float)
    w = w / w.mean()
    scaled = np.array(WBH_P) / w
    out["weighted_bh"] = {
        "p": WBH_P,
        "w": WBH_W,
        # Genovese, Roeder and Wasserman (2006): BH on p / w (statsmodels caps the product at 1)
        "q": multipletests(np.minimum(scaled, 1.0), method="fdr_bh")[1].tolist(),
    }
    out["exact_or"] = []
    for a, b, c, d in EXACT:
        table = [[a, b - a], [c, d - c]]
        res = stats.contingency.odds_ratio(table, kind="conditional")
        ci = res.confidence_interval(confidence_level=0.95)
        with np.errstate(divide="ignore"):
            logs = [float(np.log(v)) for v in (res.statistic, ci.low, ci.high)]
        out["exact_or"].append(  # type: ignore[attr-defined]
            {
                "counts": [a, b, c, d],
                # JSON has no infinity: an unbounded end is null
                "log_or": [v if np.isfinite(v) else None for v in logs],
                "p_greater": float(stats.fisher_exact(table, alternative="greater")[1]),
            }
        )
    out["level_change"] = _level_change()
    path = Path(__file__).with_name("monitor_golden.json")
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


def _robust(y: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    """The median fit (mu the median, tau^2 solving median z^2 = the chi2(1) median), |z| > 3 set
    aside, then DerSimonian-Laird (statsmodels) on the rest; a tau^2 below 0 is 0."""
    mu = float(np.median(y))
    target = stats.chi2.ppf(0.5, 1)

    def excess(t: float) -> float:
        return float(np.median((y - mu) ** 2 / (se**2 + t)) - target)

    t0 = 0.0 if excess(0.0) <= 0 else optimize.brentq(excess, 0.0, 100.0, xtol=1e-14)
    keep = np.abs((y - mu) / np.sqrt(se**2 + t0)) <= 3.0
    res = combine_effects(y[keep], se[keep] ** 2, method_re="dl")
    if res.tau2 <= 0:  # statsmodels leaves a negative moment estimate: tau^2 is 0, the fixed mean
        return float(res.mean_effect_fe), 0.0
    return float(res.mean_effect_re), float(res.tau2)


def _level_change() -> dict[str, object]:
    """Both tests of `minor_offense_shift` for 14 agencies activated inside the period: the level
    (log odds ratio after activation, Table2x2 with 0.5 added), the change (the interaction of a
    saturated Poisson GLM on the counts + 0.5), each against its own robust random-effects fit,
    one-sided p-values, and Benjamini-Hochberg q-values over all 28 tests in one family."""
    out: dict[str, object] = {"agencies": LEVEL_CHANGE}
    rows = np.array(LEVEL_CHANGE, dtype=float)
    ps = []
    for key in ("level", "change"):
        ys, ses = [], []
        for hx0, _hn0, hx1, hn1, nx0, _nn0, nx1, nn1 in rows:
            if key == "level":
                t = Table2x2(np.array([[hx1 + 0.5, hn1 - hx1 + 0.5], [nx1 + 0.5, nn1 - nx1 + 0.5]]))
                ys.append(float(t.log_oddsratio))
                ses.append(float(t.log_oddsratio_se))
                continue
            counts = np.array([hx0, hx1, nx0, nx1]) + 0.5
            design = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 1]], dtype=float)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = sm.GLM(counts, design, family=sm.families.Poisson()).fit(
                    tol=1e-15, maxiter=500
                )
            ys.append(-float(fit.params[3]))
            ses.append(float(fit.bse[3]))
        y, se = np.array(ys), np.array(ses)
        mu, tau2 = _robust(y, se)
        p = stats.norm.sf((y - mu) / np.sqrt(se**2 + tau2))
        ps.append(p)
        out[key] = {"y": y.tolist(), "se": se.tolist(), "mu": mu, "tau2": tau2, "p": p.tolist()}
    q = multipletests(np.concatenate(ps), method="fdr_bh")[1]
    out["level"]["q"] = q[: len(rows)].tolist()  # type: ignore[index]
    out["change"]["q"] = q[len(rows) :].tolist()  # type: ignore[index]
    return out


if __name__ == "__main__":
    main()
