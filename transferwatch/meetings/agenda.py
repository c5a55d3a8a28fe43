"""The agenda drafted from what is open, and the links of agenda items to records.

`draft(meeting)` reads the casework and monitoring records and returns agenda items (frozen
dataclasses); `services.draft_agenda` stores them. Items name records by their number, agencies
by name and ORI, and count things: never a person's name, A-number, date of birth or narrative.
What is on the agenda:

- agencies at `significant` concern in the latest finished monitoring run, and agencies newly at
  `watch` (not at watch or significant in the finished run before it);
- PD requests awaiting ICE's decision, and those decided (final) since the last meeting;
- transfer-request review figures for the meeting's quarter;
- inquiries whose recommendations await the component's response;
- notifications and referrals sent and not closed (drafts are CRCL's own until approved and sent);
- remedial measures not closed;
- the action items carried from the previous meeting.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from transferwatch.meetings.models import ActionItem, Meeting, quarter_bounds


@dataclass(frozen=True)
class Link:
    kind: str  # agency, run, pd, inquiry, escalation, measure, transfers
    key: str
    label: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "label": self.label}


@dataclass(frozen=True)
class Item:
    section: str
    title: str
    notes: str = ""
    links: tuple[Link, ...] = field(default_factory=tuple)


def _since(meeting: Meeting) -> date:
    """The day after which things count as new: the previous meeting, else the quarter's start."""
    previous = meeting.previous()
    return previous.date if previous else quarter_bounds(meeting.quarter)[0]


def _aware(day: date, end: bool = False) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def agencies_of_concern() -> list[Item]:
    from transferwatch.monitoring.models import MonitoringRun

    runs = list(MonitoringRun.objects.filter(status="done").order_by("-finished_at", "-pk")[:2])
    if not runs:
        return []
    latest = runs[0]
    before: set[int] = set()
    if len(runs) > 1:
        before = set(
            runs[1]
            .results.filter(concern__in=("watch", "significant"))
            .values_list("agency_id", flat=True)
        )
    items = []
    results = latest.results.filter(concern__in=("watch", "significant")).select_related("agency")
    ranked = sorted(
        results, key=lambda r: (r.concern != "significant", r.agency.state, r.agency.name)
    )
    for result in ranked:
        a = result.agency
        if result.concern == "watch" and a.pk in before:
            continue
        concern = "Significant concern" if result.concern == "significant" else "Newly on watch"
        flagged = result.indicators.filter(flagged=True).values_list("name", flat=True)
        names = sorted(set(flagged))
        notes = f"{concern} in monitoring run {latest.pk}"
        notes += f"; flagged indicators: {', '.join(names)}." if names else "."
        items.append(
            Item(
                "agencies",
                f"{a.name} ({a.ori}, {a.state}): {concern.lower()}",
                notes,
                (
                    Link("agency", a.ori, a.name),
                    Link("run", str(latest.pk), f"Monitoring run {latest.pk}"),
                ),
            )
        )
    return items


def _pd_line(pd: Any) -> str:
    agency = pd.inquiry.agency
    where = f", {agency.name}" if agency else ""
    return f"{pd.number} ({pd.get_status_display().lower()}{where}, {pd.aor.code})"


