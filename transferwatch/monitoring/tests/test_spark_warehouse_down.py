"""A monitoring run on a Spark warehouse whose master cannot be reached fails at once, saying so.

`transferwatch monitor` exits 1 with the store named, a run from the web is marked failed with
the same message (never left `running`), nothing is stored, and a new run works once the
warehouse is back. This path needs no pyspark: the master is asked before any session is made.
The master or worker lost in the middle of a run is tested on a real standalone cluster in
`analytics/tests/test_spark_cluster.py` (with the ``spark`` extra).
"""

from __future__ import annotations

import socket
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from transferwatch.analytics.synth import generate
from transferwatch.audit.models import Event
from transferwatch.conftest import client_for
from transferwatch.monitoring.models import AgencyResult, MonitoringRun
from transferwatch.monitoring.tests.conftest import IMMEDIATE


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once the socket is closed


@pytest.fixture
def imported(tmp_path: Path, settings: Any, db: Any) -> Path:
    settings.DATA_DIR = tmp_path / "var"
    settings.WAREHOUSE_DIR = tmp_path / "var" / "warehouse"
    settings.WAREHOUSE = ""
    folder = tmp_path / "synth"
    generate(
        folder, agencies=5, start=date(2021, 1, 1), end=date(2022, 12, 31), seed=11,
        plants={}, fmt="csv", bookings=2000,
    )  # fmt: skip
    call_command("import", "agencies", str(folder / "agencies.csv"))
    call_command("import", "bookings", str(folder / "bookings.csv"))
    return folder


def test_monitor_exits_1_naming_the_spark_warehouse_when_its_master_is_gone(
    imported: Path, settings: Any, tmp_path: Path
) -> None:
    port = _closed_port()
    settings.WAREHOUSE = f"spark://127.0.0.1:{port}"
    started = time.monotonic()
    with pytest.raises(CommandError) as caught:
        call_command("monitor", "--json", str(tmp_path / "out.json"))
    assert time.monotonic() - started < 30
    assert caught.value.returncode == 1
    assert str(caught.value) == (
        f"the Spark warehouse (spark://127.0.0.1:{port}) failed: the Spark master cannot be "
        "reached; nothing was stored: run it again when the cluster is back"
    )
    assert not (tmp_path / "out.json").exists()


@override_settings(TASKS=IMMEDIATE)
def test_a_web_run_on_a_spark_warehouse_that_is_down_is_failed_and_a_new_run_works(
    imported: Path, settings: Any, analyst: Any, django_capture_on_commit_callbacks: Any
) -> None:
    port = _closed_port()
    settings.WAREHOUSE = f"spark://127.0.0.1:{port}"
    client = client_for(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/monitoring/", {"period_from": "", "period_to": ""})
    run = MonitoringRun.objects.get()
    assert response.status_code == 302
    assert run.status == "failed" and run.finished_at is not None
    assert run.message.startswith(f"the Spark warehouse (spark://127.0.0.1:{port}) failed: ")
    assert "the Spark master cannot be reached" in run.message
    assert not AgencyResult.objects.filter(run=run).exists()
    event = Event.objects.get(action="monitoring.run.failed")
    assert event.changes == {"message": run.message}
    page = client.get(f"/monitoring/runs/{run.pk}/").content.decode()
    assert "the Spark master cannot be reached" in page
    # the warehouse is back (here: the same Parquet files, aggregated in the process)
    settings.WAREHOUSE = ""
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/monitoring/", {"period_from": "", "period_to": ""})
    again = MonitoringRun.objects.exclude(pk=run.pk).get()
    assert again.status == "done", again.message
    assert AgencyResult.objects.filter(run=again).count() == 5
