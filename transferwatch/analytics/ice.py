"""Indicators from ICE's own records of transfer requests (detainers), no local bookings needed.

CRCL can always get ICE's record of every detainer: the facility (hence the agency), the date,
ICE's criminality (``1`` convicted, ``2`` pending criminal charges, ``3`` other immigration
violator), the most serious conviction or charge (MSC, minor offence or not) and, for a request
with enough facts, TransferWatch's own classification under the policy in force. From these:

- ``no_conviction_share``: requests on people without a criminal conviction (criminality 2 or
  3) among requests with criminality recorded;
- ``minor_charge_share``: requests whose MSC is a minor offence among requests with an MSC;
- ``non_priority_transfers`` (when the bookings carry no ``pep_eligible``): classified requests
  not PEP-transfer-eligible among requests classified under the 2014 priorities.

Each is measured twice (DOMAIN.md section 4: "against its own past and against peers"): the
**level**, the empirical log odds of the share over the period, judged against the spread of
all agencies; and, for an agency activated inside the period with enough requests before and
after, the **change at activation**, the log odds ratio after against before, judged against
the spread of the same change at other agencies. Both enter the weighted Benjamini-Hochberg
family of the run; the agency's entry reports the level, or the change when only the change is
flagged, and its explanation gives both and says which flagged (CONTRACTS.md section 3;
`assess.merge`, which the bookings' `minor_offense_shift` and `lep_minor_offense` share).

References
----------
Spiegelhalter, D. J. (2005). "Funnel plots for comparing institutional performance."
Statistics in Medicine 24, 1185-1202 (proportions on the logit scale with over-dispersion).
Agresti, A. (2013). Categorical Data Analysis, 3rd ed., s. 3.1 (empirical logit, log odds ratio).
DerSimonian and Laird (1986), Efron and Morris (1975), Genovese, Roeder and Wasserman (2006):
see `fdr` and `indicators`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import numpy.typing as npt

from transferwatch.analytics.aggregate import AgencyInfo
from transferwatch.analytics.assess import (
    AT_ACTIVATION,
    CHANGE,
    Indicator,
    _empty,
    _pct,
    _Raw,
    assess,
)
from transferwatch.analytics.assess import merge as assess_merge
from transferwatch.analytics.estimators import empirical_logit, empty_margin, log_odds_ratio
from transferwatch.analytics.indicators import MIN_RECORDS

ICE_NAMES = ("no_conviction_share", "minor_charge_share")
PEP_POLICY = "pep-2014"  # eligibility counts only under the policy that has PEP transfer rules
# |z| beyond which a first high-breakdown fit sets an agency aside before the spread is fitted
# (`fdr.robust_random_effects`; 3 for the bookings indicators): see `share_raws`
CUT = 4.0
NO_ICE = "no ICE records were given (this run reads bookings files only)"

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class IceCounts:
    """ICE transfer requests counted by agency x before/after activation x criminality x MSC x
    eligibility (one row per combination, as one GROUP BY gives them).

    ``minor``: 1 the MSC is a minor offence, 0 it is not, -1 no MSC given. ``eligible``: 1 the
    engine found the request PEP-transfer-eligible, 0 not, -1 not classified under the 2014
    priorities (not enough facts, or another policy). ``criminality``: ``1``, ``2``, ``3`` or
    ``""`` (not recorded). ``first`` and ``last``: the first and last request date counted.
    """

    ori: npt.NDArray[np.str_]
    post: npt.NDArray[np.bool_]
    criminality: npt.NDArray[np.str_]
    minor: IntArray
    eligible: IntArray
    requests: IntArray
    first: date | None = None
    last: date | None = None

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[tuple[str, bool, str, int, int, int]],
        first: date | None = None,
        last: date | None = None,
    ) -> IceCounts:
        """From (ori, post, criminality, minor, eligible, requests) tuples."""
        cols = list(zip(*rows, strict=True)) or [(), (), (), (), (), ()]
        return cls(
            ori=np.asarray(cols[0], dtype=str),
            post=np.asarray(cols[1], dtype=bool),
            criminality=np.asarray(cols[2], dtype=str),
            minor=np.asarray(cols[3], dtype=np.int64),
            eligible=np.asarray(cols[4], dtype=np.int64),
            requests=np.asarray(cols[5], dtype=np.int64),
            first=first,
            last=last,
        )


# The run's period (first, last day; None where the bookings do not set it) -> the counts.
IceSource = Callable[[date | None, date | None], IceCounts]


@dataclass(frozen=True)
class Share:
    """One share per agency, split before/after activation: `hit` of `known` (shape (k, 2),
    column 1 on or after the activation date), out of `total` requests."""

    hit: npt.NDArray[np.float64]
    known: npt.NDArray[np.float64]
    total: npt.NDArray[np.float64]


def shares(ice: IceCounts, oris: Sequence[str]) -> dict[str, Share]:
    """Per-agency sums of the three shares (requests at agencies not in `oris` are left out)."""
    index = {o: i for i, o in enumerate(oris)}
    k = len(oris)
    a = np.array([index.get(str(o), -1) for o in ice.ori.tolist()], dtype=np.int64)
    keep = a >= 0
    flat = (a * 2 + ice.post.astype(np.int64))[keep]
    weights = ice.requests[keep].astype(np.float64)

    def total(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
        out = np.bincount(flat, weights=weights * mask[keep], minlength=2 * k)
        return np.asarray(out, dtype=np.float64).reshape(k, 2)

    everything = total(np.ones(len(a), dtype=bool))
    crim = np.isin(ice.criminality, ["1", "2", "3"])
    return {
        "no_conviction_share": Share(
            total(np.isin(ice.criminality, ["2", "3"])), total(crim), everything
        ),
        "minor_charge_share": Share(total(ice.minor == 1), total(ice.minor >= 0), everything),
        "non_priority_transfers": Share(
            total(ice.eligible == 0), total(ice.eligible >= 0), everything
        ),
    }


@dataclass(frozen=True)
class Words:
    """How an indicator's explanation names its share: `hit` of requests `known` (`unknown`)."""

    hit: str
    known: str
    unknown: str