def pd_requests(meeting: Meeting) -> list[Item]:
    from transferwatch.discretion.models import PDRequest

    base = PDRequest.objects.select_related("inquiry__agency", "aor").order_by("number")
    awaiting = list(base.awaiting_ice())
    since = _since(meeting)
    decided = list(
        base.filter(
            status="final",
            final_at__gte=_aware(since),
            final_at__lte=_aware(max(meeting.date, timezone.localdate()), end=True),
        )
    )
    items = []
    if awaiting:
        overdue = sum(1 for pd in awaiting if pd.due_at and pd.due_at < timezone.now())
        notes = "\n".join(_pd_line(pd) for pd in awaiting)
        if overdue:
            notes += f"\n{overdue} past the field-review due date."
        items.append(
            Item(
                "pd_requests",
                f"PD requests awaiting ICE's decision ({len(awaiting)})",
                notes,
                tuple(Link("pd", str(pd.pk), pd.number) for pd in awaiting),
            )
        )
    if decided:
        outcomes = Counter(pd.get_final_decision_display() for pd in decided)
        days = [pd.days_to_final for pd in decided if pd.days_to_final is not None]
        notes = "; ".join(f"{label}: {n}" for label, n in sorted(outcomes.items()))
        if days:
            notes += f". Median days to decision: {sorted(days)[len(days) // 2]}."
        notes += "\n" + "\n".join(_pd_line(pd) for pd in decided)
        items.append(
            Item(
                "pd_requests",
                f"PD requests decided since {since:%Y-%m-%d} ({len(decided)})",
                notes,
                tuple(Link("pd", str(pd.pk), pd.number) for pd in decided),
            )
        )
    return items


def transfer_review(meeting: Meeting) -> list[Item]:
    from transferwatch.transfers.models import TransferRequest

    start, end = quarter_bounds(meeting.quarter)
    requests = TransferRequest.objects.filter(request_date__range=(start, end))
    totals = requests.aggregate(
        total=Count("pk"),
        inconsistent=Count("pk", filter=~Q(inconsistencies=[])),
        open=Count("pk", filter=Q(review_status__in=("in_review", "returned", "opla_review"))),
        overdue=Count(
            "pk",
            filter=Q(
                review_status__in=("in_review", "returned", "opla_review"),
                review_due__lt=timezone.localdate(),
            ),
        ),
    )
    if not totals["total"]:
        return []
    statuses = dict(TransferRequest.REVIEW_STATUSES)
    by_status = requests.values_list("review_status").annotate(n=Count("pk")).order_by()
    decisions = dict(TransferRequest.DECISIONS)
    by_decision = (
        requests.exclude(decision="").values_list("decision").annotate(n=Count("pk")).order_by()
    )
    lines = [
        f"Requests dated in {meeting.quarter}: {totals['total']}",
        f"Inconsistent with the priorities: {totals['inconsistent']}",
        f"Reviews open: {totals['open']}, of which past due: {totals['overdue']}",
        "By review status: " + ", ".join(f"{statuses.get(s, s)} {n}" for s, n in sorted(by_status)),
    ]
    if by_decision:
        lines.append(
            "Decisions: " + ", ".join(f"{decisions.get(d, d)} {n}" for d, n in sorted(by_decision))
        )
    return [
        Item(
            "transfer_review",
            f"Transfer-request review, {meeting.quarter}",
            "\n".join(lines),
            (Link("transfers", meeting.quarter, f"Transfer requests of {meeting.quarter}"),),
        )
    ]


def inquiries_awaiting_response() -> list[Item]:
    from transferwatch.cases.models import Inquiry

    inquiries = (
        Inquiry.objects.filter(status="recommendations_sent")
        .annotate(waiting=Count("recommendations", filter=Q(recommendations__response="")))
        .filter(waiting__gt=0)
        .select_related("agency")
        .order_by("number")
    )
    inquiries = list(inquiries)
    if not inquiries:
        return []
    lines = [
        f"{i.number}"
        + (f" ({i.agency.name})" if i.agency else "")
        + f": {i.waiting} recommendation{'s' if i.waiting != 1 else ''} awaiting a response"
        for i in inquiries
    ]
    return [
        Item(
            "inquiries",
            f"Inquiries with recommendations awaiting the component's response ({len(inquiries)})",
            "\n".join(lines),
            tuple(Link("inquiry", i.number, i.number) for i in inquiries),
        )
    ]


