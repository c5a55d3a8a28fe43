"""The operator page: the worker's queue, running and failed tasks, interrupted work to restart."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tasks_db.models import DBTaskResult

from transferwatch.accounts.access import permission_or_404
from transferwatch.imports.models import Import
from transferwatch.monitoring.models import MonitoringRun
from transferwatch.operations import health, shutdown

VIEW = "operations.view_operations"
FAILED_SHOWN = 20
# Who may restart what, beyond seeing the page: the same permission as starting it anew.
RESTART = {"import": "imports.add_import", "run": "monitoring.add_monitoringrun"}
MODELS = {"import": "imports.Import", "run": "monitoring.MonitoringRun"}


def _task_name(path: str) -> str:
    return path.rsplit(".", 1)[-1].replace("_", " ")


def _error(task: DBTaskResult) -> str:
    """The exception's class and message (messages name records by id only, never people)."""
    last = (task.traceback or "").strip().splitlines()[-1:] or [""]
    return last[0][:300] or task.exception_class_path.rsplit(".", 1)[-1]


@permission_or_404(VIEW)
def operations(request: HttpRequest) -> HttpResponse:
    tasks = DBTaskResult.objects.all()
    ready = tasks.ready().order_by("enqueued_at")
    oldest = ready.values_list("enqueued_at", flat=True).first()
    day_ago = timezone.now() - timedelta(days=1)
    context = {
        "ready_count": ready.count(),
        "oldest": oldest,
        "scheduled_count": tasks.filter(status="READY").count() - ready.count(),
        "running": [
            {"task": t, "name": _task_name(t.task_path), "worker": (t.worker_ids or ["-"])[-1]}
            for t in tasks.running().order_by("started_at")
        ],
        "failed_day": tasks.failed().filter(finished_at__gte=day_ago).count(),
        "done_day": tasks.successful().filter(finished_at__gte=day_ago).count(),
        "failed": [
            {"task": t, "name": _task_name(t.task_path), "error": _error(t)}
            for t in tasks.failed().order_by("-finished_at")[:FAILED_SHOWN]
        ],
        "interrupted_imports": Import.objects.filter(status="interrupted").order_by("-pk"),
        "interrupted_runs": MonitoringRun.objects.filter(status="interrupted").order_by("-pk"),
        "can_restart_import": request.user.has_perm(RESTART["import"]),
        "can_restart_run": request.user.has_perm(RESTART["run"]),
        "readiness": health.readiness()[1],
    }
    return render(request, "operations/operations.html", context)


@require_POST
@permission_or_404(VIEW)
def restart(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in MODELS or not request.user.has_perm(RESTART[kind]):
        raise Http404
    try:
        record = shutdown.restart(MODELS[kind], pk, request.user)
    except (ValueError, Import.DoesNotExist, MonitoringRun.DoesNotExist) as exc:
        messages.error(request, f"Not restarted: {exc}.")
    else:
        messages.success(request, f"{record} queued again.")
    return redirect("operations")