WORDS = {
    "no_conviction_share": Words(
        "were on people without a criminal conviction",
        "with criminality recorded",
        "without",
    ),
    "minor_charge_share": Words(
        "had a minor offence as the most serious charge or conviction",
        "with a most serious charge or conviction given",
        "without one",
    ),
    "non_priority_transfers": Words(
        "were not PEP-transfer-eligible by TransferWatch's classification",
        "classified under the 2014 priorities",
        "not classified (not enough facts, or another policy)",
    ),
}


def share_raws(name: str, share: Share, agencies: Sequence[AgencyInfo], period: tuple[date, date], label: str = "") -> tuple[_Raw, _Raw]:  # fmt: skip
    """The level and the change at activation of one share, across agencies.

    Level: the empirical logit of the agency's share over the period (`empirical_logit`), with
    at least `MIN_RECORDS` requests with the fact known. Change: for an agency activated inside
    the period with at least `MIN_RECORDS` such requests before and after activation, the log
    odds ratio after against before (`log_odds_ratio`; none where no request is of the kind
    counted, or every one is, on both sides: `empty_margin`); the random-effects spread of these
    changes across agencies absorbs the common trend (a national change of enforcement). Both
    are judged against a DerSimonian-Laird fit over the agencies within |z| <= `CUT` of a
    high-breakdown first fit (3 for the bookings indicators: on the null runs of the ICE
    indicators that flagged in 21 of 100 runs, twice the nominal share; with no trimming at all
    in 12, but planted agencies then widen the spread and recall halves; docs/methods.md
    section 5b).
    """
    words = WORDS[name]
    k = len(agencies)
    x, n = share.hit.sum(axis=1), share.known.sum(axis=1)
    total = share.total.sum(axis=1)
    level, change = _empty(k), _empty(k)
    level.cut = change.cut = CUT
    level.label = label
    change.label = f"{label}, {AT_ACTIVATION}" if label else AT_ACTIVATION
    level.n[:] = change.n[:] = n.astype(np.int64)
    y, se = empirical_logit(x, n)
    d, d_se = log_odds_ratio(share.hit[:, 1], share.known[:, 1], share.hit[:, 0], share.known[:, 0])
    void = empty_margin(share.hit[:, 1], share.known[:, 1], share.hit[:, 0], share.known[:, 0])
    for i, ag in enumerate(agencies):
        used = f"{n[i]:.0f} requests {words.known}, {total[i] - n[i]:.0f} {words.unknown}"
        if total[i] == 0:
            level.why[i] = change.why[i] = "no ICE transfer requests for this agency in the period"
            continue
        if n[i] < MIN_RECORDS:
            level.why[i] = f"too few records to assess ({used}; at least {MIN_RECORDS} needed)"
            change.why[i] = level.why[i]
            continue
        level.ok[i], level.y[i], level.se[i] = True, y[i], se[i]
        level.says[i] = f"{_pct(x[i] / n[i])} of requests {words.hit} ({used}; the estimate is the log odds of that share)"  # fmt: skip
        act = ag.activation_date
        (n0, n1), (x0, x1) = share.known[i], share.hit[i]
        if act is None:
            change.why[i] = "no activation date: there is no before and after to compare"
        elif not period[0] < act <= period[1]:
            change.why[i] = f"activation date {act} is outside the period: no before and after to compare"  # fmt: skip
        elif min(n0, n1) < MIN_RECORDS:
            change.why[i] = (
                f"too few records to compare before and after activation ({n0:.0f} requests "
                f"{words.known} before, {n1:.0f} after; at least {MIN_RECORDS} each needed)"
            )
        elif void[i]:
            change.why[i] = (
                f"no requests {words.hit} before or after activation ({n0:.0f} requests "
                f"{words.known} before, {n1:.0f} after): there is no change to measure"
                if x0 + x1 == 0
                else f"all requests {words.known} {words.hit} before and after activation "
                f"({n0:.0f} before, {n1:.0f} after): there is no change to measure"
            )
        else:
            change.ok[i], change.y[i], change.se[i] = True, d[i], d_se[i]
            change.says[i] = (
                f"{_pct(x0 / n0)} of {n0:.0f} requests {words.known} before activation {words.hit}, "
                f"{_pct(x1 / n1)} of {n1:.0f} after (the estimate is the log odds ratio, after against before)"
            )  # fmt: skip
    return level, change