def escalations_in_progress() -> list[Item]:
    from transferwatch.escalations.models import Escalation

    escalations = list(
        Escalation.objects.filter(status__in=("sent", "acknowledged", "answered"))
        .select_related("agency")
        .order_by("number")
    )
    if not escalations:
        return []
    lines = [
        f"{e.number}: {e.get_kind_display()}, {e.agency.name} ({e.get_status_display().lower()})"
        for e in escalations
    ]
    return [
        Item(
            "escalations",
            f"Notifications and referrals in progress ({len(escalations)})",
            "\n".join(lines),
            tuple(Link("escalation", str(e.pk), e.number) for e in escalations),
        )
    ]


def measures_in_progress() -> list[Item]:
    from transferwatch.escalations.models import RemedialMeasure

    measures = list(
        RemedialMeasure.objects.exclude(status="closed")
        .select_related("agency")
        .order_by("due_date", "pk")
    )
    if not measures:
        return []
    today = timezone.localdate()
    lines = [
        f"Measure {m.pk}: {m.get_kind_display()}, {m.agency.name} "
        f"({m.get_status_display().lower()}, due {m.due_date:%Y-%m-%d}"
        + (", past due" if m.due_date < today and m.status in ("agreed", "in_progress") else "")
        + ")"
        for m in measures
    ]
    return [
        Item(
            "measures",
            f"Remedial measures in progress ({len(measures)})",
            "\n".join(lines),
            tuple(Link("measure", str(m.pk), f"Measure {m.pk}") for m in measures),
        )
    ]


def carried_action_items(meeting: Meeting) -> list[Item]:
    items = list(
        ActionItem.objects.filter(meeting=meeting, carried_from__isnull=False).order_by("pk")
    )
    if not items:
        return []
    return [
        Item(
            "action_items",
            f"Action items carried from the last meeting ({len(items)})",
            "Review each open item in the action-item list below.",
        )
    ]


def draft(meeting: Meeting) -> list[Item]:
    """The agenda of `meeting` from what is open now, in the order it is discussed."""
    return [
        *carried_action_items(meeting),
        *agencies_of_concern(),
        *pd_requests(meeting),
        *transfer_review(meeting),
        *inquiries_awaiting_response(),
        *escalations_in_progress(),
        *measures_in_progress(),
    ]


# Links ---------------------------------------------------------------------------------------


def _visible(kind: str, key: str, user: Any) -> bool:
    from transferwatch.agencies.models import Agency
    from transferwatch.cases.models import Inquiry
    from transferwatch.discretion.models import PDRequest
    from transferwatch.escalations.models import Escalation, RemedialMeasure
    from transferwatch.monitoring.models import MonitoringRun

    if kind == "agency":
        return Agency.objects.visible_to(user).filter(ori=key).exists()
    if kind == "transfers":
        return bool(user.has_perm("transfers.view_transferrequest"))
    if kind == "inquiry":
        return Inquiry.objects.visible_to(user).filter(number=key).exists()
    querysets: dict[str, Any] = {
        "run": MonitoringRun.objects.visible_to(user),
        "pd": PDRequest.objects.visible_to(user),
        "escalation": Escalation.objects.visible_to(user),
        "measure": RemedialMeasure.objects.visible_to(user),
    }
    if kind not in querysets or not key.isdigit():
        return False
    return bool(querysets[kind].filter(pk=int(key)).exists())


URLS = {
    "agency": "agency_detail",
    "run": "monitoring_run",
    "pd": "pd_detail",
    "inquiry": "inquiry_detail",
    "escalation": "escalation_detail",
    "measure": "measure_detail",
}


def link_url(link: dict[str, str], user: Any) -> str:
    """Where an agenda link points, or "" when `user` may not open that record."""
    kind, key = link.get("kind", ""), link.get("key", "")
    if not _visible(kind, key, user):
        return ""
    try:
        if kind == "transfers":
            start, end = quarter_bounds(key)
            return reverse("transfer_list") + f"?date_from={start}&date_to={end}"
        if kind in ("agency", "inquiry"):
            return reverse(URLS[kind], args=[key])
        return reverse(URLS[kind], args=[int(key)])
    except (NoReverseMatch, KeyError, ValueError):
        return ""
