"""The lifecycle of meetings and their action items, and the edits between the moves.

Meeting: planned -> agenda_ready (the agenda is fixed and shared) -> held (minutes and action
items can be written) -> minutes_approved (a CRCL supervisor); a ready agenda can go back to
planned, with a reason, to be changed. Action item: open -> done, or open -> carried when the
next meeting is created (a copy continues it there).

Moves go through `transferwatch.lib.workflow` (locked row, history step, audit event; a refused
move changes nothing and is audited). Edits (details, agenda, attendees, minutes, new action
items) go through `edit`: the same scope, permission and state checks, a history step "edited"
and an audit event naming what was edited, never its text.

Who (accounts/roles.py): CRCL analysts, investigators and supervisors view, create and edit
meetings and record action items; supervisors approve the minutes; ICE HQ reviewers and DHS
leadership read. ICE field reviewers have no access: the agenda is national, not by area.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from transferwatch.audit.services import record
from transferwatch.lib import workflow
from transferwatch.meetings import agenda
from transferwatch.meetings.models import ActionItem, AgendaItem, Meeting

VIEW = "meetings.view_meeting"
ADD = "meetings.add_meeting"
CHANGE = "meetings.change_meeting"
APPROVE = "meetings.approve_minutes"
CHANGE_ITEM = "meetings.change_actionitem"
# What each edit may change, and in which states of the meeting.
EDITS: dict[str, tuple[str, ...]] = {
    "details": ("planned", "agenda_ready"),
    "agenda": ("planned",),
    "attendees": ("planned", "agenda_ready", "held"),
    "minutes": ("held",),
    "action_item": ("held",),
}


# Meetings ------------------------------------------------------------------------------------


def _has_agenda(m: Meeting, user: Any, data: dict[str, Any]) -> str | None:
    return None if m.agenda.exists() else "the agenda is empty: draft or write it first"


def _has_taken_place(m: Meeting, user: Any, data: dict[str, Any]) -> str | None:
    if m.date > timezone.localdate():
        return f"the meeting is on {m.date:%Y-%m-%d}: it can be recorded as held from that day"
    return None


def _held(m: Meeting, user: Any, text: str, data: dict[str, Any]) -> None:
    m.held_at = timezone.now()


def _has_minutes(m: Meeting, user: Any, data: dict[str, Any]) -> str | None:
    return None if m.minutes.strip() else "the minutes are empty: write them first"


def _approve(m: Meeting, user: Any, text: str, data: dict[str, Any]) -> None:
    m.approved_by = user
    m.approved_at = timezone.now()


MOVES: dict[str, workflow.Move] = {
    "prepare_agenda": workflow.Move(
        ("planned",), "agenda_ready", CHANGE, "Mark the agenda ready", check=_has_agenda
    ),
    "reopen_agenda": workflow.Move(
        ("agenda_ready",),
        "planned",
        CHANGE,
        "Reopen the agenda for changes",
        needs_text=True,
        button="secondary",
    ),
    "hold": workflow.Move(
        ("agenda_ready",),
        "held",
        CHANGE,
        "Record that the meeting was held",
        check=_has_taken_place,
        apply=_held,
    ),
    "approve_minutes": workflow.Move(
        ("held",),
        "minutes_approved",
        APPROVE,
        "Approve the minutes",
        check=_has_minutes,
        apply=_approve,
    ),
}


def meeting_move(m: Meeting, action: str, user: Any, text: str = "") -> Meeting:
    result: Meeting = workflow.move(
        MOVES, m, action, user, visible=Meeting.objects.visible_to, text=text
    )
    return result


def create_meeting(user: Any, fields: dict[str, Any]) -> Meeting:
    """A planned meeting; the open action items of the meeting before it are carried to it."""
    if not user.has_perm(ADD):
        raise workflow.Refused("your role may not create meetings")
    with transaction.atomic():
        m = Meeting.objects.create(created_by=user, **fields)
        workflow.created(m, user)
        previous = m.previous()
        if previous is not None:
            carry_open_items(previous, m, user)
    return m


def edit(
    m: Meeting,
    user: Any,
    what: str,
    change: Callable[[Meeting], list[str]],
    action: str = "",
) -> list[str]:
    """Run `change` on the locked meeting when `user` may edit `what` now; returns what changed.

    `change` returns the names of what it changed (empty: nothing is recorded).
    """
    from transferwatch.cases.models import Step

    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=m.pk)
        if not Meeting.objects.visible_to(user).filter(pk=m.pk).exists():
            why: str | None = "outside scope"
        elif not user.has_perm(CHANGE):
            why = "your role may not edit meetings"
        elif locked.status not in EDITS[what]:
            why = f"the {what.replace('_', ' ')} cannot be changed once the meeting is " + (
                locked.get_status_display().lower()
            )
        else:
            why = None
            changed = change(locked)
            if changed:
                locked.save()
                Step.objects.create(
                    record=locked,
                    action=action or f"edited_{what}",
                    from_status=locked.status,
                    to_status=locked.status,
                    actor=user,
                    actor_name=user.get_username(),
                )
                record(
                    f"meetings.meeting.{action or what + '_edited'}",
                    locked,
                    actor=user,
                    changes={"fields": sorted(changed)},
                )
            return changed
    with transaction.atomic():
        record(
            "meetings.meeting.refused",
            m,
            actor=user,
            changes={"action": f"edit_{what}", "reason": why},
        )
    if why == "outside scope":
        raise Http404
    raise workflow.Refused(why)


def update_fields(m: Meeting, user: Any, what: str, fields: dict[str, Any]) -> list[str]:
    def change(locked: Meeting) -> list[str]:
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, fields[name])
        return changed

    return edit(m, user, what, change)


def draft_agenda(m: Meeting, user: Any) -> list[AgendaItem]:
    """Replace the drafted items of the agenda with a fresh draft; items staff wrote stay after."""

    def change(locked: Meeting) -> list[str]:
        items = agenda.draft(locked)
        locked.agenda.filter(drafted=True).delete()
        kept = list(locked.agenda.order_by("position", "pk"))
        for position, item in enumerate(items, start=1):
            AgendaItem.objects.create(
                meeting=locked,
                position=position,
                section=item.section,
                title=item.title,
                notes=item.notes,
                links=[link.as_json() for link in item.links],
                drafted=True,
            )
        for position, kept_item in enumerate(kept, start=len(items) + 1):
            kept_item.position = position
            kept_item.save(update_fields=["position"])
        locked.agenda_drafted_at = timezone.now()
        counts = Counter(item.section for item in items)
        return [f"{section}:{n}" for section, n in sorted(counts.items())] or ["empty"]

    edit(m, user, "agenda", change, action="drafted_agenda")
    return list(m.agenda.all())


# Action items --------------------------------------------------------------------------------


def _carry_target(item: ActionItem, user: Any, data: dict[str, Any]) -> str | None:
    target = data.get("target")
    if not isinstance(target, Meeting) or target.pk == item.meeting_id:
        return "an item is carried only to another meeting, when that meeting is created"
    return None


def _done(item: ActionItem, user: Any, text: str, data: dict[str, Any]) -> None:
    item.done_at = timezone.now()


ACTION_MOVES: dict[str, workflow.Move] = {
    "done": workflow.Move(("open",), "done", CHANGE_ITEM, "Mark as done", apply=_done),
    "carry": workflow.Move(
        ("open",), "carried", CHANGE_ITEM, "Carry to the next meeting", check=_carry_target
    ),
}


def item_move(item: ActionItem, action: str, user: Any, text: str = "") -> ActionItem:
    result: ActionItem = workflow.move(
        ACTION_MOVES, item, action, user, visible=ActionItem.objects.visible_to, text=text
    )
    return result


def carry_open_items(source: Meeting, target: Meeting, user: Any) -> list[ActionItem]:
    """Continue each open item of `source` in `target`; the originals become `carried`."""
    carried = []
    with transaction.atomic():
        for old in ActionItem.objects.filter(meeting=source, status="open").order_by("pk"):
            new = ActionItem.objects.create(
                meeting=target,
                description=old.description,
                side=old.side,
                owner=old.owner,
                owner_text=old.owner_text,
                due_date=old.due_date,
                carried_from=old,
            )
            workflow.created(new, user, text=f"Carried from {source}.")
            workflow.move(
                ACTION_MOVES,
                old,
                "carry",
                user,
                visible=ActionItem.objects.visible_to,
                text=f"Carried to {target}.",
                data={"target": target},
            )
            carried.append(new)
    return carried


def add_action_item(m: Meeting, user: Any, fields: dict[str, Any]) -> ActionItem:
    created: list[ActionItem] = []

    def change(locked: Meeting) -> list[str]:
        item = ActionItem.objects.create(meeting=locked, **fields)
        workflow.created(item, user)
        created.append(item)
        return ["action_items"]

    edit(m, user, "action_item", change)
    return created[0]


def open_items_before(m: Meeting) -> int:
    """Open items of the meeting before `m` that were not carried (added after `m` was made)."""
    previous = m.previous()
    if previous is None:
        return 0
    return ActionItem.objects.filter(meeting=previous, status="open").count()


def carry_late_items(m: Meeting, user: Any) -> list[ActionItem]:
    """Carry to `m` the open items the previous meeting got after `m` was created."""
    if not Meeting.objects.visible_to(user).filter(pk=m.pk).exists():
        raise Http404
    if not user.has_perm(CHANGE_ITEM) or m.status == "minutes_approved":
        raise workflow.Refused("open items can be carried only to a meeting not yet closed")
    previous = m.previous()
    return carry_open_items(previous, m, user) if previous else []


def upcoming_and_past(user: Any, today: date | None = None) -> tuple[Any, Any]:
    today = today or timezone.localdate()
    meetings = Meeting.objects.visible_to(user).annotate(
        open_items=Count("action_items", filter=Q(action_items__status="open"))
    )
    upcoming = meetings.filter(date__gte=today).exclude(status="minutes_approved")
    past = meetings.filter(Q(date__lt=today) | Q(status="minutes_approved"))
    return upcoming.order_by("date", "pk"), past.order_by("-date", "-pk")
