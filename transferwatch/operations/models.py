"""No tables: one permission, to see the worker's queue and restart interrupted work."""

from __future__ import annotations

from django.db import models


class Operations(models.Model):
    """Holds the operator permission (Django keeps permissions per model); never stored."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_operations", "See the worker queue and restart interrupted work")]

    def __str__(self) -> str:
        return "Operations"
