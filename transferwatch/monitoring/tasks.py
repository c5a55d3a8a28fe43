"""Monitoring runs started from the web run as background tasks (`transferwatch db_worker`)."""

from __future__ import annotations

from django_tasks import task

from transferwatch.monitoring.models import MonitoringRun
from transferwatch.monitoring.services import execute


@task()
def run_monitoring(run_id: int) -> str:
    """Run the monitoring engine for the run recorded as `run_id`."""
    return execute(MonitoringRun.objects.get(pk=run_id)).status
