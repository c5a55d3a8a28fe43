"""The scheduler process: the daily casework jobs at a time of day, or once."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from transferwatch.operations.management.commands import scheduler

NY = ZoneInfo("America/New_York")


def test_the_next_run_is_today_if_the_time_is_still_ahead_else_tomorrow() -> None:
    assert scheduler.next_run(datetime(2026, 3, 7, 5, 59, tzinfo=NY), (6, 0)) == datetime(
        2026, 3, 7, 6, 0, tzinfo=NY
    )
    assert scheduler.next_run(datetime(2026, 3, 7, 6, 0, tzinfo=NY), (6, 0)) == datetime(
        2026, 3, 8, 6, 0, tzinfo=NY
    )


@pytest.mark.parametrize("bad", ["6", "24:00", "06:60", "six"])
def test_it_refuses_a_time_that_is_not_one(bad: str) -> None:
    with pytest.raises(CommandError, match="HH:MM") as refused:
        scheduler.parse_at(bad)
    assert refused.value.returncode == 2


def test_once_runs_casework_due_then_notify_daily(db: Any) -> None:
    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)
    text = out.getvalue()
    assert text.index("remedial measures lapsed: 0") < text.index("digest")


def test_a_failing_job_does_not_stop_the_next(db: Any, monkeypatch: Any) -> None:
    ran = []

    def fake(name: str, **kwargs: Any) -> None:
        ran.append(name)
        if name == "casework_due":
            raise RuntimeError("database went away")

    monkeypatch.setattr(scheduler, "call_command", fake)
    assert scheduler.run_jobs(io.StringIO()) is False
    assert ran == ["casework_due", "notify_daily", "publish_report"]


def test_sigterm_stops_a_waiting_scheduler_at_once(tmp_path: Any) -> None:
    import os
    import signal
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env["TRANSFERWATCH_DATA_DIR"] = str(tmp_path)
    tw = [sys.executable, "-m", "transferwatch.cli"]
    subprocess.run([*tw, "migrate", "-v0"], env=env, check=True, capture_output=True, timeout=300)
    process = subprocess.Popen(
        [*tw, "scheduler", "--at", "03:00"], env=env, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    for line in process.stderr:  # wait until it sleeps
        if "next daily jobs at" in line:
            break
    process.send_signal(signal.SIGTERM)
    # Not after its next 30-second nap: honcho and systemd kill it a few seconds after SIGTERM.
    assert process.wait(timeout=10) == 0
