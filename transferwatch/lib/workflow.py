"""Lifecycle moves of CRCL's casework records (DOMAIN.md section 6), one engine for all of them.

An allegation, an inquiry, a PD request, an escalation and a remedial measure each have a
`status` and a table of `Move`s. `move()` takes one: inside a transaction it locks the row,
checks the state, the actor's permission and any extra rule of the record (`check`), requires a
reason where the move says so, applies the change (`apply`), writes a `cases.Step` (the
record's visible history, with the reason text) and an audit event (without the text: reasons
may name people). A refused move changes nothing and is itself written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.http import Http404

from transferwatch.audit.services import record


class Refused(Exception):
    """The move is not allowed: wrong state, wrong role, outside scope, or a missing reason."""


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    permission: str
    label: str
    needs_text: bool = False
    # Other rules: return None when allowed, else why not (checked on the locked row).
    check: Callable[[Any, Any, dict[str, Any]], str | None] | None = None
    # Side effects beyond the status change (run on the locked row before it is saved).
    apply: Callable[[Any, Any, str, dict[str, Any]], None] | None = None
    button: str = ""  # "secondary" or "" (primary)
    fields: tuple[str, ...] = field(default_factory=tuple)  # form fields the move asks for


def allowed(
    moves: dict[str, Move], obj: Any, user: Any, visible: Callable[[Any], models.QuerySet[Any]]
) -> list[tuple[str, Move]]:
    """The moves `user` may take on `obj` now (for showing buttons)."""
    if not visible(user).filter(pk=obj.pk).exists():
        return []
    out = []
    for name, m in moves.items():
        if (
            obj.status in m.sources
            and user.has_perm(m.permission)
            and (m.check is None or m.check(obj, user, {}) is None)
        ):
            out.append((name, m))
    return out


def move(
    moves: dict[str, Move],
    obj: Any,
    action: str,
    user: Any,
    *,
    visible: Callable[[Any], models.QuerySet[Any]],
    text: str = "",
    data: dict[str, Any] | None = None,
) -> Any:
    """Take `action` on `obj`; Http404 outside the user's scope, Refused when not allowed.

    Both outcomes that change nothing are audited. Returns the refreshed object.
    """
    from transferwatch.cases.models import Step

    data = data or {}
    text = (text or "").strip()
    model = type(obj)
    label = model._meta.label_lower
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        if not visible(user).filter(pk=obj.pk).exists():
            why: str | None = "outside scope"
        elif action not in moves:
            why = f"{action!r} is not a move of this record"
        else:
            m = moves[action]
            why = None
            if not user.has_perm(m.permission):
                why = "your role may not take this action"
            elif locked.status not in m.sources:
                why = f"the record is {locked.get_status_display().lower()}"
            elif m.needs_text and not text:
                why = "a reason is required"
            elif m.check is not None:
                why = m.check(locked, user, data)
        if why is None:
            m = moves[action]
            source = locked.status
            locked.status = m.target
            if m.apply is not None:
                m.apply(locked, user, text, data)
            locked.save()
            Step.objects.create(
                record=locked,
                action=action,
                from_status=source,
                to_status=m.target,
                actor=user if getattr(user, "is_authenticated", False) else None,
                actor_name=user.get_username()
                if getattr(user, "is_authenticated", False)
                else "system",
                text=text,
            )
            record(
                f"{label}.{action}",
                locked,
                actor=user,
                changes={"status": {"from": source, "to": m.target}},
            )
            _tell_whose_work_it_is(locked, action, user)
    if why is None:
        obj.refresh_from_db()
        return obj
    with transaction.atomic():
        record(f"{label}.refused", obj, actor=user, changes={"action": action, "reason": why})
    if why == "outside scope":
        raise Http404
    raise Refused(why)


def created(obj: Any, user: Any, text: str = "", status: str | None = None) -> None:
    """The first step of a record's history (call inside the creating transaction)."""
    from transferwatch.cases.models import Step

    actor = user if getattr(user, "is_authenticated", False) else None
    Step.objects.create(
        record=obj,
        action="created",
        from_status="",
        to_status=status or obj.status,
        actor=actor,
        actor_name=actor.get_username() if actor else "public",
        text=text,
    )
    record(f"{obj._meta.label_lower}.created", obj, actor=user, changes={"status": obj.status})
    _tell_whose_work_it_is(obj, "created", user)


def _tell_whose_work_it_is(obj: Any, action: str, user: Any) -> None:
    """Queue the notices of new work the move made (sent once the transaction commits)."""
    from transferwatch.notifications.notices import after_move

    after_move(obj, action, user)


def history_rows(
    obj: Any, moves: dict[str, Move], labels: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The record's history for `includes/history.html`: who, when, what, from and to, why."""
    from transferwatch.cases.models import history

    names = {"created": "Created", **{n: m.label for n, m in moves.items()}, **(labels or {})}
    statuses = dict(type(obj).STATUSES)
    return [
        {
            "at": s.at,
            "actor": s.actor.display_name if s.actor is not None else s.actor_name,
            "label": names.get(s.action, s.action.replace("_", " ").capitalize()),
            "moved": s.from_status != s.to_status,
            "from": statuses.get(s.from_status, s.from_status),
            "to": statuses.get(s.to_status, s.to_status),
            "text": s.text,
        }
        for s in history(obj)
    ]
