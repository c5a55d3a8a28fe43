"""Packets requested from the web are built as background tasks (`transferwatch db_worker`)."""

from __future__ import annotations

from django_tasks import task

from transferwatch.reports.models import Packet
from transferwatch.reports.services import execute


@task()
def build_packet(packet_id: int) -> str:
    """Build the packet recorded as `packet_id`."""
    return execute(Packet.objects.get(pk=packet_id)).status
