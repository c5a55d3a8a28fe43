"""Writing audit events. Call `record` inside the transaction of the change it records."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from transferwatch.audit import chain
from transferwatch.audit.models import ChainHead, Event
from transferwatch.lib.requestid import current_request_id, current_system_actor


def _plain(value: Any) -> Any:
    """JSON-native values only, so the hash of what is stored equals the hash of what is read."""
    return json.loads(json.dumps(value, default=str))


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    actor: Any = None,
    changes: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
) -> Event:
    """Append one event to the chain.

    `action` is namespaced (`agencies.agency.updated`). `changes` holds field names and values
    that are not personal data: never names, A-numbers or dates of birth.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if user is None:
        role = ""
    elif user.role is not None:
        role = user.role.code
    else:
        role = "superuser" if user.is_superuser else ""
    now = timezone.now()
    with transaction.atomic():
        # The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before we read
        # the head, so two writers can never link to the same previous event.
        ChainHead.objects.filter(pk=1).update(seq=models.F("seq") + 1)
        head = ChainHead.objects.get(pk=1)
        fields = {
            "seq": head.seq,
            "at": now.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": user.pk if user is not None else None,
            "actor_name": user.get_username() if user is not None else current_system_actor.get(),
            "role": role,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "changes": _plain(changes or {}),
            "request_id": current_request_id.get(),
        }
        digest = chain.link_hash(settings.AUDIT_KEY, fields, head.hash)
        event = Event.objects.create(
            seq=fields["seq"],
            at=now,
            actor=user,
            actor_name=fields["actor_name"],
            role=fields["role"],
            action=action,
            object_type=object_type,
            object_id=object_id,
            changes=fields["changes"],
            request_id=fields["request_id"],
            prev_hash=head.hash,
            hash=digest,
        )
        ChainHead.objects.filter(pk=1).update(hash=digest)
    return event


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Field -> {"from": old, "to": new} for the fields whose value changed."""
    return {
        name: {"from": _plain(before.get(name)), "to": _plain(after.get(name))}
        for name in after
        if before.get(name) != after.get(name)
    }


def stored_fields(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "changes": event.changes,
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def verify_chain(chunk_size: int = 5000, progress: Any = None) -> chain.Verification:
    """Walk every stored event in order; `progress(n)` is called as events are read."""
    head = ChainHead.objects.filter(pk=1).first()
    total = head.seq if head else 0

    def rows() -> Any:
        for n, event in enumerate(
            Event.objects.order_by("seq").iterator(chunk_size=chunk_size), start=1
        ):
            if progress is not None and n % chunk_size == 0:
                progress(n)
            yield stored_fields(event)

    result = chain.verify(settings.AUDIT_KEY, rows(), expected_last_seq=total)
    if progress is not None:
        progress(result.verified)
    return result
