"""Quarterly packets built in the background: their quarter, progress and stored files.

Statuses change only in `transferwatch.reports.services` (one function per move, each writing an
audit event in the same transaction). The files live under settings.DATA_DIR / "packets".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models


def packet_dir() -> Path:
    return Path(settings.DATA_DIR) / "packets"


class PacketQuerySet(models.QuerySet["Packet"]):
    def visible_to(self, user: Any) -> PacketQuerySet:
        if not getattr(user, "is_authenticated", False) or not user.has_perm("reports.view_packet"):
            return self.none()
        return self


class Packet(models.Model):
    """One build of the quarterly CRCL/ICE meeting packet (HTML and PDF of the same template)."""

    STATUSES = [
        ("queued", "Queued"),
        ("running", "Building"),
        ("done", "Done"),
        ("failed", "Failed"),
    ]
    FINISHED = ("done", "failed")

    quarter = models.CharField(max_length=6, help_text="e.g. 2015Q3")
    status = models.CharField(max_length=10, choices=STATUSES, default="queued")
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    html_name = models.CharField(max_length=80, blank=True)
    pdf_name = models.CharField(max_length=80, blank=True)
    pdf_pages = models.PositiveIntegerField(null=True, blank=True)
    # The summary figures as built (aggregates only), for the list page and checks.
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = PacketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        # Django's own view_packet (open packets and agency profiles) and add_packet (build one).

    def __str__(self) -> str:
        return f"Packet {self.pk} ({self.quarter})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        return 100 if self.finished else min(99, self.progress)

    def path(self, kind: str) -> Path | None:
        name = self.html_name if kind == "html" else self.pdf_name
        return packet_dir() / name if name else None


class PublicReport(models.Model):
    """One build of the public transparency report (`publish.build_report`), as it is served.

    Built off-request by the `publish_report` task (see `transferwatch.reports.snapshot`); the
    public pages read the newest. `fingerprint` says which data it was built from.
    """

    built_at = models.DateTimeField(auto_now_add=True)
    fingerprint = models.CharField(max_length=200)
    report = models.JSONField()
    chart_svg = models.TextField(blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Public report {self.pk} ({self.built_at:%Y-%m-%d %H:%M})"
