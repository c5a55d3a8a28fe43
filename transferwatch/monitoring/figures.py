"""The monitoring figures that pages and reports show: one indicator's row across runs, and the
funnel plots of an agency among its peers (the agency page, the packet, the agency profile)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from transferwatch.monitoring.models import IndicatorResult


def _label(name: str, group: str, comparison: str) -> str:
    detail = ", ".join(x for x in (group, comparison) if x)
    return f"{name} ({detail})" if detail else name


# what a funnel plot needs of each peer's result (``IndicatorResult.objects.values(...)``)
FUNNEL_FIELDS = (
    "name",
    "group",
    "comparison",
    "estimate",
    "ci_low",
    "ci_high",
    "n",
    "agency_result__agency__ori",
)


def funnel_key(row: IndicatorResult | dict[str, Any]) -> tuple[str, str, str]:
    """What a funnel plot puts together: the same indicator, group and comparison (estimates of
    different comparisons are on different scales), from a result or a ``values()`` row."""
    if isinstance(row, IndicatorResult):
        return (row.name, row.group, row.comparison)
    return (row["name"], row["group"], row["comparison"])


def history_row(i: IndicatorResult) -> dict[str, Any]:
    """One indicator of one run, as the history chart and table read it (a change of comparison
    between runs starts a new line)."""
    period_to = i.agency_result.run.period_to
    return {
        "indicator": _label(i.name, i.group, i.comparison),
        "run": i.agency_result.run_id,
        "period_to": period_to.isoformat() if period_to else None,
        "estimate": i.estimate,
        "ci_low": i.ci_low,
        "ci_high": i.ci_high,
        "q_value": i.q_value,
        "n": i.n,
        "flagged": i.flagged,
    }


def peer_basis(agency: Any) -> str:
    """Who an agency is compared with on the funnel plots: its peer group, else its state."""
    return f"peer:{agency.peer_group}" if agency.peer_group else f"state:{agency.state}"


def funnel_plots(
    ori: str,
    shown: Sequence[IndicatorResult],
    peers_of: Callable[[tuple[str, str, str]], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """A funnel plot per assessed indicator of `shown`; `peers_of(funnel_key(indicator))` gives
    the peer agencies' figures of that indicator, made by the same comparison, in the same run."""
    from transferwatch.monitoring import charts

    plots = []
    for i in shown:
        if i.estimate is None:
            continue
        peers = peers_of(funnel_key(i))
        svg = charts.funnel(_label(i.name, "", i.comparison), ori, peers)
        if svg:
            plots.append({"indicator": i, "svg": svg, "peers": len(peers)})
    return plots


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _ratio(row: dict[str, Any], prefix: str = "") -> str:
    """A ratio with its 95% interval as a reader says it; why there is none where there is none."""
    ratio, low, high = row.get(f"{prefix}ratio"), row.get(f"{prefix}ci_low"), row.get(f"{prefix}ci_high")  # fmt: skip
    if row.get("reference") == row["group"] and ratio is not None:
        return "1 (reference)"
    if ratio is None and low is not None:
        return f"no upper bound (at least {low:.2f})"
    if ratio is None:
        return "—"
    if low is None or high is None:
        return f"{ratio:.2f}"
    return f"{ratio:.2f} ({low:.2f} to {high:.2f})"


def rate_rows(rates: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``request_rates`` of an agency's result as the table of the agency page, the packet
    and the profile show it (group names spelled out, shares as percentages)."""
    from transferwatch.analytics.rates import LABELS

    rows = []
    for r in rates:
        rows.append(
            {
                "group": r["group"],
                "label": LABELS.get(r["group"], r["group"]),
                "reference": r.get("reference") == r["group"],
                "bookings": f"{r['bookings']:,}",
                "requests": "—" if r["requests"] is None else f"{r['requests']:,}",
                "rate": _pct(r["rate"]),
                "rate_interval": ""
                if r.get("rate_ci_low") is None
                else f"{_pct(r['rate_ci_low'])} to {_pct(r['rate_ci_high'])}",
                "ratio": _ratio(r),
                "minor_share": _pct(r.get("minor_share")),
                "minor_ratio": _ratio(r, "minor_"),
                "dismissal_share": _pct(r.get("dismissal_share")),
                "dismissal_ratio": _ratio(r, "dismissal_"),
                "note": r.get("note") or "",
            }
        )
    return rows
