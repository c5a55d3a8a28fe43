from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models


class ImportQuerySet(models.QuerySet["Import"]):
    def visible_to(self, user: Any) -> ImportQuerySet:
        if not user.has_perm("imports.view_import"):
            return self.none()
        return self


class Import(models.Model):
    """One file brought in: who, when, its hash, how many rows were accepted and rejected."""

    KINDS = [
        ("agencies", "Agencies"),
        ("bookings", "Bookings"),
        ("detainers", "ICE detainer release"),
        ("facilities", "Facilities to agencies (crosswalk)"),
    ]
    STATUSES = [
        ("queued", "Queued"),
        ("running", "Running"),
        ("done", "Imported"),
        ("unchanged", "Already imported (same file)"),
        ("rejected", "Rejected: invalid rows, nothing imported"),
        ("failed", "Failed: nothing imported"),
        ("interrupted", "Interrupted by a shutdown: nothing imported; can be restarted"),
    ]
    FINISHED = ("done", "unchanged", "rejected", "failed", "interrupted")

    kind = models.CharField(max_length=12, choices=KINDS)
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=40, blank=True)
    file_hash = models.CharField("SHA-256 of the file", max_length=64, blank=True, db_index=True)
    file_size = models.PositiveBigIntegerField(default=0)
    skip_invalid = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=STATUSES, default="queued")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveBigIntegerField(default=0)
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_accepted = models.PositiveBigIntegerField(default=0)
    rows_rejected = models.PositiveBigIntegerField(default=0)
    message = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = ImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.kind})"

    @property
    def folder(self) -> Path:
        """Where this import keeps its uploaded file and its rejects report."""
        return Path(settings.DATA_DIR) / "imports" / str(self.pk)

    @property
    def rejects_path(self) -> Path:
        return self.folder / "rejects.csv"

    @property
    def progress_path(self) -> Path:
        return self.folder / "progress.json"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    def live_progress(self) -> None:
        """While running, take the rows done from the progress file an import inside its
        transaction writes (`services.progress`); the row itself is updated only at the end."""
        if self.status != "running":
            return
        try:
            live = json.loads(self.progress_path.read_text())
        except (OSError, ValueError):
            return
        self.rows_done = max(self.rows_done, int(live.get("rows_done") or 0))
        self.rows_total = int(live.get("rows_total") or self.rows_total)

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))
