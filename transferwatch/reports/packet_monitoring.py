"""The packet's monitoring section: agencies at significant or watch concern in the quarter's
run, with their indicators, funnel plots among peers and trend charts (`packet.gather`)."""

from __future__ import annotations

from typing import Any

from transferwatch.monitoring.figures import (
    FUNNEL_FIELDS,
    funnel_key,
    funnel_plots,
    history_row,
    peer_basis,
)
from transferwatch.monitoring.models import AgencyResult, IndicatorResult, MonitoringRun
from transferwatch.reports.quarters import Quarter

MAX_CHARTED = 25  # agencies at significant concern drawn with charts; the others in tables


def run_for(q: Quarter) -> MonitoringRun | None:
    """The monitoring run the packet reports: the latest finished run whose period ends by the
    quarter's end, else the latest finished run whose period starts before the quarter ends."""
    done = MonitoringRun.objects.filter(status="done", period_to__isnull=False).order_by(
        "-period_to", "-finished_at", "-pk"
    )
    return (
        done.filter(period_to__lt=q.end).first()
        or done.filter(period_from__lt=q.end).order_by("-finished_at", "-pk").first()
    )


def monitoring(q: Quarter, charts: bool = True) -> dict[str, Any]:
    """Agencies at significant or watch concern in the quarter's run, with their indicators;
    funnel plots and trend charts for agencies at significant concern (at most MAX_CHARTED)."""
    run = run_for(q)
    if run is None:
        return {"run": None, "agencies": [], "significant": 0, "watch": 0}
    previous = (
        MonitoringRun.objects.filter(status="done", finished_at__lt=run.finished_at)
        .order_by("-finished_at", "-pk")
        .first()
    )
    before = (
        dict(previous.results.values_list("agency_id", "concern")) if previous is not None else {}
    )
    results = list(
        run.results.filter(concern__in=("significant", "watch"))
        .select_related("agency", "agency__aor")
        .order_by("agency__ori")
    )
    results.sort(key=lambda r: (r.concern != "significant", r.agency.ori))
    indicators: dict[int, list[IndicatorResult]] = {}
    for i in IndicatorResult.objects.filter(agency_result__in=results).order_by("name", "group"):
        indicators.setdefault(i.agency_result_id, []).append(i)
    charted = [r for r in results if r.concern == "significant"][:MAX_CHARTED] if charts else []
    peers = _peer_rows(run) if charted else {}
    history = _history(run, charted) if charted else {}
    agencies = []
    for r in results:
        own = indicators.get(r.pk, [])
        flagged = [i for i in own if i.flagged]
        entry: dict[str, Any] = {
            "result": r,
            "agency": r.agency,
            "concern": r.get_concern_display(),
            "significant": r.concern == "significant",
            "new": before.get(r.agency_id) != r.concern,
            "previous": dict(AgencyResult._meta.get_field("concern").choices).get(
                before.get(r.agency_id, ""), "not assessed"
            ),
            "indicators": own,
            "flagged": flagged,
            "funnels": [],
            "history_svg": "",
        }
        if r in charted:
            entry["funnels"], entry["history_svg"], entry["history_rows"] = _charts(
                r, flagged or own[:1], peers, history.get(r.agency_id, [])
            )
        agencies.append(entry)
    return {
        "run": run,
        "agencies": agencies,
        "significant": sum(r.concern == "significant" for r in results),
        "watch": sum(r.concern == "watch" for r in results),
        "charted": len(charted),
        "uncharted": sum(r.concern == "significant" for r in results) - len(charted),
        "assessed": run.results.count(),
    }


def _peer_rows(run: MonitoringRun) -> dict[tuple[str, tuple[str, str, str]], list[dict[str, Any]]]:
    """Every agency's indicator figures in the run, keyed by peer basis and `funnel_key`."""
    rows = IndicatorResult.objects.filter(agency_result__run=run).values(
        *FUNNEL_FIELDS, "agency_result__agency__peer_group", "agency_result__agency__state"
    )
    out: dict[tuple[str, tuple[str, str, str]], list[dict[str, Any]]] = {}
    for p in rows:
        basis = (
            f"peer:{p['agency_result__agency__peer_group']}"
            if p["agency_result__agency__peer_group"]
            else f"state:{p['agency_result__agency__state']}"
        )
        entry = {**p, "ori": p["agency_result__agency__ori"]}
        out.setdefault((basis, funnel_key(p)), []).append(entry)
    return out


def _history(run: MonitoringRun, charted: list[AgencyResult]) -> dict[int, list[IndicatorResult]]:
    """The charted agencies' indicators across finished runs up to the packet's run."""
    out: dict[int, list[IndicatorResult]] = {}
    rows = (
        IndicatorResult.objects.filter(
            agency_result__agency__in=[r.agency_id for r in charted],
            agency_result__run__status="done",
            agency_result__run__period_to__lte=run.period_to,
        )
        .select_related("agency_result__run")
        .order_by("name", "group", "agency_result__run__period_to", "agency_result__run_id")
    )
    for i in rows:
        out.setdefault(i.agency_result.agency_id, []).append(i)
    return out


def _charts(
    result: AgencyResult,
    shown: list[IndicatorResult],
    peers: dict[tuple[str, tuple[str, str, str]], list[dict[str, Any]]],
    history: list[IndicatorResult],
) -> tuple[list[dict[str, Any]], str, list[dict[str, Any]]]:
    from transferwatch.monitoring import charts

    agency = result.agency
    basis = peer_basis(agency)
    funnels = funnel_plots(agency.ori, shown, lambda key: peers.get((basis, key), []))
    names = {(i.name, i.group) for i in shown}
    rows = [
        history_row(i)
        for i in history
        if (i.name, i.group) in names and i.agency_result.run.period_to
    ]
    runs = {r["run"] for r in rows}
    svg = charts.history(rows) if len(runs) > 1 else ""
    return funnels, svg, rows
