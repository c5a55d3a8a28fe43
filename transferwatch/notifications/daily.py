"""The daily notices: due dates coming and passed, and the digests of those who chose one.

Run by `transferwatch notify_daily` once a day (after `casework_due`). Each notice has a key
naming the record, whether its due date is coming or passed, and that due date, so a record is
told about once when its due date comes near and once when it has passed, however often the
command runs; the review queue, which can hold thousands of requests, is told as one count per
area and day. Digests gather every notice held for a user into one message; a held notice is
carried by exactly one digest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from transferwatch.notifications import notices
from transferwatch.notifications.models import Message

COMING_DAYS = 3  # a due date this many days ahead (or fewer) is "coming"


@dataclass(frozen=True)
class Due:
    about: Any
    due: date
    work: str  # what is due, e.g. "the triage of an allegation"
    to: list[Any]


@dataclass(frozen=True)
class DailyResult:
    notices: int
    digests: int


def _day(value: date | datetime) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


def due_items(today: date, days: int = COMING_DAYS) -> Iterator[Due]:
    """Casework whose due date is within `days` of `today` or has passed, with who answers."""
    from transferwatch.cases.models import Allegation, Inquiry
    from transferwatch.discretion.models import PDRequest
    from transferwatch.escalations.models import RemedialMeasure

    horizon = today + timedelta(days=days)
    end = timezone.make_aware(datetime.combine(horizon + timedelta(days=1), datetime.min.time()))
    analysts = list(notices.with_role(notices.ANALYST))
    for a in Allegation.objects.filter(status="received", due_at__lt=end).order_by("pk"):
        yield Due(a, _day(a.due_at), "the triage of an allegation", analysts)

    inquiries = Inquiry.objects.exclude(status="closed").filter(step_due__lte=horizon)
    for i in inquiries.select_related("investigator").order_by("pk"):
        to = [i.investigator] if i.investigator and i.investigator.is_active else []
        yield Due(i, i.step_due, f"the current step of an inquiry ({i.get_status_display()})", to)

    hq = list(notices.with_role(notices.HQ))
    waiting = {
        "submitted": "field review",
        "field_review": "field review",
        "hq_review": "HQ review",
    }
    pds = PDRequest.objects.filter(status__in=list(waiting), due_at__lt=end).select_related("aor")
    for pd in pds.order_by("pk"):
        to = hq if pd.status == "hq_review" else list(notices.with_role(notices.FIELD, pd.aor))
        yield Due(pd, _day(pd.due_at), f"the {waiting[pd.status]} of a PD request", to)

    measures = RemedialMeasure.objects.filter(
        status__in=("agreed", "in_progress"), due_date__lte=horizon
    ).select_related("created_by", "inquiry__investigator")
    for m in measures.order_by("pk"):
        people = {m.created_by.pk: m.created_by}
        if m.inquiry and m.inquiry.investigator:
            people[m.inquiry.investigator.pk] = m.inquiry.investigator
        to = [u for u in people.values() if u.is_active]
        yield Due(m, m.due_date, "a remedial measure", to)


def send_due_notices(today: date, days: int = COMING_DAYS) -> int:
    """Queue the due-date notices not sent before; returns how many were queued."""
    sent = 0
    for item in due_items(today, days):
        passed = item.due < today
        state = "passed" if passed else "coming"
        what = (
            f"{item.work} was due on {item.due:%Y-%m-%d} and is past due"
            if passed
            else f"{item.work} is due on {item.due:%Y-%m-%d}"
        )
        label = item.about._meta.label_lower
        key = f"due:{label}:{item.about.pk}:{state}:{item.due.isoformat()}"
        with transaction.atomic():
            sent += len(
                notices.tell(item.to, item.about, what[0].upper() + what[1:], kind="due", key=key)
            )
    return sent + send_review_queue_notices(today, days)


def send_review_queue_notices(today: date, days: int = COMING_DAYS) -> int:
    """One notice per area and day to its field reviewers (and OPLA for its share): how many
    transfer requests in the review queue are past due or due within `days`."""
    from transferwatch.accounts.models import Area
    from transferwatch.transfers.models import TransferRequest

    horizon = today + timedelta(days=days)
    queues = {"in_review": notices.FIELD, "opla_review": notices.OPLA}
    counts = (
        TransferRequest.objects.filter(
            review_status__in=list(queues), review_due__lte=horizon, aor__isnull=False
        )
        .values("aor", "review_status")
        .annotate(
            passed=Count("pk", filter=Q(review_due__lt=today)),
            coming=Count("pk", filter=Q(review_due__gte=today)),
        )
        .order_by("aor", "review_status")
    )
    areas = Area.objects.in_bulk({row["aor"] for row in counts})
    sent = 0
    for row in counts:
        area, role = areas[row["aor"]], queues[row["review_status"]]
        to = notices.with_role(role, area if role == notices.FIELD else None)
        parts = []
        if row["passed"]:
            parts.append(f"{row['passed']} past due")
        if row["coming"]:
            parts.append(f"{row['coming']} due by {horizon:%Y-%m-%d}")
        what = f"Transfer requests in the review queue of {area.code}: {' and '.join(parts)}"
        key = f"due:review:{area.code}:{row['review_status']}:{today.isoformat()}"
        with transaction.atomic():
            sent += len(
                notices.tell(
                    to,
                    area,
                    what,
                    kind="due",
                    key=key,
                    url=reverse("review_queue"),
                    number=f"Review queue {area.code}",
                )
            )
    return sent


def send_digests(today: date) -> int:
    """One digest per user with held notices; returns how many digests were queued."""
    from transferwatch.accounts.models import User
    from transferwatch.notifications.services import queue

    held: dict[int, list[Message]] = defaultdict(list)
    for message in Message.objects.filter(status="held", user__isnull=False).order_by("pk"):
        held[message.user_id].append(message)
    users = User.objects.in_bulk(list(held))
    count = 0
    for pk, messages in held.items():
        with transaction.atomic():
            # Lock the held rows: a second run at the same time must not digest them again.
            locked = list(
                Message.objects.select_for_update().filter(
                    pk__in=[m.pk for m in messages], status="held"
                )
            )
            if not locked:
                continue
            digest = queue(
                "digest",
                users[pk],
                user=users[pk],
                subject=f"TransferWatch: {len(locked)} notice{'s' if len(locked) != 1 else ''} "
                f"for {today:%Y-%m-%d}",
                body=digest_body(locked),
                url=reverse("notification_preferences"),
                number=f"Daily digest {today:%Y-%m-%d}",
            )
            Message.objects.filter(pk__in=[m.pk for m in locked]).update(
                status="digested", digest=digest
            )
            count += 1
    return count


def digest_body(messages: Iterable[Message]) -> str:
    lines = ["Your TransferWatch notices of the day:", ""]
    for m in messages:
        lines += [f"- {m.subject}", f"  {settings.BASE_URL}{m.record_url}"]
    lines += [
        "",
        "You chose a daily digest. Choose e-mail at once instead: "
        f"{settings.BASE_URL}{reverse('notification_preferences')}",
    ]
    return "\n".join(lines) + "\n"


def run(today: date | None = None, days: int = COMING_DAYS) -> DailyResult:
    today = today or timezone.localdate()
    queued = send_due_notices(today, days)
    return DailyResult(notices=queued, digests=send_digests(today))
