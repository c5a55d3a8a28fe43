"""The bookings indicators of CONTRACTS.md section 3, for every agency of a run, and their test.

The indicators from ICE's own records are in `ice` and tested here with the others.

Each indicator gives one number per agency (`y`) with its sampling standard error (`se`). Real
agencies differ for reasons that are not misuse, so an agency is not tested against the pooled
average with binomial noise alone: a normal random-effects model (DerSimonian-Laird, with one
trimming step) is fitted across all assessable agencies, and the agency's z-score is
``(y - mu) / sqrt(se^2 + tau^2)`` - a funnel plot with over-dispersed limits. p-values are
one-sided (the direction of concern) and q-values come from weighted Benjamini-Hochberg over
every agency and indicator of the run (the weak population benchmark with a small weight).

References
----------
Ayres, I. (2002). "Outcome tests of racial disparities in police practices." Justice Research and
Policy 4(1), 131-142 (the outcome test behind `dismissal_disparity`).
Angrist, J. D. and Pischke, J.-S. (2009). Mostly Harmless Econometrics, ch. 5 (difference in
differences, `minor_offense_shift`).
Gardner, T. and Kohli, A. (2009). "The C.A.P. Effect", Warren Institute (the pattern sought).
DerSimonian, R. and Laird, N. (1986); Spiegelhalter, D. J. (2005) - see `fdr.dersimonian_laird`.
Efron, B. and Morris, C. (1975). "Data analysis using Stein's estimator and its
generalizations." JASA 70, 311-319 (empirical Bayes: judging a unit against the spread of units).
Benjamini, Y. and Hochberg, Y. (1995) - see `fdr.bh_qvalues`; Genovese, Roeder and Wasserman
(2006) - see `fdr.weighted_bh_qvalues`. Mantel and Haenszel (1959), Woolf (1955) - see `estimators`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import numpy.typing as npt

from transferwatch.analytics.aggregate import N_CELLS, AgencyInfo, Counts
from transferwatch.analytics.assess import (
    AT_ACTIVATION,
    CHANGE,
    MIN_PEERS,
    Indicator,
    _empty,
    _pct,
    _Raw,
    assess,
)
from transferwatch.analytics.estimators import (
    empty_margin,
    log_odds_ratio,
    log_rate_ratio_change,
    mantel_haenszel,
    mantel_haenszel_empty,
)

FloatArray = npt.NDArray[np.float64]
NAMES = (
    "minor_offense_shift",
    "non_priority_transfers",
    "dismissal_disparity",
    "population_benchmark",
    "lep_minor_offense",
)
MIN_RECORDS = 30  # per compared cell; fewer gives "too few records to assess"


class _Table:
    """Per-agency sums over the counts table."""

    def __init__(self, counts: Counts, oris: Sequence[str]) -> None:
        names = np.asarray(oris, dtype=str)
        order = np.argsort(names, kind="stable")
        # every ORI of the counts is one of `oris` (aggregate checks it)
        self.a = order[np.searchsorted(names[order], counts.ori)].astype(np.int64)
        self.k = len(oris)
        self.c = counts
        self.v = {name: v.astype(np.float64) for name, v in counts.values.items()}
        quarters = np.unique(counts.quarter)
        self.quarters = quarters
        self.qi = np.searchsorted(quarters, counts.quarter)

    def sum(self, column: str, mask: npt.NDArray[np.bool_] | None = None) -> FloatArray:
        v = self.v[column]
        if mask is None:
            return np.bincount(self.a, weights=v, minlength=self.k).astype(np.float64)
        return np.bincount(self.a, weights=v * mask, minlength=self.k).astype(np.float64)

    def _matrix(self, column: str, mask: npt.NDArray[np.bool_], j: npt.NDArray[np.int64], width: int) -> FloatArray:  # fmt: skip
        flat = self.a[mask] * width + j[mask]
        out = np.bincount(flat, weights=self.v[column][mask], minlength=self.k * width)
        return np.asarray(out, dtype=np.float64).reshape(self.k, width)

    def by_cell(self, column: str, mask: npt.NDArray[np.bool_]) -> FloatArray:
        """Agency x offence class (`aggregate.request_cell`, 1 to `N_CELLS`) matrix of sums."""
        return self._matrix(column, mask, self.c.cell - 1, N_CELLS)

    def by_quarter(self, column: str, mask: npt.NDArray[np.bool_]) -> FloatArray:
        """Agency x quarter matrix of sums."""
        return self._matrix(column, mask, self.qi, len(self.quarters))


def peer_groups(agencies: Sequence[AgencyInfo], bookings: FloatArray, years: float) -> list[str]:
    """Each agency's peer group: its `peer_group`, else state x size band, else state, else all.

    Size bands are bookings a year in the data: under 1,000; 1,000 to 5,000; 5,000 and more. A
    group needs `MIN_PEERS` other agencies with bookings, or the next broader one is used.
    """
    band = np.where(bookings / years < 1000, "small", np.where(bookings / years < 5000, "medium", "large"))  # fmt: skip
    candidates = [
        [
            f"peer:{a.peer_group}" if a.peer_group else "",
            f"{a.state}-{band[i]}",
            f"{a.state}",
            "all",
        ]
        for i, a in enumerate(agencies)
    ]
    sizes: dict[str, int] = {}
    for i, keys in enumerate(candidates):
        if bookings[i] > 0:
            for key in keys:
                sizes[key] = sizes.get(key, 0) + 1
    chosen = []
    for i, keys in enumerate(candidates):
        own = 1 if bookings[i] > 0 else 0
        chosen.append(next((k for k in keys if k and sizes.get(k, 0) - own >= MIN_PEERS), "all"))
    return chosen


def _peer_sum(values: FloatArray, groups: Sequence[str]) -> FloatArray:
    """For each agency, the sum of `values` (rows: agencies) over its peers, itself excluded."""
    keys = sorted(set(groups))
    gi = np.array([keys.index(g) for g in groups])
    total = np.zeros((len(keys), *values.shape[1:]))
    np.add.at(total, gi, values)
    return np.asarray(total[gi] - values, dtype=np.float64)


def _quarter(d: date) -> int:
    return d.year * 10 + (d.month - 1) // 3 + 1


def minor_offense_shift(t: _Table, agencies: Sequence[AgencyInfo], groups: Sequence[str], period: tuple[date, date]) -> tuple[_Raw, _Raw]:  # fmt: skip
    """The level and the change at activation of Hispanic people's minor-offence arrests.

    **Level** (every agency activated by the end of the period with at least `MIN_RECORDS`
    Hispanic and non-Hispanic arrests after activation): the log odds ratio of a minor-offence
    arrest, Hispanic against non-Hispanic people, over the arrests after activation (those that
    can feed transfers; docs/methods.md section 2 says why not the whole period). Extra
    pretextual arrests of one group multiply these odds by their factor, whether they began at
    activation or long before. It is judged against the spread of the same odds ratio at every
    agency with enough arrests after activation, which includes agencies' stable differences
    between the groups (`_Raw.fit_on`).

    **Change at activation** (an agency activated inside the period with enough records before
    and after; tested as ``minor_offense_shift:change``, `assess.CHANGE`): a triple difference,
    ``y = log(x_after / x_before) - log(w_after / w_before)`` (`log_rate_ratio_change`), where
    `x` counts minor-offence arrests of Hispanic people and `w` minor-offence arrests of
    everyone else at the same agency. Extra pretextual arrests after activation raise `x_after`
    by their factor; national and agency-wide trends in minor-offence enforcement, and the
    agency's stable share of Hispanic arrests, cancel. The random-effects spread of `y` across
    agencies is the comparison with peers. Before method version 2026.11-re-dl-bh-2 this was a
    difference in differences of the Hispanic minor-offence *share* against peers: the share
    dilutes extra arrests and peers add their own noise (recall 61% against 79% then, see
    docs/methods.md). The peers' change on the share scale is still given in the explanation.

    Until method version 8 an agency with an own past was tested on the change alone, and the
    level only where there was no past: a disparity high throughout the period, before and
    after activation, was not flagged. Both are tested now, each against its own spread, in
    the run's false-discovery family; `assess.merge` makes one entry of them.
    """
    hisp = t.c.eth == "H"
    other = t.c.eth == "N"
    n_pre, n_post = t.sum("bookings", hisp & ~t.c.post), t.sum("bookings", hisp & t.c.post)
    x_pre, x_post = t.sum("minor", hisp & ~t.c.post), t.sum("minor", hisp & t.c.post)
    w_pre, w_post = t.sum("minor", ~t.c.post) - x_pre, t.sum("minor", t.c.post) - x_post
    o_pre = t.sum("bookings", ~t.c.post) - n_pre
    o_post = t.sum("bookings", t.c.post) - n_post
    # after activation, Hispanic against non-Hispanic (unknown ethnicity left out)
    m_post, mw_post = t.sum("bookings", other & t.c.post), t.sum("minor", other & t.c.post)
    odds, odds_se = log_odds_ratio(x_post, n_post, mw_post, m_post)
    # where other minor-offence arrests are too few (agencies arresting almost only Hispanic
    # people), the comparison is the agency's Hispanic arrests for other offences
    thin = np.minimum(w_pre, w_post) < MIN_RECORDS
    w_pre, w_post = np.where(thin, n_pre - x_pre, w_pre), np.where(thin, n_post - x_post, w_post)
    y, se = log_rate_ratio_change(x_pre, x_post, w_pre, w_post)
    # no events on one side of a table: the 0.5 correction would make the estimate up
    void = empty_margin(x_post, x_pre + x_post, w_post, w_pre + w_post)
    void_odds = empty_margin(x_post, n_post, mw_post, m_post)
    qn = _peer_sum(t.by_quarter("bookings", hisp), groups)
    qx = _peer_sum(t.by_quarter("minor", hisp), groups)
    level, change = _empty(t.k), _empty(t.k)
    change.label = AT_ACTIVATION
    after = np.array(
        [a.activation_date is not None and a.activation_date <= period[1] for a in agencies],
        dtype=bool,
    )
    reference = after & (np.minimum(n_post, m_post) >= MIN_RECORDS) & ~void_odds
    level.fit_on[0] = (odds[reference], odds_se[reference])
    level.within = np.stack([x_post, n_post, mw_post, m_post], axis=1)
    level.within_label = ("minor-offence arrests among arrests after activation", "Hispanic people", "non-Hispanic people")  # fmt: skip
    # few agencies: the change judged within the agency (the odds ratio of this table is the
    # ratio of the two rate ratios, and Fisher's test on it is exact for the counts)
    change.within = np.stack([x_post, x_pre + x_post, w_post, w_pre + w_post], axis=1)
    change.within_label = ("minor-offence arrests after activation among those before and after", "Hispanic people", "the comparison arrests")  # fmt: skip
    for i, ag in enumerate(agencies):
        act = ag.activation_date
        if act is None:
            level.why[i] = change.why[i] = "no activation date: there is no before and after to compare"  # fmt: skip
            continue
        if act > period[1]:
            level.why[i] = change.why[i] = f"activation date {act} is after the period"
            continue
        level.n[i] = change.n[i] = int(n_pre[i] + n_post[i])
        _level(level, i, void_odds[i], n_pre[i], x_post[i], n_post[i], mw_post[i], m_post[i])
        if level.ok[i]:
            level.y[i], level.se[i] = odds[i], odds_se[i]
        if not period[0] < act:
            change.why[i] = "activated before the period: there is no past to compare with"
            continue
        if n_pre[i] < MIN_RECORDS:
            change.why[i] = (
                f"with {n_pre[i]:.0f} Hispanic arrests before activation there is too little past "
                f"to compare with (at least {MIN_RECORDS} needed)"
            )
            continue
        if n_post[i] < MIN_RECORDS:
            change.why[i] = (
                f"too few records to assess ({n_pre[i]:.0f} Hispanic arrests before activation, "
                f"{n_post[i]:.0f} after; at least {MIN_RECORDS} each needed)"
            )
            continue
        if min(w_pre[i], w_post[i]) < MIN_RECORDS:
            change.why[i] = (
                f"too few other arrests to compare with ({w_pre[i]:.0f} before activation, "
                f"{w_post[i]:.0f} after; at least {MIN_RECORDS} each needed)"
            )
            continue
        if void[i]:
            change.why[i] = (
                "no minor-offence arrests of Hispanic people before or after activation "
                f"({n_pre[i]:.0f} Hispanic arrests before, {n_post[i]:.0f} after): there is no "
                "change to measure"
                if x_pre[i] + x_post[i] == 0
                else "no change to measure: a group has no arrests of the kind compared on one "
                "side of activation"
            )
            continue
        qa = _quarter(act)
        before, later = t.quarters < qa, t.quarters > qa
        pn0, px0 = qn[i, before].sum(), qx[i, before].sum()
        pn1, px1 = qn[i, later].sum(), qx[i, later].sum()
        peers = (
            f"; at peers over the same quarters from {_pct(px0 / pn0)} to {_pct(px1 / pn1)}"
            if min(pn0, pn1) > 0
            else ""
        )
        change.y[i], change.se[i], change.ok[i] = y[i], se[i], True
        against = "Hispanic arrests for other offences" if thin[i] else "other minor-offence arrests"  # fmt: skip
        others = "" if thin[i] else (
            f", of other arrests from {_pct(w_pre[i] / max(o_pre[i], 1))} to "
            f"{_pct(w_post[i] / max(o_post[i], 1))}"
        )  # fmt: skip
        change.says[i] = (
            f"share of Hispanic arrests for minor offences went from {_pct(x_pre[i] / n_pre[i])} "
            f"to {_pct(x_post[i] / n_post[i])} after activation{others}{peers} (the estimate is "
            f"the log of how much more Hispanic minor-offence arrests grew than {against})"
        )
    return level, change


def _level(raw: _Raw, i: int, void: bool, n_pre: float, x_post: float, n_post: float, mw_post: float, m_post: float) -> None:  # fmt: skip
    """The level of `minor_offense_shift` at an activated agency, or why it cannot be given."""
    if min(n_post, m_post) < MIN_RECORDS:
        raw.why[i] = (
            f"too few records to assess ({n_pre:.0f} Hispanic arrests before activation, "
            f"{n_post:.0f} Hispanic and {m_post:.0f} non-Hispanic arrests after; at least "
            f"{MIN_RECORDS} of each group after activation needed)"
        )
    elif void:
        raw.why[i] = (
            f"no minor-offence arrests in either group after activation ({x_post:.0f} of "
            f"{n_post:.0f} Hispanic arrests, {mw_post:.0f} of {m_post:.0f} non-Hispanic): there "
            "is nothing to compare"
            if x_post + mw_post == 0
            else "every arrest after activation was for a minor offence in both groups: there "
            "is nothing to compare"
        )
    else:
        raw.ok[i] = True
        raw.says[i] = (
            f"after activation {_pct(x_post / n_post)} of Hispanic arrests were for minor "
            f"offences against {_pct(mw_post / m_post)} of non-Hispanic arrests (the estimate is "
            "the log odds ratio, judged against the same odds ratio at other agencies)"
        )


def non_priority_transfers(t: _Table, groups: Sequence[str]) -> _Raw:
    """Mantel-Haenszel log odds ratio of a request not meeting the transfer rules, agency against
    all other agencies, within offence classes (`aggregate.request_cell`).

    Whether a request can meet the rules depends on the booking's offence (severity, the
    significant-misdemeanour categories, minor traffic, conviction): an agency that books more
    felonies has fewer non-priority requests without being any better. Within one offence
    class the odds of a non-priority request at the agency against its peers measure how much
    more often it (or ICE for it) requests people outside the priorities; the Mantel-Haenszel
    estimator pools these odds ratios over the classes (`mantel_haenszel`). Method version 2
    used the crude log odds ratio, leaving the offence mix in the between-agency spread; an
    indirect standardisation on the probability scale was tried before and absorbed most of a
    planted effect (it is attenuated in classes where almost every request meets the rules).
    The reference is every other agency: a pooled group of a few peers adds their own honest
    variation to the estimate (the spread across agencies is the comparison with peers); the
    peers' share is given in the explanation.
    """
    reviewed = t.c.cell > 0
    n, x = t.sum("pep_known"), t.sum("not_pep")
    nc = t.by_cell("pep_known", reviewed)
    xc = t.by_cell("not_pep", reviewed)
    # the reference is every other agency; the peers' share is given for context
    pn, px = _peer_sum(n, groups), _peer_sum(x, groups)
    on, onc, oxc = n.sum() - n, nc.sum(axis=0) - nc, xc.sum(axis=0) - xc
    raw = _empty(t.k)
    raw.n[:] = n.astype(np.int64)
    y, se = mantel_haenszel(xc, nc - xc, oxc, onc - oxc)
    need = [c for c in ("transfer_request", "pep_eligible") if c not in t.c.present]
    if need:
        raw.why[:] = [f"the bookings have no {' or '.join(need)} column"] * t.k
        return raw
    ok = (n >= MIN_RECORDS) & (on >= MIN_RECORDS)
    void = ok & mantel_haenszel_empty(xc, nc - xc, oxc, onc - oxc)
    ok &= ~void
    shared = (nc > 0) & (onc > 0)
    shared_events = np.where(shared, xc + oxc, 0.0).sum(axis=1)
    for i in np.flatnonzero(void).tolist():
        raw.why[i] = (
            "no other agency has reviewed transfer requests in the offence classes of this "
            "agency's: there is nothing to compare"
            if not shared[i].any()
            else f"no transfer requests outside the rules at this agency ({x[i]:.0f} of "
            f"{n[i]:.0f}) or at other agencies in the same offence classes: there is nothing to "
            "compare"
            if shared_events[i] == 0
            else "every transfer request at this agency and at other agencies in the same offence "
            "classes was outside the rules: there is nothing to compare"
        )
    raw.y[ok], raw.se[ok], raw.ok[:] = y[ok], se[ok], ok
    for i in np.flatnonzero(~ok & ~void).tolist():
        raw.why[i] = (
            f"too few records to assess ({n[i]:.0f} reviewed transfer requests; at least {MIN_RECORDS} needed)"
            if n[i] < MIN_RECORDS
            else "too few transfer requests at other agencies to compare"
        )  # fmt: skip
    for i in np.flatnonzero(ok).tolist():
        peers = f"; at peers {_pct(px[i] / pn[i])}" if pn[i] > 0 else ""
        raw.says[i] = (
            f"{_pct(x[i] / n[i])} of {n[i]:.0f} transfer requests did not meet the transfer "
            f"rules{peers}; for requests of the same offence class (severity, kind of offence, "
            f"conviction) the odds were {np.exp(y[i]):.2f} times other agencies'"
        )
    return raw


def _two_groups(t: _Table, name: str, column: str, total: str, hit: str, g1: str, g0: str, missing: str, label: tuple[str, str, str], events: tuple[str, str], before_after: list[str] | None = None) -> tuple[_Raw, _Raw | None]:  # fmt: skip
    """Log odds ratio of `hit` among `total`, group `g1` against `g0` of `column`, over the
    period (the level), and, where `before_after` is given, the change at activation.

    `before_after` says, per agency, why there is no before and after to compare ("" for an
    agency activated inside the period). Such an agency with at least `MIN_RECORDS` in each
    group before and after activation also gets the change at activation of g1's `hit` count
    against g0's over the same days (`log_rate_ratio_change`, a triple difference), tested
    against its own between-agency spread (the second raw, `assess.CHANGE`).

    `events` names the events (``"dismissals"``) and the opposite case (``"every disposed charge
    was dismissed"``) for an agency where no group has an event, or every record is one: it
    gets no estimate (`empty_margin`). Where only the change at activation is empty (no events
    of one group before or after, or of either group on one side), the change says so and the
    level stands alone.
    """
    key = t.c.eth if column == "eth" else t.c.lep
    n1, x1 = t.sum(total, key == g1), t.sum(hit, key == g1)
    n0, x0 = t.sum(total, key == g0), t.sum(hit, key == g0)
    cells = [
        (t.sum(total, (key == g) & (t.c.post == p)), t.sum(hit, (key == g) & (t.c.post == p)))
        for p in (False, True)
        for g in (g1, g0)
    ]
    y, se = log_odds_ratio(x1, n1, x0, n0)
    # the change at activation of group g1's `hit` count against g0's (a rate-ratio triple
    # difference: extra arrests of one group show directly, without the dilution of a share)
    rr, rr_se = log_rate_ratio_change(cells[0][1], cells[2][1], cells[1][1], cells[3][1])
    void = empty_margin(x1, n1, x0, n0)
    lost = empty_margin(cells[2][1], cells[0][1] + cells[2][1], cells[3][1], cells[1][1] + cells[3][1])  # fmt: skip
    raw = _empty(t.k)
    raw.n[:] = (n1 + n0).astype(np.int64)
    what, one, other = label
    raw.within = np.stack([x1, n1, x0, n0], axis=1)
    raw.within_label = (f"{events[0]} among {what}", one, other)
    change = None if before_after is None else _empty(t.k)
    if change is not None:
        change.n[:], change.label = raw.n, AT_ACTIVATION
        # few agencies: the odds ratio of this table is the ratio of the two rate ratios
        change.within = np.stack([cells[2][1], cells[0][1] + cells[2][1], cells[3][1], cells[1][1] + cells[3][1]], axis=1)  # fmt: skip
        change.within_label = (f"{events[0]} after activation among those before and after", one, other)  # fmt: skip
    for i in range(t.k):
        if missing:
            raw.why[i] = missing
        elif n1[i] + n0[i] == 0:
            raw.why[i] = f"no {what} recorded with a known {'ethnicity' if column == 'eth' else 'LEP status'}"  # fmt: skip
        elif min(n1[i], n0[i]) < MIN_RECORDS:
            raw.why[i] = (
                f"too few records to assess ({n1[i]:.0f} {what} of {one}, {n0[i]:.0f} of "
                f"{other}; at least {MIN_RECORDS} each needed)"
            )
        elif void[i]:
            raw.why[i] = (
                f"no {events[0]} in either group ({x1[i]:.0f} of {n1[i]:.0f} {what} of {one}, "
                f"{x0[i]:.0f} of {n0[i]:.0f} of {other}): there is nothing to compare"
                if x1[i] + x0[i] == 0
                else f"{events[1]} in both groups ({n1[i]:.0f} {what} of {one}, {n0[i]:.0f} of "
                f"{other}): there is nothing to compare"
            )
        else:
            raw.y[i], raw.se[i], raw.ok[i] = y[i], se[i], True
            raw.says[i] = f"{_pct(x1[i] / n1[i])} {name} for {one} against {_pct(x0[i] / n0[i])} for {other}"  # fmt: skip
            if change is not None:
                raw.says[i] += " (the estimate is the log odds ratio over the period)"
        if change is None:
            continue
        (a, b), (c, d), (e, f), (g, h) = ((n[i], x[i]) for n, x in cells)
        if not raw.ok[i]:
            change.why[i] = raw.why[i]
        elif before_after is not None and before_after[i]:
            change.why[i] = before_after[i]
        elif min(a, c, e, g) < MIN_RECORDS:
            change.why[i] = (
                f"too few records to compare before and after activation ({a:.0f} {what} of "
                f"{one} before, {e:.0f} after; {c:.0f} of {other} before, {g:.0f} after; at "
                f"least {MIN_RECORDS} each needed)"
            )
        elif lost[i]:
            change.why[i] = (
                f"no change at activation to measure: no {events[0]} of one group before and "
                "after, or of either group on one side"
            )
        else:
            change.y[i], change.se[i], change.ok[i] = rr[i], rr_se[i], True
            change.says[i] = (
                f"after activation {_pct(f / e)} {name} for {one} against {_pct(h / g)} for "
                f"{other}; before, {_pct(b / a)} against {_pct(d / c)} (the estimate is the "
                "change at activation of the log ratio of their counts)"
            )
    return raw, change


def dismissal_disparity(t: _Table) -> _Raw:
    """Outcome test: log odds ratio of dismissal among disposed charges, Hispanic vs not."""
    need = {"disposition", "ethnicity"} - t.c.present
    missing = f"the bookings have no {' or '.join(sorted(need))} column" if need else ""
    return _two_groups(t, "of charges dismissed", "eth", "disposed", "dismissed", "H", "N", missing, ("disposed charges", "Hispanic people", "others"), ("dismissals", "every disposed charge was dismissed"))[0]  # fmt: skip


def lep_minor_offense(t: _Table, agencies: Sequence[AgencyInfo], period: tuple[date, date]) -> tuple[_Raw, _Raw]:  # fmt: skip
    """Minor-offence arrests of people recorded LEP against others: the level and the change at
    activation.

    **Level** (every agency with at least `MIN_RECORDS` arrests of each group): the log odds
    ratio of a minor-offence arrest, LEP against non-LEP people, over the whole period, judged
    against the spread of the same odds ratio at every such agency (also at agencies without
    an activation date, as before method version 8).

    **Change at activation** (an agency activated inside the period with at least
    `MIN_RECORDS` arrests of each group before and after; ``lep_minor_offense:change``): the
    change at activation of minor-offence arrests of LEP people against those of non-LEP people
    (`log_rate_ratio_change`): screening gives the motive for pretextual arrests, added arrests
    show directly as log(effect), and the agency's stable difference between the groups and its
    overall trend are taken out. Version 1 used the change of the log odds ratio, which dilutes
    added arrests (recall 50% against 75%, docs/methods.md). Until version 8 such an agency was
    tested on the change alone; both are tested now and `assess.merge` makes one entry of them.
    """
    need = {"lep", "offense_category"} - t.c.present
    missing = f"the bookings have no {' or '.join(sorted(need))} column" if need else ""
    before_after = []
    for a in agencies:
        act = a.activation_date
        before_after.append(
            "no activation date: there is no before and after to compare"
            if act is None
            else ""
            if period[0] < act <= period[1]
            else f"activation date {act} is outside the period: no before and after to compare"
        )
    level, change = _two_groups(t, "of arrests for minor offences", "lep", "bookings", "minor", "Y", "N", missing, ("arrests", "people with limited English", "others"), ("minor-offence arrests", "every arrest was for a minor offence"), before_after)  # fmt: skip
    if change is None:  # given `before_after`, there is always one
        raise ValueError("no change at activation computed")
    return level, change


def population_benchmark(t: _Table, agencies: Sequence[AgencyInfo]) -> _Raw:
    """Log of (Hispanic share of arrests / Hispanic share of residents)."""
    x = t.sum("bookings", t.c.eth == "H")
    n = x + t.sum("bookings", t.c.eth == "N")
    raw = _empty(t.k)
    raw.n[:] = n.astype(np.int64)
    for i, ag in enumerate(agencies):
        if "ethnicity" not in t.c.present:
            raw.why[i] = "the bookings have no ethnicity column"
        elif not ag.population or ag.pop_hispanic is None or ag.pop_hispanic <= 0:
            raw.why[i] = "no population or Hispanic residents figure for the agency"
        elif n[i] < MIN_RECORDS:
            raw.why[i] = f"too few records to assess ({n[i]:.0f} arrests with a known ethnicity)"
        else:
            share = ag.pop_hispanic / ag.population
            p = (x[i] + 0.5) / (n[i] + 1.0)
            raw.y[i] = np.log(p / share)
            raw.se[i] = np.sqrt((1 - p) / (x[i] + 0.5))
            raw.ok[i] = True
            raw.says[i] = (
                f"Hispanic people were {_pct(x[i] / n[i])} of arrests and {_pct(share)} of "
                "residents (a weak benchmark: residents are not the people police meet)"
            )
    return raw


def compute(
    counts: Counts,
    agencies: Sequence[AgencyInfo],
    period: tuple[date, date],
    extra: dict[str, _Raw] | None = None,
) -> tuple[dict[str, list[Indicator]], dict[str, int]]:
    """Every indicator for every agency, tested and adjusted for false discoveries.

    Parameters
    ----------
    counts : the aggregated table (`aggregate.aggregate`).
    agencies : every agency of the run (those without bookings get "cannot be assessed").
    period : first and last day of the run.
    extra : further indicators across the same agencies, tested in the same false-discovery
        family (the indicators from ICE's records, `ice.ice_raws`); one of the same name as a
        bookings indicator replaces it.

    Returns
    -------
    (indicators by ORI, bookings by ORI)
    """
    oris = [a.ori for a in agencies]
    t = _Table(counts, oris)
    bookings = t.sum("bookings")
    years = max(((period[1] - period[0]).days + 1) / 365.25, 0.25)
    groups = peer_groups(agencies, bookings, years)
    shift, shift_change = minor_offense_shift(t, agencies, groups, period)
    lep, lep_change = lep_minor_offense(t, agencies, period)
    # an indicator with a level and a change at activation is tested twice (`CHANGE`), both
    # in the run's false-discovery family; `ice.merge` / `assess.merge` make one entry of them
    raws = {
        "minor_offense_shift": shift,
        "minor_offense_shift" + CHANGE: shift_change,
        "non_priority_transfers": non_priority_transfers(t, groups),
        "dismissal_disparity": dismissal_disparity(t),
        "population_benchmark": population_benchmark(t, agencies),
        "lep_minor_offense": lep,
        "lep_minor_offense" + CHANGE: lep_change,
    }
    raws.update(extra or {})
    return assess(raws, oris), {o: int(bookings[i]) for i, o in enumerate(oris)}
