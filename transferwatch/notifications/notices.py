"""Notices to staff: new work in someone's queue, and (from the daily command) due dates.

A notice names the record by its number, says what waits and links to the record's page; it
never names a person or an A-number (DOMAIN.md section 5), so it may sit in any mailbox. Each
recipient gets it at once or, if they chose the daily digest (`Preference`), held for the digest.

`after_move` is called by the move engine (`lib/workflow.py`) inside the move's transaction, for
every move and every new record; the table `NEW_WORK` says which of them put work in whose queue.
The message goes out after the transaction commits: a move that rolls back tells nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from transferwatch.notifications.models import Message, Preference

# Who does what (accounts/roles.py): the queues a notice can go to.
ANALYST, INVESTIGATOR, SUPERVISOR = "crcl_analyst", "crcl_investigator", "crcl_supervisor"
FIELD, HQ, OPLA = "ice_field_reviewer", "ice_hq_reviewer", "opla_attorney"


def record_url(obj: Any) -> str:
    """The path of a record's page."""
    if hasattr(obj, "get_absolute_url"):
        return str(obj.get_absolute_url())
    names = {
        "discretion.pdrequest": "pd_detail",
        "meetings.meeting": "meeting_detail",
        "accounts.area": "review_queue",
    }
    name = names[obj._meta.label_lower]
    return reverse(name) if name == "review_queue" else reverse(name, args=[obj.pk])


def record_number(obj: Any) -> str:
    return str(getattr(obj, "number", "") or obj)


def with_role(role: str, area: Any = None) -> models.QuerySet[Any]:
    """Active users of one role (of one area of responsibility, when given)."""
    from transferwatch.accounts.models import User

    users = User.objects.filter(is_active=True, groups__name=role)
    if area is not None:
        users = users.filter(areas=area)
    return users.distinct().order_by("pk")


def digest_users(users: Iterable[Any]) -> set[int]:
    """The pks of those among `users` who chose the daily digest."""
    pks = [u.pk for u in users]
    chosen = Preference.objects.filter(user__in=pks, delivery="daily")
    return set(chosen.values_list("user_id", flat=True))


def tell(
    users: Iterable[Any],
    about: Any,
    what: str,
    *,
    kind: str = "work",
    key: str = "",
    actor: Any = None,
    url: str = "",
    number: str = "",
) -> list[Message]:
    """Queue one notice per user (not to `actor`, nor twice for the same `key`).

    `what` is one sentence about the record, without personal data: it is the subject (after
    the record number) and the first line of the body.
    """
    from transferwatch.notifications.services import queue

    actor_pk = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    recipients = {u.pk: u for u in users if u.pk != actor_pk}
    if key:
        told = Message.objects.filter(user__in=list(recipients), key=key)
        for pk in told.values_list("user_id", flat=True):
            recipients.pop(pk, None)
    if not recipients:
        return []
    held = digest_users(recipients.values())
    number = number or record_number(about)
    url = url or record_url(about)
    body = (
        f"{what}\n\n"
        f"Record: {number}\n"
        f"Open it: {settings.BASE_URL}{url}\n\n"
        "You receive this because the work is in your queue in TransferWatch. Choose e-mail "
        f"at once or a daily digest: {settings.BASE_URL}{reverse('notification_preferences')}\n"
    )
    return [
        queue(
            kind,
            about,
            user=user,
            subject=f"{number}: {what}"[:200],
            body=body,
            url=url,
            number=number,
            key=key,
            hold=user.pk in held,
        )
        for user in recipients.values()
    ]


# New work --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    what: str
    to: Callable[[Any], Iterable[Any]]


def _investigator(obj: Any) -> list[Any]:
    return [obj.investigator] if obj.investigator_id and obj.investigator.is_active else []


def _field_of_area(pd: Any) -> Iterable[Any]:
    return with_role(FIELD, pd.aor)


def _role(role: str) -> Callable[[Any], Iterable[Any]]:
    return lambda obj: with_role(role)


# (model, action) -> the work it puts in someone's queue; "created" is a new record.
NEW_WORK: dict[tuple[str, str], Work] = {
    ("cases.allegation", "created"): Work("an allegation is waiting for triage", _role(ANALYST)),
    ("cases.inquiry", "created"): Work("an inquiry is assigned to you", _investigator),
    ("cases.inquiry", "responses_complete"): Work(
        "an inquiry is ready to be closed (a supervisor's decision)", _role(SUPERVISOR)
    ),
    ("discretion.pdrequest", "submit"): Work(
        "a PD request is waiting for field review in your area", _field_of_area
    ),
    ("discretion.pdrequest", "to_hq"): Work("a PD request is waiting for HQ review", _role(HQ)),
    ("escalations.escalation", "created"): Work(
        "a letter is drafted and waits for a supervisor's approval", _role(SUPERVISOR)
    ),
    ("escalations.escalation", "return_to_draft"): Work(
        "a letter was returned to draft and waits for approval again", _role(SUPERVISOR)
    ),
    ("meetings.meeting", "hold"): Work(
        "a meeting was held: its minutes wait for a supervisor's approval", _role(SUPERVISOR)
    ),
}


def after_move(obj: Any, action: str, actor: Any) -> None:
    """Tell whoever has new work because `actor` took `action` on `obj` (or created it)."""
    work = NEW_WORK.get((obj._meta.label_lower, action))
    if work is None:
        return
    if (
        action == "created"
        and obj._meta.label_lower == "cases.allegation"
        and obj.status != "received"
    ):
        return  # entered already triaged: nothing waits
    tell(work.to(obj), obj, work.what, actor=actor)
