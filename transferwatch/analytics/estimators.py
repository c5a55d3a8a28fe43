"""Effect sizes of the monitoring indicators and their standard errors (vectorised over agencies).

Each is checked against statsmodels in `tests/golden/make_monitor_golden.py`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln, logsumexp  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def empty_margin(x1: npt.ArrayLike, n1: npt.ArrayLike, x0: npt.ArrayLike, n0: npt.ArrayLike) -> BoolArray:  # fmt: skip
    """Where the 2x2 table of `x1` of `n1` against `x0` of `n0` has an empty margin.

    No events in either group (``x1 + x0 == 0``), only events in both, or an empty group: the
    odds ratio is not defined by the data, and a continuity correction would make one up (0 of
    38 against 0 of 327 gives log((0.5/38.5) / (0.5/327.5)) = 2.14 with `log_odds_ratio`). The
    same test serves the count contrast of `log_rate_ratio_change` as
    ``empty_margin(x1, x0 + x1, w1, w0 + w1)``: no events of one group in either period, or of
    either group in one period.
    """
    a, n = np.asarray(x1, dtype=np.float64), np.asarray(n1, dtype=np.float64)
    c, m = np.asarray(x0, dtype=np.float64), np.asarray(n0, dtype=np.float64)
    return np.asarray((n <= 0) | (m <= 0) | (a + c <= 0) | (n - a + m - c <= 0), dtype=np.bool_)


def mantel_haenszel_empty(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike) -> BoolArray:  # fmt: skip
    """Where `mantel_haenszel` has nothing to pool: over the strata (last axis) in which both
    rows have records, no events at all, or no non-events at all (or no such stratum).

    A stratum only one row has contributes nothing to the Mantel-Haenszel sums; in the others, a
    margin that is empty in every one of them leaves the common odds ratio undefined, and the
    0.5 correction would invent it.
    """
    av, bv = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    cv, dv = np.asarray(c, dtype=np.float64), np.asarray(d, dtype=np.float64)
    shared = ((av + bv) > 0) & ((cv + dv) > 0)
    events = np.where(shared, av + cv, 0.0).sum(axis=-1)
    others = np.where(shared, bv + dv, 0.0).sum(axis=-1)
    return np.asarray((events <= 0) | (others <= 0), dtype=np.bool_)


def log_odds_ratio(x1: npt.ArrayLike, n1: npt.ArrayLike, x0: npt.ArrayLike, n0: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """Log odds ratio of `x1` of `n1` against `x0` of `n0`, and its standard error.

    Uses the Haldane-Anscombe correction (0.5 added to every cell) and Woolf's standard error
    ``sqrt(1/a + 1/b + 1/c + 1/d)``. Where no group has an event (or every record is one) the
    result is made up by the correction: callers give no estimate there (`empty_margin`).

    References
    ----------
    Woolf, B. (1955). "On estimating the relation between blood group and disease." Annals of
    Human Genetics 19, 251-253. Agresti, A. (2013). Categorical Data Analysis, 3rd ed., s. 3.1.
    """
    a = np.asarray(x1, dtype=np.float64) + 0.5
    b = np.asarray(n1, dtype=np.float64) - a + 1.0
    c = np.asarray(x0, dtype=np.float64) + 0.5
    d = np.asarray(n0, dtype=np.float64) - c + 1.0
    return np.log(a / b) - np.log(c / d), np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)


def did_proportions(
    own: tuple[float, float, float, float], peers: tuple[float, float, float, float]
) -> tuple[float, float]:
    """Difference in differences of two proportions, and its standard error.

    Parameters
    ----------
    own : (events before, total before, events after, total after) at the agency.
    peers : the same at its peers over the same calendar quarters.

    Returns
    -------
    (estimate, se)
        ``(p_after - p_before) - (q_after - q_before)`` and the square root of the sum of the
        four binomial variances ``p (1 - p) / n`` (independent samples).

    References
    ----------
    Angrist, J. D. and Pischke, J.-S. (2009). Mostly Harmless Econometrics, ch. 5.2.
    """
    props = [own[1] and own[0] / own[1], own[3] and own[2] / own[3]]
    props += [peers[1] and peers[0] / peers[1], peers[3] and peers[2] / peers[3]]
    totals = [own[1], own[3], peers[1], peers[3]]
    if min(totals) <= 0:
        raise ValueError("every total must be positive")
    estimate = (props[1] - props[0]) - (props[3] - props[2])
    var = sum(p * (1 - p) / n for p, n in zip(props, totals, strict=True))
    return float(estimate), float(np.sqrt(var))


def mantel_haenszel(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """Mantel-Haenszel log odds ratio over strata (last axis) and its standard error.

    Each stratum is the 2x2 table ``[[a, b], [c, d]]`` (rows: the agency and its peers; columns:
    events and non-events). The estimate is ``log(sum(a d / n) / sum(b c / n))``; the variance is
    Robins, Breslow and Greenland's (1986), valid both for many small strata and for few large
    ones. Empty strata contribute nothing. Where ``sum(a d / n)`` or ``sum(b c / n)`` is zero
    (the agency has only events, or none, in every stratum it has) 0.5 is added to the four
    cells of each stratum in which the agency has records, as Haldane and Anscombe do for one
    table. Where there is nothing to pool at all (`mantel_haenszel_empty`) that too would be
    made up: callers give no estimate there.

    References
    ----------
    Mantel, N. and Haenszel, W. (1959). "Statistical aspects of the analysis of data from
    retrospective studies of disease." JNCI 22, 719-748. Robins, J., Breslow, N. and
    Greenland, S. (1986). "Estimators of the Mantel-Haenszel variance consistent in both sparse
    data and large-strata limiting models." Biometrics 42, 311-323.
    """
    av, bv = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    cv, dv = np.asarray(c, dtype=np.float64), np.asarray(d, dtype=np.float64)
    y, se, r_sum, s_sum = _mh(av, bv, cv, dv)
    bad = (r_sum <= 0) | (s_sum <= 0)
    if np.any(bad):
        half = np.where((av + bv) > 0, 0.5, 0.0)[bad]
        y2, se2, _r, _s = _mh(av[bad] + half, bv[bad] + half, cv[bad] + half, dv[bad] + half)
        y[bad], se[bad] = y2, se2
    return y, se


def _mh(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:  # fmt: skip
    n = a + b + c + d
    inv = np.divide(1.0, n, out=np.zeros_like(n), where=n > 0)
    r, s = a * d * inv, b * c * inv
    p, q = (a + d) * inv, (b + c) * inv
    r_sum, s_sum = r.sum(axis=-1), s.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(r_sum / s_sum)
        var = (
            (p * r).sum(axis=-1) / (2 * r_sum**2)
            + (p * s + q * r).sum(axis=-1) / (2 * r_sum * s_sum)
            + (q * s).sum(axis=-1) / (2 * s_sum**2)
        )
    return np.asarray(y), np.asarray(np.sqrt(var)), r_sum, s_sum


def log_rate_ratio_change(x0: npt.ArrayLike, x1: npt.ArrayLike, w0: npt.ArrayLike, w1: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """``log(x1 / x0) - log(w1 / w0)`` with 0.5 added to every count, and its standard error.

    The change of one group's count (`x0` before, `x1` after) against a comparison group's
    (`w0`, `w1`) over the same days: the log of the ratio of two Poisson rate ratios, with
    standard error ``sqrt(1/x0 + 1/x1 + 1/w0 + 1/w1)``. With no events of one group in either
    period, or of either group in one period, the result is made up by the correction (with
    ``x0 = x1 = 0`` it is the comparison group's trend alone): callers give no estimate there
    (`empty_margin`).
    """
    a, b = np.asarray(x0, dtype=np.float64) + 0.5, np.asarray(x1, dtype=np.float64) + 0.5
    c, d = np.asarray(w0, dtype=np.float64) + 0.5, np.asarray(w1, dtype=np.float64) + 0.5
    return np.log(b / a) - np.log(d / c), np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)


def empirical_logit(x: npt.ArrayLike, n: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Log odds of `x` events among `n`, with 0.5 added to both cells, and its standard error.

    ``log((x + 0.5) / (n - x + 0.5))`` with standard error ``sqrt(1/(x + 0.5) + 1/(n - x + 0.5))``:
    the intercept of a binomial logistic model on the corrected counts and its Wald standard error
    (checked against statsmodels ``GLM`` in `tests/golden/make_ice_golden.py`).

    References
    ----------
    Cox, D. R. and Snell, E. J. (1989). Analysis of Binary Data, 2nd ed., s. 2.1.6 (the empirical
    logistic transform). Agresti, A. (2013). Categorical Data Analysis, 3rd ed., s. 3.1.
    """
    a = np.asarray(x, dtype=np.float64) + 0.5
    b = np.asarray(n, dtype=np.float64) - np.asarray(x, dtype=np.float64) + 0.5
    return np.log(a / b), np.sqrt(1 / a + 1 / b)


def fisher_exact_odds_ratio(x1: float, n1: float, x0: float, n0: float) -> tuple[float, float, float, float]:  # fmt: skip
    """Exact conditional inference on the odds ratio of `x1` of `n1` against `x0` of `n0`.

    Given the table's margins, `x1` follows Fisher's noncentral hypergeometric distribution
    with the odds ratio as parameter. Returns, on the log scale, the conditional maximum
    likelihood estimate and the exact 95% interval (each tail 2.5%), and the one-sided p-value
    of Fisher's exact test (odds ratio above 1). An estimate or bound at the edge of the support
    is infinite. Checked against ``scipy.stats.contingency.odds_ratio(kind="conditional")`` and
    ``scipy.stats.fisher_exact`` in `tests/golden/make_monitor_golden.py`. For a table with an
    empty margin (`empty_margin`) there is no distribution: callers give no estimate.
    """
    a, b, c, d = round(x1), round(n1), round(x0), round(n0)
    m = a + c
    lo, hi = max(0, m - d), min(b, m)
    xs = np.arange(lo, hi + 1, dtype=np.float64)
    logw = (
        gammaln(b + 1) - gammaln(xs + 1) - gammaln(b - xs + 1)
        + gammaln(d + 1) - gammaln(m - xs + 1) - gammaln(d - m + xs + 1)
    )  # fmt: skip

    def pmf(t: float) -> FloatArray:
        v = logw + xs * t
        return np.asarray(np.exp(v - logsumexp(v)), dtype=np.float64)

    def solve(f: Callable[[float], float]) -> float:
        # imported here: scipy.optimize takes 0.3 s to import, and few runs come this way
        from scipy.optimize import brentq  # type: ignore[import-untyped]

        left, right = -1.0, 1.0
        while f(left) > 0:
            left *= 2
        while f(right) < 0:
            right *= 2
        return float(brentq(f, left, right, xtol=1e-12))

    upper_tail, lower_tail = xs >= a, xs <= a
    p = float(min(1.0, pmf(0.0)[upper_tail].sum()))
    est = -np.inf if a == lo else np.inf if a == hi else solve(lambda t: float(pmf(t) @ xs) - a)
    low = -np.inf if a == lo else solve(lambda t: float(pmf(t)[upper_tail].sum()) - 0.025)
    high = np.inf if a == hi else solve(lambda t: 0.025 - float(pmf(t)[lower_tail].sum()))
    return float(est), low, high, p
