"""A monitoring run: bookings and agencies in, the CONTRACTS.md section 3 document out."""

from __future__ import annotations

import functools
import gc
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import duckdb

from transferwatch.analytics.aggregate import (
    AgencyInfo,
    Counts,
    MonitorInputError,
    NoBookings,
    connect,
    file_source,
    no_counts,
    read_agencies,
)
from transferwatch.analytics.assess import Indicator, concern
from transferwatch.analytics.ice import IceSource, ice_raws, merge
from transferwatch.analytics.indicators import compute
from transferwatch.analytics.one_read import aggregate_both
from transferwatch.analytics.rates import (
    STOPS,
    GroupCounts,
    no_group_counts,
    request_rates,
)
from transferwatch.analytics.stores import Warehouse

# 5: indicators from ICE's records (no_conviction_share, minor_charge_share, and
# non_priority_transfers from the engine's classification), docs/methods.md section 2
# 6: no estimate where no group has an event (the continuity correction made one up), an
# agency's own estimate where the between-agency spread is estimated as zero (section 3)
# 7: a within-agency exact comparison where fewer than 3 agencies can be assessed
# 8: minor_offense_shift and lep_minor_offense test both the level against peers and the change
# at activation where an agency has an own past (one entry, saying which flagged), section 2
METHOD_VERSION = "2026.12-re-dl-wbh-mh-ice-8"

__all__ = ["METHOD_VERSION", "MonitorInputError", "run"]


def _number(x: float | None) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return x


def _no_bookings(indicator: Indicator, extra: dict[str, Any]) -> Indicator:
    """A bookings indicator of a run made on ICE's records alone."""
    if indicator.name in extra or indicator.estimate is not None:
        return indicator
    return replace(
        indicator,
        explanation="no bookings in this run: this indicator needs the agencies' own arrest or "
        "stop records (import bookings); the run used ICE's records alone",
    )


# the indicators that count charges or ICE requests on the bookings (not on ICE's records)
NOT_FOR_STOPS = {
    "dismissal_disparity": "compares dismissed charges",
    "non_priority_transfers": "counts ICE transfer requests on bookings",
}
ARRESTS = re.compile(r"\b([Aa])rrest(s|ed)?\b")


def _as_stops(indicator: Indicator, extra: dict[str, Any]) -> Indicator:
    """An indicator of an agency whose records in the run are all stops.

    Those needing charges or ICE requests say they do not apply (rather than count zeros or
    name missing columns), unless they come from ICE's records; the others say "stops".
    """
    what = NOT_FOR_STOPS.get(indicator.name)
    if what is not None and not (indicator.name in extra and indicator.estimate is not None):
        return replace(
            indicator,
            estimate=None, ci_low=None, ci_high=None, p_value=None, q_value=None, flagged=False,
            explanation=f"{STOPS}: {indicator.name} {what} and does not apply to stops",
        )  # fmt: skip
    words = {"": "stop", "s": "stops", "ed": "stopped"}
    text = ARRESTS.sub(
        lambda m: ("S" if m.group(1) == "A" else "s") + words[m.group(2) or ""][1:],
        indicator.explanation,
    )
    return replace(indicator, explanation=text)


def _on_files(
    bookings: str | Path | Sequence[Path],
    infos: list[AgencyInfo],
    period_from: date | None,
    period_to: date | None,
    con: duckdb.DuckDBPyConnection,
) -> tuple[Counts, GroupCounts, date, date]:
    """The counts on DuckDB over a table expression or CSV/Parquet files (one read)."""
    described = None
    if isinstance(bookings, str):
        source = bookings
    else:
        source, described = file_source(
            [bookings] if isinstance(bookings, Path) else list(bookings)
        )
    return aggregate_both(source, infos, period_from, period_to, described, con)


P = ParamSpec("P")
R = TypeVar("R")


def _collector_paused(function: Callable[P, R]) -> Callable[P, R]:
    """`function` with Python's cycle collector paused while it runs.

    A run makes a document of about a million objects with no cycles among them; the
    collector's passes over them took a fifth of the run's Python time (0.2 s of CPU for 2,000
    agencies). Cycles made meanwhile anywhere are collected once it is back on.
    """

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


