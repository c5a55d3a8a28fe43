"""Packet builds as state transitions: queued -> running -> done | failed.

Each move is one function that checks the state, changes it in a transaction and records an
audit event in that same transaction (quarter and file sizes only: a packet holds no personal
data, and neither do its events). The web task and `transferwatch packet` share `packet.build`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from transferwatch.audit.services import record
from transferwatch.reports import packet as content
from transferwatch.reports.models import Packet, packet_dir
from transferwatch.reports.quarters import Quarter, QuarterError


class TransitionError(ValueError):
    """A move that the packet's current status does not allow."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def queue(user: Any, quarter: Quarter) -> Packet:
    with transaction.atomic():
        packet = Packet.objects.create(
            quarter=quarter.label,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        record("reports.packet.queued", packet, actor=user, changes={"quarter": quarter.label})
    return packet


def _locked(packet: Packet, allowed: tuple[str, ...]) -> Packet:
    locked = Packet.objects.select_for_update().get(pk=packet.pk)
    if locked.status not in allowed:
        raise TransitionError(f"packet {packet.pk} is {locked.status}, not {' or '.join(allowed)}")
    return locked


def mark_running(packet: Packet) -> Packet:
    with transaction.atomic():
        packet = _locked(packet, ("queued",))
        packet.status = "running"
        packet.started_at = timezone.now()
        packet.save()
        record("reports.packet.started", packet, changes={"quarter": packet.quarter})
    return packet


def report_progress(packet: Packet, percent: int, what: str) -> None:
    # A plain UPDATE outside any transaction, so the page polling the packet sees it at once.
    Packet.objects.filter(pk=packet.pk, status="running").update(
        progress=min(99, percent), message=what
    )


def fail(packet: Packet, message: str) -> Packet:
    with transaction.atomic():
        packet = _locked(packet, ("queued", "running"))
        packet.status = "failed"
        packet.finished_at = timezone.now()
        packet.message = message
        packet.save()
        record("reports.packet.failed", packet, changes={"message": message})
    return packet


def finish(packet: Packet, built: content.Built) -> Packet:
    """Store both files under DATA_DIR/packets, then mark the packet done."""
    stem = f"packet-{packet.quarter}-{packet.pk}"
    write_atomic(packet_dir() / f"{stem}.html", built.html.encode("utf-8"))
    if built.pdf is not None:
        write_atomic(packet_dir() / f"{stem}.pdf", built.pdf)
    with transaction.atomic():
        packet = _locked(packet, ("running",))
        packet.status = "done"
        packet.progress = 100
        packet.finished_at = timezone.now()
        packet.html_name = f"{stem}.html"
        packet.pdf_name = f"{stem}.pdf" if built.pdf is not None else ""
        packet.pdf_pages = built.pages
        packet.summary = content.summary_json(built.figures)
        packet.message = f"{built.pages or 0} pages" if built.pdf is not None else "HTML only"
        packet.save()
        record(
            "reports.packet.finished",
            packet,
            changes={
                "quarter": packet.quarter,
                "pages": built.pages,
                "pdf_bytes": len(built.pdf or b""),
            },
        )
    return packet


def execute(packet: Packet) -> Packet:
    """Build a queued packet: the task of the web page runs this."""
    packet = mark_running(packet)
    try:
        quarter = Quarter.parse(packet.quarter)
        built = content.build(quarter, lambda p, what: report_progress(packet, p, what))
    except QuarterError as exc:
        return fail(packet, str(exc))
    except Exception as exc:
        fail(packet, f"the packet could not be built: {type(exc).__name__}")
        raise
    return finish(packet, built)
