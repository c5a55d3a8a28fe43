"""The public report is served from stored snapshots built off-request (`snapshot`, `tasks`)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from transferwatch.reports import publish, snapshot, tasks
from transferwatch.reports.models import PublicReport
from transferwatch.transfers.models import TransferRequest

PREPARING = "The report is being prepared; it is published within minutes."


def _queued() -> int:
    return DBTaskResult.objects.filter(
        task_path=tasks.publish_report.module_path, status="READY"
    ).count()


@pytest.fixture
def large(monkeypatch: Any) -> None:
    """The data count as too large to build the report inside a request."""
    monkeypatch.setattr(snapshot, "BUILD_IN_REQUEST_UP_TO", 0)


def test_large_data_are_prepared_in_the_background_then_served(
    world: Any, large: None, monkeypatch: Any
) -> None:
    client = Client()
    built = []
    real_build = publish.build_report

    def counting_build(*args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(publish, "build_report", counting_build)
    first = client.get(reverse("public_report"))
    assert first.status_code == 200
    assert PREPARING in first.content.decode() and "<h1>" in first.content.decode()
    assert _queued() == 1
    for name in ("public_report_csv", "public_report_json"):
        waiting = client.get(reverse(name))
        assert waiting.status_code == 503, name
        assert int(waiting["Retry-After"]) > 0
        assert PREPARING in waiting.content.decode()
    client.get(reverse("public_report"))
    cache.clear()  # another process: the queued task is seen in the database
    client.get(reverse("public_report"))
    assert _queued() == 1
    assert built == [] and not PublicReport.objects.exists()

    assert tasks.publish_report.call() == "published"
    assert built == [1] and PublicReport.objects.count() == 1
    assert tasks.publish_report.call() == "current"
    assert built == [1] and PublicReport.objects.count() == 1

    monkeypatch.setattr(publish, "build_report", lambda *a, **k: pytest.fail("built again"))
    page = client.get(reverse("public_report")).content.decode()
    assert "<caption" in page and PREPARING not in page
    assert client.get(reverse("public_report_csv")).status_code == 200
    assert client.get(reverse("public_report_json")).status_code == 200
    assert _queued() == 1  # the snapshot is current: nothing more asked for


def test_a_stale_snapshot_is_served_while_one_rebuild_is_queued(
    world: Any, large: None, monkeypatch: Any
) -> None:
    old = snapshot.build(snapshot.fingerprint())
    monkeypatch.setattr(publish, "build_report", lambda *a, **k: pytest.fail("built in request"))
    TransferRequest.objects.create(
        request_type="detainer", request_date=date(2015, 7, 3), aor=world["small"].aor
    )
    assert snapshot.fingerprint() != old.fingerprint
    client = Client()
    for _ in range(3):
        response = client.get(reverse("public_report"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "<caption" in page and old.report["metadata"]["generated_at"] in page
        assert client.get(reverse("public_report_csv")).status_code == 200
    cache.clear()  # another process asks again: the queued task is seen in the database
    client.get(reverse("public_report"))
    assert _queued() == 1


def test_a_failed_build_is_not_retried_at_once(db: Any) -> None:
    failed = DBTaskResult.objects.get(pk=tasks.publish_report.enqueue().id)
    failed.set_failed(RuntimeError("out of memory"))
    assert tasks.publish_pending()
    DBTaskResult.objects.filter(pk=failed.pk).update(
        finished_at=timezone.now() - tasks.RETRY_FAILED_AFTER - timedelta(minutes=1)
    )
    assert not tasks.publish_pending()
    assert tasks.ask_for_publish() and _queued() == 1
    assert not tasks.ask_for_publish()


def test_a_view_reads_the_stored_report_once_per_process(world: Any) -> None:
    client = Client()
    first = client.get(reverse("public_report_csv")).content  # built now: the data are small
    assert PublicReport.objects.count() == 1
    with CaptureQueriesContext(connection) as queries:
        again = client.get(reverse("public_report_csv")).content
        client.get(reverse("public_report"))
    assert again == first  # the same figures as built, after the round trip through the database
    sqls = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sqls if '"report"' in q and "publicreport" in q]
    assert len([q for q in sqls if "publicreport" in q]) == 2  # one small query per view


def test_the_command_enqueues_a_rebuild_only_when_needed(world: Any) -> None:
    out = io.StringIO()
    call_command("publish_report", stdout=out)
    call_command("publish_report", stdout=out)
    assert _queued() == 1
    assert "rebuild queued" in out.getvalue() and "already queued" in out.getvalue()
    call_command("publish_report", "--now", stdout=out)
    assert "public report: published" in out.getvalue()
    call_command("publish_report", stdout=out)
    assert out.getvalue().rstrip().endswith("public report: current")
    assert _queued() == 1 and PublicReport.objects.count() == 1


def test_only_the_newest_snapshots_are_kept(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(snapshot, "KEEP", 2)
    made = [snapshot.build(f"stamp-{i}").pk for i in range(4)]
    assert list(PublicReport.objects.values_list("pk", flat=True)) == made[:-3:-1]