@_collector_paused
def run(
    bookings: str | Path | Sequence[Path] | Warehouse,
    agencies: Path | Sequence[AgencyInfo],
    period_from: date | None = None,
    period_to: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    comparisons: dict[tuple[str, str], str] | None = None,
    ice: IceSource | None = None,
) -> dict[str, Any]:
    """Compute every indicator for every agency over the period.

    Parameters
    ----------
    bookings : a bookings store (`stores.Warehouse`: the counts are computed where it keeps the
        bookings), a DuckDB table expression (e.g. ``BookingStore.scan_sql()``), or CSV/Parquet
        path(s).
    agencies : the agencies table as a file, or as `AgencyInfo` records.
    period_from, period_to : inclusive; default the first and last booking date in the data.
    progress : called with (steps done, total steps).
    comparisons : if given, filled with (ori, indicator name) -> the comparison behind the
        estimate, for the indicators that have more than one (`assess.COMPARISONS`); kept
        out of the document, whose shape CONTRACTS.md section 3 fixes.
    ice : ICE's transfer requests (`ice.IceSource`: called with the run's period, it returns
        the counts); without it (a run on files) the ICE indicators say that no ICE records
        were given. With it the run needs no bookings: the period is then the requests'.

    Returns
    -------
    dict
        The JSON document of CONTRACTS.md section 3.

    Raises
    ------
    MonitorInputError
        Missing columns, unknown agencies, no bookings in the period, a reversed period.
    """
    step = progress or (lambda done, total: None)
    step(0, 3)
    con = connect()  # one DuckDB connection for the agencies and the bookings
    try:
        infos = read_agencies(agencies, con) if isinstance(agencies, Path) else list(agencies)
        if not infos:
            raise MonitorInputError("no agencies")
        if period_from and period_to and period_from > period_to:
            raise MonitorInputError(
                f"the period starts ({period_from}) after it ends ({period_to})"
            )
        bookings_given = True
        groups: GroupCounts = no_group_counts()
        try:
            if isinstance(bookings, (str, Path, Sequence)):
                counts, groups, first, last = _on_files(
                    bookings, infos, period_from, period_to, con
                )
            else:  # a store: the counts are computed where the bookings live
                counts, groups, first, last = bookings.aggregate(infos, period_from, period_to)
            requests = ice(first, last) if ice is not None else None
        except NoBookings:
            if ice is None:
                raise
            requests = ice(period_from, period_to)
            if requests.first is None or requests.last is None:
                raise MonitorInputError(
                    "no bookings and no ICE transfer requests at known agencies in the period"
                ) from None
            counts, first, last = no_counts(), requests.first, requests.last
            bookings_given = False
    finally:
        con.close()
    step(1, 3)
    # the bookings' own review counts only where some booking has one: the warehouse keeps a
    # column the imported files lacked, empty
    review = {"transfer_request", "pep_eligible"} <= counts.present and bool(
        counts.values["pep_known"].sum() > 0
    )
    extra = ice_raws(requests, infos, (first, last), review)
    by_ori, n_bookings = compute(counts, infos, (first, last), extra)
    if not bookings_given:  # say so, rather than count zeros or name columns of no file
        by_ori = {o: [_no_bookings(i, extra) for i in inds] for o, inds in by_ori.items()}
    by_ori = {o: merge(inds, requests is not None) for o, inds in by_ori.items()}
    stops = groups.stops_only()
    by_ori = {o: [_as_stops(i, extra) for i in inds] if o in stops else inds for o, inds in by_ori.items()}  # fmt: skip
    rates = request_rates(groups, [a.ori for a in infos])
    step(2, 3)
    entries = []
    for ag in infos:
        inds = by_ori[ag.ori]
        level = concern(inds)
        if comparisons is not None:
            comparisons.update({(ag.ori, i.name): i.comparison for i in inds if i.comparison})
        entries.append(
            {
                "ori": ag.ori,
                "n_bookings": n_bookings[ag.ori],
                "flagged": level == "significant",
                "concern": level,
                "indicators": [
                    {
                        "name": i.name,
                        "group": i.group,
                        "estimate": _number(i.estimate),
                        "ci_low": _number(i.ci_low),
                        "ci_high": _number(i.ci_high),
                        "p_value": _number(i.p_value),
                        "q_value": _number(i.q_value),
                        "n": i.n,
                        "flagged": i.flagged,
                        "explanation": i.explanation,
                    }
                    for i in inds
                ],
                "request_rates": rates[ag.ori][0],
                "request_rates_note": rates[ag.ori][1]
                if bookings_given
                else "no bookings in this run: request rates need the agencies' own arrest "
                "records (import bookings)",
            }
        )
    step(3, 3)
    return {
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "method_version": METHOD_VERSION,
        "agencies": entries,
    }
