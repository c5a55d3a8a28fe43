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
