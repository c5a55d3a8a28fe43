from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Audit events are never changed or removed."""


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")


def _show(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


class Event(models.Model):
    """One entry of the audit trail. The database refuses UPDATE and DELETE on this table."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    role = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")

    def change_lines(self) -> list[tuple[str, str]]:
        """The changes as (field, text) for people to read."""
        lines = []
        for name, value in self.changes.items():
            if isinstance(value, dict) and set(value) == {"from", "to"}:
                text = f"{_show(value['from'])} → {_show(value['to'])}"
            elif isinstance(value, list):
                text = ", ".join(_show(v) for v in value)
            else:
                text = _show(value)
            lines.append((name, text))
        return lines


class ChainHead(models.Model):
    """One row: the last sequence number written. Updating it first serialises writers."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"audit chain head at {self.seq}"
