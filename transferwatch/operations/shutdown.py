"""Graceful shutdown of the background worker, and restarting the work a shutdown stopped.

A deploy stops the worker with SIGTERM and kills it a few seconds later. An import or a monitoring
run can take minutes, so waiting for it is no use: on SIGTERM the running task is interrupted at
once (`WorkerInterrupted`, raised in the task by the signal handler), its transaction rolls back so
nothing half-written stays, and its record (Import, MonitoringRun) is marked `interrupted`, which
the operator page offers to restart. A worker killed outright (SIGKILL, a crash) leaves its tasks
`running`: the next worker to start on the same host finds them (the worker id names the host and
the process) and marks them the same way.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections, connection
from django.db.utils import Error as DatabaseError

logger = logging.getLogger("transferwatch.operations")


class WorkerInterrupted(BaseException):
    """Raised inside a running task when the worker is told to stop.

    A BaseException, like KeyboardInterrupt, so that the `except Exception` of a task that
    records its own failures does not take a shutdown for a failure of the work.
    """


@dataclass(frozen=True)
class Interruptible:
    """A task whose record shows its state: how to find the record, mark it and restart it."""

    model: str  # "app_label.ModelName"
    interrupt: Callable[[Any, str], Any]
    requeue: Callable[[Any, Any], Any]
    enqueue: Callable[[int], Any]


def interruptible() -> dict[str, Interruptible]:
    """The tasks that work on a record, by task path (the first argument is the record's id)."""
    from transferwatch.imports import services as imports
    from transferwatch.imports.tasks import run_import
    from transferwatch.monitoring import services as monitoring
    from transferwatch.monitoring.tasks import run_monitoring

    return {
        "transferwatch.imports.tasks.run_import": Interruptible(
            "imports.Import", imports.interrupt, imports.requeue, run_import.enqueue
        ),
        "transferwatch.monitoring.tasks.run_monitoring": Interruptible(
            "monitoring.MonitoringRun",
            monitoring.interrupt,
            monitoring.requeue,
            run_monitoring.enqueue,
        ),
    }


def worker_id() -> str:
    """`host.pid.random`: unique, and tells a later worker on the same host whether it is alive."""
    from django.utils.crypto import get_random_string

    return f"{socket.gethostname()[:40]}.{os.getpid()}.{get_random_string(8)}"


def _alive_here(worker: str) -> bool:
    """Whether the worker named by `worker` may still be running (True unless known dead)."""
    host, _, pid = worker.rpartition(".")[0].rpartition(".")
    if host != socket.gethostname()[:40] or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _record_of(task_result: Any) -> tuple[Interruptible, Any] | None:
    from django.apps import apps

    kind = interruptible().get(task_result.task_path)
    args = (task_result.args_kwargs or {}).get("args") or []
    if kind is None or not args:
        return None
    model = apps.get_model(kind.model)
    found = model.objects.filter(pk=args[0], status__in=("queued", "running")).first()
    return (kind, found) if found is not None else None


def mark_interrupted(task_result: Any, reason: str) -> bool:
    """Mark the record of a stopped task interrupted; False if it has none or already finished."""
    found = _record_of(task_result)
    if found is None:
        return False
    kind, record = found
    kind.interrupt(record, reason)
    logger.warning(
        "task interrupted (%s); its record can be restarted",
        reason,
        extra={"task": task_result.task_path, "record": f"{kind.model}:{record.pk}"},
    )
    return True


def after_interrupt(task_result: Any, reason: str) -> None:
    """Mark the record of the task a signal stopped; the database connection may be broken by
    the interrupted query, so a fresh one is used if the first attempt fails."""
    try:
        mark_interrupted(task_result, reason)
    except DatabaseError:
        connection.close()
        close_old_connections()
        mark_interrupted(task_result, reason)


def sweep_stale() -> int:
    """Tasks left `running` by a worker on this host that is no longer alive: fail the task
    result and mark its record interrupted. Run when a worker starts."""
    from django_tasks_db.models import DBTaskResult

    swept = 0
    for task_result in DBTaskResult.objects.filter(status="RUNNING"):
        workers = task_result.worker_ids or []
        if not workers or _alive_here(str(workers[-1])):
            continue
        task_result.set_failed(WorkerInterrupted("its worker ended while it ran"))
        mark_interrupted(task_result, "its worker ended")
        swept += 1
    from transferwatch.imports.services import reap_interrupted

    return swept + reap_interrupted()


def restart(model: str, pk: int, user: Any) -> Any:
    """Queue an interrupted import or monitoring run again, and its task."""
    from django.db import transaction

    kind = next(k for k in interruptible().values() if k.model == model)
    from django.apps import apps

    record = apps.get_model(model).objects.get(pk=pk)
    with transaction.atomic():
        record = kind.requeue(record, user)
        transaction.on_commit(lambda: kind.enqueue(record.pk))
    return record
