"""Testing the indicators of a run: each agency against the spread of agencies, false
discoveries over all of them, and the agency's concern.

`indicators.py` and `ice.py` compute each indicator across the agencies as a `_Raw` (estimates,
standard errors, what each says); `assess` fits the between-agency spread (random effects, one
fit per stratum), gives each agency its z, p and shrunken estimate, an exact within-agency
comparison where too few agencies can be assessed (`_within`), weighted Benjamini-Hochberg
q-values over every indicator of the run, and the explanations; `merge` makes one entry of an
indicator's level and its change at activation (`CHANGE`); `concern` sums an agency up.
References are in `indicators.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from transferwatch.analytics.estimators import empty_margin, fisher_exact_odds_ratio
from transferwatch.analytics.fdr import (
    dersimonian_laird,
    excess_z,
    robust_random_effects,
    shrink,
    weighted_bh_qvalues,
)

FloatArray = npt.NDArray[np.float64]
GROUPS = {
    "minor_offense_shift": "hispanic",
    "non_priority_transfers": "all",
    "dismissal_disparity": "hispanic",
    "population_benchmark": "hispanic",
    "lep_minor_offense": "lep",
}
# The comparison behind the level of an indicator that also has a change at activation (one
# entry per stratum, see `_Raw.stratum`); the change's test is named with `CHANGE` and labelled
# `AT_ACTIVATION`
COMPARISONS = {
    "minor_offense_shift": ("odds ratio after activation",),
    "lep_minor_offense": ("odds ratio over the period",),
}
CHANGE = ":change"  # suffix of the change-at-activation test of an indicator (merged away)
LEVEL, AT_ACTIVATION = "level against other agencies", "change at activation"
# the level of an agency judged within itself, where too few agencies give a usual spread
WITHIN, LEVEL_WITHIN = "odds ratio within the agency", "level within the agency"
MIN_PEERS = 3
# False-discovery level of a flag (method version 4; 0.05 before). A flag opens a monitoring
# allegation for an analyst to triage, not a finding; the issue's own tolerance is 1% of clean
# agencies flagged, and at 0.05 the synthetic runs used 0.15% of it (docs/methods.md section 5).
Q_SIGNIFICANT = 0.10
Q_WATCH = 0.25
Z95 = 1.959963984540054
WEAK = frozenset({"population_benchmark"})  # reported, never enough alone to flag
# Weight of a WEAK indicator's tests in the weighted Benjamini-Hochberg family (the others share
# the rest so that the weights average 1): it cannot flag, so it gets a fifth of a full share of
# the false-discovery budget. Fixed before looking at any data (docs/methods.md section 3).
WEAK_WEIGHT = 0.2


@dataclass(frozen=True)
class Indicator:
    """One indicator for one agency (`estimate` None when it cannot be assessed)."""

    name: str
    group: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    q_value: float | None
    n: int
    flagged: bool
    explanation: str
    # which comparison gave the estimate, where an indicator has more than one (`COMPARISONS`):
    # estimates of different comparisons are on different scales and are not plotted together
    comparison: str = ""


@dataclass
class _Raw:
    """An indicator across agencies before testing."""

    y: FloatArray
    se: FloatArray
    n: npt.NDArray[np.int64]
    ok: npt.NDArray[np.bool_]
    why: list[str]  # reason when not ok
    says: list[str]  # plain-language description when ok
    stratum: npt.NDArray[np.int64]  # estimates of different kinds get separate spreads
    # stratum -> (y, se) of the agencies whose spread a stratum is judged against, where that is
    # not the stratum's own agencies
    fit_on: dict[int, tuple[FloatArray, FloatArray]] = field(default_factory=dict)
    group: str = "all"  # for an indicator not in `GROUPS`
    label: str = ""  # the comparison, for an indicator not in `COMPARISONS`
    # the spread by `robust_random_effects` setting aside agencies beyond this |z| of a first
    # high-breakdown fit; None: plain `dersimonian_laird` over all of them
    cut: float | None = 3.0
    # the comparison within the agency used when too few agencies are assessable to know the
    # usual spread (`_within`): rows of (x1, n1, x0, n0), group 1 against the stated reference
    # group, and (what is counted, group 1, reference group); None: no such comparison
    within: FloatArray | None = None
    within_label: tuple[str, str, str] = ("", "", "")
    # agency -> exact 95% interval of its within-agency estimate (set by `_within`)
    exact: dict[int, tuple[float, float]] = field(default_factory=dict)


def _agencies(n: int) -> str:
    return f"{n} agenc{'y' if n == 1 else 'ies'}"


def _pct(x: float) -> str:
    """A share as a whole percentage; under 1% (but not none) with one decimal, so that 1 of
    123 reads 0.8%, not 0% beside an estimate that is not zero."""
    return f"{100 * x:.1f}%" if 0 < 100 * x < 0.95 else f"{100 * x:.0f}%"


def _within(raw: _Raw, within: FloatArray, sel: npt.NDArray[np.bool_], assessable: int, p: FloatArray) -> None:  # fmt: skip
    """Agencies `sel` of a stratum with too few agencies to know the usual spread: each is
    judged against the reference group within itself (`_Raw.within`) by Fisher's exact test
    (one-sided, direction of concern), with the conditional maximum-likelihood log odds ratio
    and its exact 95% interval (`fisher_exact_odds_ratio`). The p-value joins the run's
    false-discovery control like any other; an agency whose table has an empty margin, or a
    comparison with no such table, gets no estimate.
    """
    event, one, other = raw.within_label
    for j in np.flatnonzero(sel).tolist():
        x1, n1, x0, n0 = (float(v) for v in within[j])
        if empty_margin(x1, n1, x0, n0):
            raw.ok[j] = False
            raw.why[j] = (
                f"no peer comparison: {_agencies(assessable)}, and no {event} in one of the "
                f"groups to compare within the agency ({x1:.0f} of {n1:.0f} for {one}, "
                f"{x0:.0f} of {n0:.0f} for {other})"
            )
            continue
        est, low, high, p[j] = fisher_exact_odds_ratio(x1, n1, x0, n0)
        raw.y[j], raw.exact[j] = est, (low, high)
        interval = (
            f"exact 95% interval {low:+.3f} to {high:+.3f}"
            if np.isfinite(est)
            else "the odds ratio is unbounded (no case or only cases in one group), exact 95% "
            + (f"lower bound {low:+.3f}" if np.isfinite(low) else f"upper bound {high:+.3f}")
        )
        raw.says[j] = (
            f"no peer comparison: {_agencies(assessable)}; within the agency, {event}: "
            f"{x1:.0f} of {n1:.0f} for {one} ({_pct(x1 / n1)}) against {x0:.0f} of {n0:.0f} for "
            f"{other} ({_pct(x0 / n0)}), the reference (the estimate is the conditional "
            f"maximum-likelihood log odds ratio, {interval}; Fisher's exact test, one-sided)"
        )


def _empty(k: int) -> _Raw:
    return _Raw(
        y=np.full(k, np.nan), se=np.full(k, np.nan), n=np.zeros(k, dtype=np.int64),
        ok=np.zeros(k, dtype=bool), why=[""] * k, says=[""] * k,
        stratum=np.zeros(k, dtype=np.int64),
    )  # fmt: skip


def assess(raws: dict[str, _Raw], oris: Sequence[str]) -> dict[str, list[Indicator]]:
    """Test every indicator of `raws` against the random-effects spread of the agencies
    (`robust_random_effects` with the raw's `cut`, or `dersimonian_laird` where it is None;
    one fit per stratum), with weighted Benjamini-Hochberg q-values
    over all of them (`WEAK` indicators with `WEAK_WEIGHT`).

    Parameters
    ----------
    raws : indicator name -> its estimates across the agencies `oris`.
    oris : the agencies, in the order of every array of `raws`.

    Returns
    -------
    dict
        ORI -> one `Indicator` per entry of `raws`, in their order.
    """
    k = len(oris)
    tested: dict[
        str, tuple[FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]
    ] = {}
    for name, raw in raws.items():
        p = np.full(k, np.nan)
        shrunk = np.full(k, np.nan)
        half = np.full(k, np.nan)
        mu = np.zeros(k)
        flat = np.zeros(k, dtype=bool)  # tau^2 estimated as zero: no shrinking to the mean
        for stratum in np.unique(raw.stratum[raw.ok]).tolist():
            sel = raw.ok & (raw.stratum == stratum)
            fit_y, fit_se = raw.fit_on.get(stratum, (raw.y[sel], raw.se[sel]))
            if len(fit_y) >= MIN_PEERS:
                fit = (
                    dersimonian_laird(fit_y, fit_se)
                    if raw.cut is None
                    else robust_random_effects(fit_y, fit_se, raw.cut)
                )
                p[sel] = excess_z(raw.y[sel], raw.se[sel], fit)[1]
                shrunk[sel] = shrink(raw.y[sel], raw.se[sel], fit)[0]
                half[sel] = Z95 * np.sqrt(raw.se[sel] ** 2 + fit.tau2)
                mu[sel] = fit.mu
                flat[sel] = fit.tau2 <= 0
            elif raw.within is not None:
                _within(raw, raw.within, sel, int(raw.ok.sum()), p)
            else:
                for j in np.flatnonzero(sel).tolist():
                    raw.why[j] = "too few agencies can be assessed to know the usual spread"
                raw.ok[sel] = False
        tested[name] = (p, shrunk, half, mu, flat)
    names = list(raws)
    stacked = np.concatenate([tested[name][0] for name in names])
    weights = np.concatenate([np.full(k, WEAK_WEIGHT if n in WEAK else 1.0) for n in names])
    q_all = weighted_bh_qvalues(stacked, weights).reshape(len(names), k)
    out: dict[str, list[Indicator]] = {o: [] for o in oris}
    for j, name in enumerate(names):
        raw = raws[name]
        p, shrunk, half, mu, flat = tested[name]
        group = GROUPS.get(name.split(":")[0], raw.group)
        for i, ori in enumerate(oris):
            if not raw.ok[i]:
                out[ori].append(
                    Indicator(
                        name, group, None, None, None, None, None, int(raw.n[i]), False, raw.why[i]
                    )
                )
                continue
            q = float(q_all[j, i])
            flagged = name not in WEAK and q <= Q_SIGNIFICANT
            if i in raw.exact:
                finite = bool(np.isfinite(raw.y[i]))
                low, high = raw.exact[i]
                out[ori].append(
                    Indicator(
                        name=name,
                        group=group,
                        estimate=round(float(raw.y[i]), 6) if finite else None,
                        ci_low=round(low, 6) if finite else None,
                        ci_high=round(high, 6) if finite else None,
                        p_value=float(p[i]),
                        q_value=q,
                        n=int(raw.n[i]),
                        flagged=flagged,
                        explanation=(
                            f"{raw.says[i]}; "
                            + ("well above" if q <= Q_SIGNIFICANT else "not clearly above")
                            + " the reference group within the agency"
                        ),
                        comparison=WITHIN,
                    )
                )
                continue
            verdict = (
                "well above the usual spread of agencies"
                if q <= Q_SIGNIFICANT
                else "within the usual spread of agencies"
            )
            own = (
                f"no detectable between-agency spread, so this agency's own estimate stands: "
                f"{raw.y[i]:+.3f}, 95% interval {raw.y[i] - half[i]:+.3f} to {raw.y[i] + half[i]:+.3f}"
                if flat[i]
                else f"allowing for chance, this agency's own value is most likely {shrunk[i]:+.3f}"
            )
            out[ori].append(
                Indicator(
                    name=name,
                    group=group,
                    estimate=round(float(raw.y[i]), 6),
                    ci_low=round(float(raw.y[i] - half[i]), 6),
                    ci_high=round(float(raw.y[i] + half[i]), 6),
                    p_value=float(p[i]),
                    q_value=q,
                    n=int(raw.n[i]),
                    flagged=flagged,
                    explanation=(f"{raw.says[i]}; {verdict} (typical value {mu[i]:+.3f}; {own})"),
                    comparison=COMPARISONS[name][raw.stratum[i]]
                    if name in COMPARISONS
                    else raw.label,
                )
            )
    return out


def _q(ind: Indicator) -> str:
    return f"q = {ind.q_value:.3f}" if ind.q_value is not None else "not tested"


def merge(indicators: list[Indicator]) -> list[Indicator]:
    """One entry per indicator name: the level and its change at activation (`CHANGE`) together.

    Both tests are in the run's false-discovery family (`assess`); the entry reports the level,
    or the change when only the change is flagged (or only the change could be measured); it is
    flagged when either is; its explanation gives both, with their q-values, and says which
    flagged (CONTRACTS.md section 3 allows one entry that says so).
    """
    changes = {i.name[: -len(CHANGE)]: i for i in indicators if i.name.endswith(CHANGE)}
    out = []
    for ind in indicators:
        if ind.name.endswith(CHANGE):
            continue
        c = changes.get(ind.name)
        if c is None or (ind.estimate is None and c.estimate is None):
            out.append(ind)
            continue
        lvl = LEVEL_WITHIN if ind.comparison == WITHIN else LEVEL
        level = f"{lvl}: {ind.explanation}" + (f" ({_q(ind)})" if ind.estimate is not None else "")  # fmt: skip
        at = f"{AT_ACTIVATION}: {c.explanation}" + (f" ({_q(c)})" if c.estimate is not None else "")  # fmt: skip
        which = [w for w, i in ((lvl, ind), (AT_ACTIVATION, c)) if i.flagged]
        verdict = f"flagged on the {' and the '.join(which)}" if which else "not flagged"
        shown = c if c.flagged and not ind.flagged else ind
        if shown.estimate is None:
            shown = c
        out.append(
            replace(
                shown,
                name=ind.name,
                flagged=bool(which),
                explanation=f"{verdict}. {level}. {at}",
            )
        )
    return out


def concern(indicators: Sequence[Indicator]) -> str:
    """``significant`` when any indicator is flagged; ``watch`` when one is close (q <=
    `Q_WATCH`, or the weak population benchmark at q <= `Q_SIGNIFICANT`); else ``none``."""
    if any(i.flagged for i in indicators):
        return "significant"
    for ind in indicators:
        if ind.q_value is not None and ind.q_value <= (
            Q_SIGNIFICANT if ind.name in WEAK else Q_WATCH
        ):
            return "watch"
    return "none"
