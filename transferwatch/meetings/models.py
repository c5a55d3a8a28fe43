"""Quarterly CRCL/ICE meetings (plan part P4): agenda, attendees, minutes, decisions, action items.

A meeting moves `planned` -> `agenda_ready` -> `held` -> `minutes_approved` (DOMAIN.md section 6)
and its action items `open` -> `done` / `carried`: when the next meeting is created, the open
items of the previous one are copied to it and marked `carried`, each copy pointing back to the
item it continues, so the chain of an item is visible across meetings.

Agenda items carry record numbers, agency names and counts only, never anything about a person.
Attendees are staff of CRCL, ICE or other offices: their names are not personal data of the
public, but they still stay out of audit events and `__str__`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
SIDES = [("crcl", "CRCL"), ("ice", "ICE"), ("other", "Other office")]
FORMATS = [
    ("in_person", "In person"),
    ("video", "Video conference"),
    ("phone", "Phone"),
    ("hybrid", "In person and video"),
]


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First and last day of a quarter such as 2015Q3."""
    match = QUARTER.match(quarter)
    if match is None:
        raise ValueError("a quarter is written like 2015Q3")
    year, q = int(match[1]), int(match[2])
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def validate_quarter(value: str) -> None:
    if not QUARTER.match(value or ""):
        raise ValidationError("Write the quarter like 2015Q3.")


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, user: Any) -> MeetingQuerySet:
        """Whoever may view meetings sees all of them (no area scope: the agenda is national)."""
        if getattr(user, "is_authenticated", False) and user.has_perm("meetings.view_meeting"):
            return self
        return self.none()


class Meeting(models.Model):
    STATUSES = [
        ("planned", "Planned"),
        ("agenda_ready", "Agenda ready"),
        ("held", "Held"),
        ("minutes_approved", "Minutes approved"),
    ]
    KINDS = [("quarterly", "Quarterly meeting"), ("extra", "Extra meeting")]

    kind = models.CharField(max_length=10, choices=KINDS, default="quarterly")
    quarter = models.CharField(
        max_length=6,
        validators=[validate_quarter],
        help_text="The quarter the meeting reviews, like 2015Q3.",
    )
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    format = models.CharField(max_length=10, choices=FORMATS, default="in_person")
    status = models.CharField(max_length=16, choices=STATUSES, default="planned")
    minutes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    agenda_drafted_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        permissions = [("approve_minutes", "Can approve the minutes of a meeting")]

    def __str__(self) -> str:
        if self.kind == "quarterly":
            return f"Quarterly meeting {self.quarter}"
        return f"Extra meeting of {self.date:%Y-%m-%d}"

    def previous(self) -> Meeting | None:
        """The meeting before this one (by date, then by creation)."""
        earlier = Meeting.objects.exclude(pk=self.pk).filter(
            models.Q(date__lt=self.date) | models.Q(date=self.date, pk__lt=self.pk or 0)
        )
        return earlier.order_by("-date", "-pk").first()

    def next(self) -> Meeting | None:
        later = Meeting.objects.exclude(pk=self.pk).filter(
            models.Q(date__gt=self.date) | models.Q(date=self.date, pk__gt=self.pk or 0)
        )
        return later.order_by("date", "pk").first()


class Attendee(models.Model):
    """Someone at the meeting: a TransferWatch user, or a name with organisation and title."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    side = models.CharField(max_length=8, choices=SIDES)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["side", "name", "pk"]

    def __str__(self) -> str:
        return f"Attendee {self.pk}"

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.user is not None:
            return self.user.display_name
        return "Unnamed"


class AgendaItem(models.Model):
    """One item of the agenda. `links` are records it concerns: [{"kind", "key", "label"}]."""

    SECTIONS = [
        ("agencies", "Agencies of concern"),
        ("pd_requests", "Prosecutorial-discretion requests"),
        ("transfer_review", "Transfer-request review"),
        ("inquiries", "Inquiry recommendations awaiting a response"),
        ("escalations", "Notifications and referrals in progress"),
        ("measures", "Remedial measures in progress"),
        ("action_items", "Action items carried from the last meeting"),
        ("other", "Other business"),
    ]

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField(default=0)
    section = models.CharField(max_length=16, choices=SECTIONS, default="other")
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    links = models.JSONField(default=list, blank=True)
    drafted = models.BooleanField(default=False, help_text="Drafted automatically.")

    class Meta:
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        return f"Agenda item {self.pk}"


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    def visible_to(self, user: Any) -> ActionItemQuerySet:
        return self.filter(meeting__in=Meeting.objects.visible_to(user))


class ActionItem(models.Model):
    STATUSES = [("open", "Open"), ("done", "Done"), ("carried", "Carried to the next meeting")]

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="action_items")
    description = models.TextField()
    side = models.CharField("owner's side", max_length=8, choices=SIDES, default="crcl")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_text = models.CharField("owner (office or person)", max_length=200, blank=True)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=STATUSES, default="open")
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="carried_to"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return f"Action item {self.pk}"

    @property
    def owner_display(self) -> str:
        if self.owner is not None:
            name = self.owner.display_name
            return f"{name} ({self.owner_text})" if self.owner_text else name
        return self.owner_text or "No owner"

    def chain(self) -> list[ActionItem]:
        """This item and the items it continues, oldest first."""
        items = [self]
        while items[0].carried_from_id is not None:
            items.insert(0, items[0].carried_from)  # type: ignore[arg-type]
        return items

    @property
    def origin(self) -> ActionItem:
        return self.chain()[0]
