"""The operator page: the worker's queue, running and failed tasks, for the supervisor only."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from transferwatch.conftest import client_for
from transferwatch.imports.tasks import run_import
from transferwatch.monitoring.tasks import run_monitoring


@pytest.fixture
def queue(db: Any) -> None:
    """Two tasks waiting, one running, one failed."""
    run_import.enqueue(41)
    run_monitoring.enqueue(42)
    running = DBTaskResult.objects.get(args_kwargs__args=[42])
    running.claim("host-a.123.abcdefgh")
    failed = DBTaskResult.objects.get(pk=run_import.enqueue(43).id)
    failed.claim("host-a.123.abcdefgh")
    failed.set_failed(ValueError("bookings.csv row 7, field booking_date: not a date"))


@pytest.mark.usefixtures("queue")
def test_the_supervisor_sees_queue_depth_running_and_failed_tasks(supervisor: Any) -> None:
    response = client_for(supervisor).get("/operations/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Waiting: 1 task," in page
    assert "Running: 1" in page
    assert "run monitoring" in page and "host-a.123.abcdefgh" in page
    assert "ValueError: bookings.csv row 7, field booking_date: not a date" in page
    assert "0 finished, 1 failed" in page
    assert 'href="/operations/"' in page  # in the navigation


@pytest.mark.parametrize(
    "role",
    ["analyst", "investigator", "field_phi", "hq", "opla", "leadership", "auditor", "outsider"],
)
def test_other_roles_find_no_such_page(role: str, request: pytest.FixtureRequest) -> None:
    client = client_for(request.getfixturevalue(role))
    response = client.get("/operations/")
    assert response.status_code == 404  # docs/security.md: never a 403
    assert 'href="/operations/"' not in client.get("/").content.decode()
    assert client.post("/operations/restart/import/1/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(db: Any) -> None:
    from django.test import Client

    response = Client().get("/operations/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_task_waiting_with_no_worker_is_pointed_out(supervisor: Any) -> None:
    run_import.enqueue(7)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timezone.timedelta(minutes=5))
    page = client_for(supervisor).get("/operations/").content.decode()
    assert "the oldest for 5" in page
    assert "none is running: is the worker process up?" in page
