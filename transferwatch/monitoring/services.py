"""Monitoring runs as state transitions: queued -> running -> done | failed.

An agency newly at `significant` concern becomes a monitoring allegation (cases app) for CRCL
analysts to triage, linked to the run and the flagged indicators.

Each move is one function that checks the state, changes it in a transaction and records an audit
event in that same transaction. The web task and `transferwatch monitor_run` both call `execute`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from transferwatch.agencies.models import Agency
from transferwatch.analytics.aggregate import AgencyInfo, MonitorInputError
from transferwatch.analytics.monitor import run as run_engine
from transferwatch.analytics.stores import WarehouseError
from transferwatch.audit.services import record
from transferwatch.cases.services import monitoring_allegation
from transferwatch.imports.warehouse import store
from transferwatch.monitoring.figures import FUNNEL_FIELDS, funnel_key, funnel_plots, history_row
from transferwatch.monitoring.ice import ice_counts, ice_fingerprint
from transferwatch.monitoring.models import (
    AgencyResult,
    IndicatorResult,
    MonitoringRun,
)

AGENCY_FIELDS = (
    "ori",
    "state",
    "activation_date",
    "population",
    "pop_hispanic",
    "pop_lep",
    "peer_group",
)


class TransitionError(ValueError):
    """A move that the current status does not allow."""


def database_agencies() -> list[AgencyInfo]:
    """The agencies table as the engine reads it."""
    return [
        AgencyInfo(**{f: getattr(a, f) for f in AGENCY_FIELDS})
        for a in Agency.objects.order_by("ori").only(*AGENCY_FIELDS)
    ]


def fingerprint(agencies: list[AgencyInfo]) -> tuple[str, dict[str, Any]]:
    """A hash of the data a run sees: the warehouse's import hashes, the agency table and how
    many transfer requests and classifications there are."""
    held = store().state()
    table = json.dumps([[getattr(a, f) for f in AGENCY_FIELDS] for a in agencies], default=str)
    details = {
        "imports": sorted(held["imports"]),
        "warehouse_version": held["version"],
        "warehouse_rows": held["rows"],
        "agencies_sha256": hashlib.sha256(table.encode()).hexdigest(),
        **ice_fingerprint(),
    }
    digest = hashlib.sha256(json.dumps(details, sort_keys=True).encode()).hexdigest()
    return digest, details


def queue(
    user: Any, period_from: date | None = None, period_to: date | None = None
) -> MonitoringRun:
    """Record a new run over the imported warehouse, waiting for a worker."""
    if period_from and period_to and period_from > period_to:
        raise MonitorInputError(f"the period starts ({period_from}) after it ends ({period_to})")
    parameters = {
        "from": period_from.isoformat() if period_from else None,
        "to": period_to.isoformat() if period_to else None,
        "source": "warehouse",
    }
    with transaction.atomic():
        run = MonitoringRun.objects.create(
            parameters=parameters,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        record("monitoring.run.queued", run, actor=user, changes=parameters)
    return run


def _locked(run: MonitoringRun, allowed: tuple[str, ...]) -> MonitoringRun:
    locked = MonitoringRun.objects.select_for_update().get(pk=run.pk)
    if locked.status not in allowed:
        raise TransitionError(f"run {run.pk} is {locked.status}, not {' or '.join(allowed)}")
    return locked


def mark_running(run: MonitoringRun, fingerprint: str, details: dict[str, Any]) -> MonitoringRun:
    with transaction.atomic():
        run = _locked(run, ("queued",))
        run.status = "running"
        run.started_at = timezone.now()
        run.fingerprint = fingerprint
        run.fingerprint_details = details
        run.save()
        record("monitoring.run.started", run, changes={"fingerprint": fingerprint})
    return run


def report_progress(run: MonitoringRun, done: int, total: int) -> None:
    # A plain UPDATE outside any transaction, so the page polling the run sees it at once.
    percent = int(100 * done / total) if total else 0
    MonitoringRun.objects.filter(pk=run.pk, status="running").update(progress=min(99, percent))


def fail(run: MonitoringRun, message: str) -> MonitoringRun:
    with transaction.atomic():
        run = _locked(run, ("queued", "running"))
        run.status = "failed"
        run.finished_at = timezone.now()
        run.message = message
        run.save()
        record("monitoring.run.failed", run, changes={"message": message})
    return run


def interrupt(run: MonitoringRun, reason: str) -> MonitoringRun:
    """A shutdown stopped the run (its results were never committed): it can be restarted."""
    with transaction.atomic():
        run = _locked(run, ("queued", "running"))
        run.status = "interrupted"
        run.finished_at = timezone.now()
        run.message = f"interrupted ({reason}); nothing was stored: restart it"
        run.save()
        record("monitoring.run.interrupted", run, changes={"reason": reason})
    return run


def requeue(run: MonitoringRun, user: Any) -> MonitoringRun:
    """The reverse of `interrupt`: the same run waits for a worker again."""
    with transaction.atomic():
        run = _locked(run, ("interrupted",))
        run.status = "queued"
        run.progress = 0
        run.started_at = run.finished_at = None
        run.message = ""
        run.save()
        record("monitoring.run.requeued", run, actor=user)
    return run


def _previous_significant(run: MonitoringRun) -> set[int]:
    previous = (
        MonitoringRun.objects.filter(status="done", finished_at__isnull=False)
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-pk")
        .first()
    )
    if previous is None:
        return set()
    return set(previous.results.filter(concern="significant").values_list("agency_id", flat=True))


def finish(
    run: MonitoringRun,
    document: dict[str, Any],
    comparisons: dict[tuple[str, str], str] | None = None,
) -> MonitoringRun:
    """Store the engine's document, open allegations for newly significant agencies, mark done.

    `comparisons` ((ori, indicator) -> comparison, from the engine) is stored with each result.
    """
    comparisons = comparisons or {}
    agencies = {a.ori: a for a in Agency.objects.only("pk", "ori")}
    with transaction.atomic():
        run = _locked(run, ("running",))
        before = _previous_significant(run)
        results = [
            AgencyResult(
                run=run,
                agency=agencies[entry["ori"]],
                concern=entry["concern"],
                flagged=entry["flagged"],
                n_bookings=entry["n_bookings"],
                request_rates=entry.get("request_rates") or [],
                request_rates_note=entry.get("request_rates_note") or "",
            )
            for entry in document["agencies"]
            if entry["ori"] in agencies
        ]
        AgencyResult.objects.bulk_create(results, batch_size=500)
        by_ori = {r.agency.ori: r for r in results}
        indicators = [
            IndicatorResult(
                agency_result=by_ori[entry["ori"]],
                name=i["name"],
                group=i.get("group") or "",
                estimate=i["estimate"],
                ci_low=i["ci_low"],
                ci_high=i["ci_high"],
                p_value=i["p_value"],
                q_value=i["q_value"],
                n=i["n"] or 0,
                flagged=i["flagged"],
                explanation=i["explanation"] or "",
                comparison=comparisons.get((entry["ori"], i["name"]), ""),
            )
            for entry in document["agencies"]
            if entry["ori"] in by_ori
            for i in entry["indicators"]
        ]
        IndicatorResult.objects.bulk_create(indicators, batch_size=1000)
        run.status = "done"
        run.progress = 100
        run.finished_at = timezone.now()
        run.method_version = document["method_version"]
        run.period_from = date.fromisoformat(document["period"]["from"])
        run.period_to = date.fromisoformat(document["period"]["to"])
        significant = sum(r.concern == "significant" for r in results)
        watch = sum(r.concern == "watch" for r in results)
        run.message = (
            f"{len(results)} agencies, {significant} significant, {watch} to watch "
            f"({run.period_from} to {run.period_to})"
        )
        run.save()
        record(
            "monitoring.run.finished",
            run,
            changes={"agencies": len(results), "significant": significant, "watch": watch},
        )
        for entry in document["agencies"]:
            result = by_ori.get(entry["ori"])
            if result is None or result.concern != "significant" or result.agency.pk in before:
                continue
            names = sorted({i["name"] for i in entry["indicators"] if i["flagged"]})
            monitoring_allegation(run, result.agency, names)
    return run


def execute(run: MonitoringRun) -> MonitoringRun:
    """Run the engine for a queued run over the imported warehouse, ICE's transfer requests
    (`ice.ice_counts`) and the agencies table."""
    agencies = database_agencies()
    digest, details = fingerprint(agencies)
    run = mark_running(run, digest, details)
    if not agencies:
        return fail(run, "no agencies imported: import agencies first")
    params = run.parameters
    period_from = date.fromisoformat(params["from"]) if params.get("from") else None
    period_to = date.fromisoformat(params["to"]) if params.get("to") else None
    comparisons: dict[tuple[str, str], str] = {}
    try:
        document = run_engine(
            store(),
            agencies,
            period_from,
            period_to,
            lambda done, total: report_progress(run, done, total),
            comparisons,
            ice=ice_counts,
        )
    except MonitorInputError as exc:
        return fail(run, str(exc))
    except WarehouseError as exc:
        # A store that is down or gave up (a lost Spark master or worker): the message names it
        # and says that nothing was stored; the task is failed too, and a new run can start.
        fail(run, str(exc))
        raise
    except Exception as exc:
        fail(run, f"the monitoring engine failed: {type(exc).__name__}: {exc}")
        raise
    return finish(run, document, comparisons)


def agency_section(agency: Agency) -> dict[str, Any]:
    """What the agency page shows of monitoring: history across runs, the latest run's funnels."""
    from transferwatch.monitoring import charts

    history = list(
        IndicatorResult.objects.filter(
            agency_result__agency=agency, agency_result__run__status="done"
        )
        .select_related("agency_result__run")
        .order_by("name", "group", "agency_result__run__period_to", "agency_result__run_id")
    )
    if not history:
        return {"has_results": False}
    rows = [history_row(i) for i in history]
    latest_run = max((i.agency_result.run for i in history), key=lambda r: (r.finished_at, r.pk))
    latest = [i for i in history if i.agency_result.run_id == latest_run.pk]
    peers_of = AgencyResult.objects.filter(run=latest_run)
    if agency.peer_group:
        peers_of = peers_of.filter(agency__peer_group=agency.peer_group)
    else:
        peers_of = peers_of.filter(agency__state=agency.state)
    peer_rows = IndicatorResult.objects.filter(agency_result__in=peers_of).values(*FUNNEL_FIELDS)
    by_indicator: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for p in peer_rows:
        entry = {**p, "ori": p["agency_result__agency__ori"]}
        by_indicator.setdefault(funnel_key(p), []).append(entry)
    funnels = funnel_plots(agency.ori, latest, lambda key: by_indicator.get(key, []))
    return {
        "has_results": True,
        "rows": rows,
        "history_svg": charts.history(rows),
        "latest_run": latest_run,
        "latest": latest,
        "concern": AgencyResult.objects.filter(run=latest_run, agency=agency).first(),
        "funnels": funnels,
        "peer_basis": f"peer group {agency.peer_group}"
        if agency.peer_group
        else f"agencies in {agency.state}",
    }