def ice_raws(ice: IceCounts | None, agencies: Sequence[AgencyInfo], period: tuple[date, date], bookings_have_review: bool) -> dict[str, _Raw]:  # fmt: skip
    """The ICE indicators (level and change, `CHANGE`) for `indicators.compute(extra=...)`.

    Without ICE records (`ice` None: a run on bookings files) the two ICE indicators say so and
    `non_priority_transfers` stays the bookings'. With them, `non_priority_transfers` comes from
    the engine's classification unless the bookings carry their own review
    (`bookings_have_review`: ``transfer_request`` and ``pep_eligible`` columns).
    """
    k = len(agencies)
    if ice is None:
        out = {}
        for name in ICE_NAMES:
            raw = _empty(k)
            raw.why[:] = [NO_ICE] * k
            raw.cut = CUT
            out[name] = raw
        return out
    found = shares(ice, [a.ori for a in agencies])
    out = {}
    for name in ICE_NAMES:
        out[name], out[name + CHANGE] = share_raws(name, found[name], agencies, period)
    if not bookings_have_review:
        name = "non_priority_transfers"
        out[name], out[name + CHANGE] = share_raws(name, found[name], agencies, period, "ICE records")  # fmt: skip
    return out


def merge(indicators: list[Indicator], ice_given: bool) -> list[Indicator]:
    """`assess.merge` (one entry per indicator name, level and change at activation together);
    without ICE records, `non_priority_transfers` that the bookings could not assess says so."""
    out = assess_merge(indicators)
    if ice_given:
        return out
    return [
        replace(i, explanation=f"{i.explanation}; {NO_ICE}")
        if i.name == "non_priority_transfers" and i.estimate is None
        else i
        for i in out
    ]


def assess_ice(ice: IceCounts, agencies: Sequence[AgencyInfo], period: tuple[date, date]) -> dict[str, list[Indicator]]:  # fmt: skip
    """The ICE indicators alone, tested as a run without bookings tests them (`assess.assess`
    over the level and change tests of the three shares, then `merge`): for validation."""
    raws = ice_raws(ice, agencies, period, bookings_have_review=False)
    tested = assess(raws, [a.ori for a in agencies])
    return {o: merge(inds, True) for o, inds in tested.items()}
