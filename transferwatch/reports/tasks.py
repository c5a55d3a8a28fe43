"""Packets requested from the web, and the public report, are built as background tasks
(`transferwatch db_worker`)."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from transferwatch.reports import snapshot
from transferwatch.reports.models import Packet
from transferwatch.reports.services import execute

ASKED_KEY = "reports:public:asked"
ASK_AGAIN_AFTER = 300  # seconds: a process asks for a rebuild at most this often
RUNNING_AT_MOST = timedelta(hours=1)  # a "running" publish older than this is taken as dead
RETRY_FAILED_AFTER = timedelta(minutes=30)  # a failed build (minutes of work) is not retried sooner


@task()
def build_packet(packet_id: int) -> str:
    """Build the packet recorded as `packet_id`."""
    return execute(Packet.objects.get(pk=packet_id)).status


@task()
def publish_report() -> str:
    """Build and store the public report unless the newest snapshot is of the current data."""
    return snapshot.publish_if_stale()


def publish_pending() -> bool:
    """Whether a publish_report task is queued, running since less than RUNNING_AT_MOST, or
    failed less than RETRY_FAILED_AFTER ago (the operator page shows it)."""
    now = timezone.now()
    return (
        DBTaskResult.objects.filter(task_path=publish_report.module_path)
        .filter(
            Q(status="READY")
            | Q(status="RUNNING", started_at__gte=now - RUNNING_AT_MOST)
            | Q(status="FAILED", finished_at__gte=now - RETRY_FAILED_AFTER)
        )
        .exists()
    )


def ask_for_publish() -> bool:
    """Enqueue one publish_report, unless this process asked within ASK_AGAIN_AFTER seconds or
    one is already queued or running (any process). True if enqueued."""
    if not cache.add(ASKED_KEY, 1, ASK_AGAIN_AFTER):
        return False
    if publish_pending():
        return False
    publish_report.enqueue()
    return True
