"""Graceful shutdown: SIGTERM to the worker mid-task interrupts the task, rolls its work back,
marks its record `interrupted`; the operator restarts it and it runs to the end. A worker killed
outright is found by the next worker to start on the host."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from transferwatch.agencies.models import Agency
from transferwatch.audit.models import Event
from transferwatch.conftest import client_for
from transferwatch.imports import services as import_services
from transferwatch.imports import warehouse
from transferwatch.imports.models import Import
from transferwatch.imports.tasks import run_import
from transferwatch.monitoring import services as monitoring_services
from transferwatch.monitoring.models import MonitoringRun
from transferwatch.monitoring.tasks import run_monitoring
from transferwatch.operations import shutdown
from transferwatch.operations.management.commands.db_worker import GracefulWorker

AGENCIES = "ori,name,state\nTX0571800,Example Police Department,TX\n"


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any, db: Any) -> Path:
    settings.DATA_DIR = tmp_path / "var"
    settings.WAREHOUSE_DIR = tmp_path / "var" / "warehouse"
    return tmp_path


@pytest.fixture
def worker() -> Iterator[GracefulWorker]:
    """A worker with its signal handlers installed, as `transferwatch db_worker` runs it."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    worker = GracefulWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=shutdown.worker_id(),
        excluded_queue_names=[],
    )
    worker.configure_signals()
    yield worker
    for number, handler in saved.items():
        signal.signal(number, handler)


def queued_import(data_dir: Path) -> Import:
    imp = Import.objects.create(kind="agencies", file_name="agencies.csv")
    imp.folder.mkdir(parents=True)
    (imp.folder / "upload.csv").write_text(AGENCIES)
    return imp


def claimed(task_result: Any, worker: GracefulWorker) -> DBTaskResult:
    db_result = DBTaskResult.objects.get(pk=task_result.id)
    db_result.claim(worker.worker_id)
    return db_result


def test_sigterm_interrupts_an_import_and_the_operator_restarts_it(
    data_dir: Path, worker: GracefulWorker, supervisor: Any, monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    imp = queued_import(data_dir)
    real_import = warehouse.import_agencies

    def killed_midway(path: Path, *, imp: Import, **kwargs: Any) -> Import:
        from django.db import transaction

        with transaction.atomic():
            import_services.mark_running(imp)
            Agency.objects.create(ori="XX0000001", name="Half written")
            os.kill(os.getpid(), signal.SIGTERM)  # a deploy stops the worker here
            raise AssertionError("the signal should have stopped the import")

    monkeypatch.setattr(warehouse, "import_agencies", killed_midway)
    task = claimed(run_import.enqueue(imp.pk), worker)
    worker.run_task(task)

    task.refresh_from_db()
    imp.refresh_from_db()
    assert worker.running is False  # the worker stops after this task
    assert task.status == "FAILED"
    assert task.exception_class_path == "transferwatch.operations.shutdown.WorkerInterrupted"
    assert imp.status == "interrupted" and "worker stopped by SIGTERM" in imp.message
    assert not Agency.objects.filter(ori="XX0000001").exists()  # nothing half written
    assert Event.objects.filter(action="imports.import.interrupted").count() == 1

    page = client_for(supervisor).get("/operations/").content.decode()
    assert f"Import {imp.pk} (agencies)" in page and "Restart" in page
    monkeypatch.setattr(warehouse, "import_agencies", real_import)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(supervisor).post(f"/operations/restart/import/{imp.pk}/")
    assert response.status_code == 302
    imp.refresh_from_db()
    assert imp.status == "queued"
    again = DBTaskResult.objects.get(status="READY")
    assert again.args_kwargs["args"] == [imp.pk]
    GracefulWorker.run_task(worker, again)  # the next worker runs it to the end
    imp.refresh_from_db()
    assert imp.status == "done", imp.message
    assert Agency.objects.filter(ori="TX0571800").exists()
    assert Event.objects.filter(action="imports.import.requeued", actor=supervisor).exists()


def test_sigterm_interrupts_a_monitoring_run(
    data_dir: Path, worker: GracefulWorker, phi_agency: Any, monkeypatch: Any
) -> None:
    run = monitoring_services.queue(None)

    def engine_killed(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("the signal should have stopped the run")

    monkeypatch.setattr(monitoring_services, "run_engine", engine_killed)
    worker.run_task(claimed(run_monitoring.enqueue(run.pk), worker))
    run.refresh_from_db()
    assert run.status == "interrupted" and run.finished
    assert not run.results.exists()
    assert monitoring_services.requeue(run, None).status == "queued"


def test_a_signal_between_tasks_just_stops_the_worker(worker: GracefulWorker) -> None:
    with pytest.raises(SystemExit) as stopped:
        os.kill(os.getpid(), signal.SIGTERM)
    assert stopped.value.code == 0


def test_a_worker_starting_marks_what_a_dead_worker_left_running(data_dir: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()[:40]
    orphan, alive = (
        queued_import(data_dir),
        Import.objects.create(kind="agencies", status="running"),
    )
    for imp, pid in ((orphan, dead.pid), (alive, os.getpid())):
        Import.objects.filter(pk=imp.pk).update(status="running")
        DBTaskResult.objects.get(pk=run_import.enqueue(imp.pk).id).claim(f"{host}.{pid}.abcdefgh")
    elsewhere = MonitoringRun.objects.create(status="running")
    DBTaskResult.objects.get(pk=run_monitoring.enqueue(elsewhere.pk).id).claim("other.1.abcdefgh")

    assert shutdown.sweep_stale() == 1
    orphan.refresh_from_db()
    alive.refresh_from_db()
    elsewhere.refresh_from_db()
    assert orphan.status == "interrupted" and "its worker ended" in orphan.message
    assert (alive.status, elsewhere.status) == ("running", "running")
    assert DBTaskResult.objects.filter(status="FAILED").count() == 1
    assert import_services.requeue(orphan, None).status == "queued"  # its file is still there


def test_an_import_without_its_file_cannot_be_restarted(data_dir: Path, supervisor: Any) -> None:
    imp = Import.objects.create(kind="agencies", file_name="gone.csv", status="interrupted")
    response = client_for(supervisor).post(f"/operations/restart/import/{imp.pk}/", follow=True)
    assert "no longer has its file: upload it again" in response.content.decode()
    imp.refresh_from_db()
    assert imp.status == "interrupted"
