"""Allegations of improper LEA conduct and CRCL's inquiries into them (plan parts P1 and P8).

An allegation comes from the public (web form, no login), an ICE officer (form or API), CRCL
staff entering a complaint received by mail, e-mail, fax or phone, or CRCL's own monitoring.
It is triaged (duplicates linked or merged) and then retained for an inquiry, referred to
another office, or closed with a reason. An inquiry has an investigator, a plan, evidence,
notes, onsite visits, findings and numbered recommendations with the component's response.

What identifies a person (names, A-numbers, dates of birth, contact details, the narrative in
the complainant's words) is sensitive: shown only to CRCL casework roles, never in audit
events, logs, notifications or `__str__`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from transferwatch.agencies.models import Agency

ALLEGATION_TYPES = [
    ("profiling_race", "Profiling on the basis of race"),
    ("profiling_ethnicity", "Profiling on the basis of ethnicity"),
    ("profiling_religion", "Profiling on the basis of religion"),
    ("profiling_lep", "Profiling on the basis of limited English proficiency"),
    ("systems_misuse", "Misuse of federal information systems"),
    ("other_practice", "Other improper practice affecting immigration enforcement"),
]
ALLEGATION_TYPE_CODES = {code for code, _ in ALLEGATION_TYPES}
SOURCES = [
    ("public", "Member of the public"),
    ("organization", "Organization"),
    ("ice_officer", "ICE officer or agent"),
    ("dhs_component", "Other DHS component"),
    ("government", "Other government agency"),
    ("crcl_monitoring", "CRCL monitoring"),
]
CHANNELS = [
    ("web", "Public web form"),
    ("ice_form", "ICE officer form"),
    ("api", "ICE system (API)"),
    ("mail", "Mail"),
    ("email", "E-mail"),
    ("fax", "Fax"),
    ("phone", "Phone"),
    ("in_person", "In person"),
    ("monitoring", "Monitoring run"),
]
LANGUAGES = [("en", "English"), ("es", "Spanish"), ("other", "Other")]

# Days allowed for each step before it is overdue (configurable later; DOMAIN gives none).
TRIAGE_DAYS = 10
INQUIRY_STEP_DAYS = {"open": 30, "investigating": 120, "findings": 30, "recommendations_sent": 60}


def next_number(prefix: str, model: type[models.Model], field: str = "number") -> str:
    """The next record number of the year, e.g. CRCL-A-2026-000042."""
    year = timezone.now().year
    stem = f"{prefix}-{year}-"
    last = (
        model._default_manager.filter(**{f"{field}__startswith": stem})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{n:06d}"


class Step(models.Model):
    """One move in the history of a casework record (allegation, inquiry, PD request, ...).

    Holds the reason in the actor's words, which may name people: shown only to roles that may
    see the record. The audit event written beside it carries no text.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.action} ({self.from_status} -> {self.to_status})"


def history(obj: models.Model) -> models.QuerySet[Step]:
    return Step.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")


class AllegationQuerySet(models.QuerySet["Allegation"]):
    def visible_to(self, user: Any) -> AllegationQuerySet:
        """CRCL casework roles see all allegations; an ICE officer only those they reported."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.has_perm("cases.view_allegation"):
            return self
        if user.has_perm("cases.report_allegation"):
            return self.filter(submitted_by=user)
        return self.none()

    def overdue(self) -> AllegationQuerySet:
        return self.filter(status="received", due_at__lt=timezone.now())


class Allegation(models.Model):
    STATUSES = [
        ("received", "Received"),
        ("triaged", "Triaged"),
        ("retained", "Retained for a CRCL inquiry"),
        ("referred", "Referred to another office"),
        ("merged", "Merged into another allegation"),
        ("closed_no_action", "Closed with no action"),
    ]
    # What a member of the public sees when checking the status (no internal detail).
    PUBLIC_STATUS = {
        "received": "received",
        "triaged": "under_review",
        "retained": "under_investigation",
        "referred": "referred",
        "merged": "under_review",
        "closed_no_action": "closed",
    }

    number = models.CharField(max_length=24, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=STATUSES, default="received")
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="allegations"
    )
    agency_text = models.CharField(
        "agency as described", max_length=200, blank=True, help_text="As the submitter named it."
    )
    types = models.JSONField(default=list)  # ALLEGATION_TYPES codes
    encounter_date = models.DateField(null=True, blank=True)
    encounter_place = models.CharField(max_length=200, blank=True)
    narrative = models.TextField("what happened", blank=True)  # sensitive
    source = models.CharField(max_length=20, choices=SOURCES)
    channel = models.CharField(max_length=20, choices=CHANNELS)
    language = models.CharField(max_length=8, choices=LANGUAGES, default="en")
    language_needs = models.CharField(max_length=200, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    # Contact of the submitter (sensitive); the public status check needs the secret, not these.
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    secret_hash = models.CharField(max_length=128, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transfers = models.ManyToManyField(
        "transfers.TransferRequest", blank=True, related_name="allegations"
    )
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    monitoring_run = models.ForeignKey(
        "monitoring.MonitoringRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allegations",
    )
    indicators = models.JSONField(default=list, blank=True)  # flagged indicator names
    outcome_text = models.TextField(blank=True)  # referral office and answer, or close reason
    referred_to = models.CharField(max_length=200, blank=True)
    referral_answer = models.TextField(blank=True)  # the other office's answer, when it comes
    referral_answered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)

    objects = AllegationQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        permissions = [
            ("report_allegation", "Can report an allegation as an ICE officer"),
            ("triage_allegation", "Can triage, refer, merge and close allegations"),
            ("open_attachment", "Can open attachments of allegations and inquiries"),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            # The list's order, newest first (docs/speed.md).
            models.Index(fields=["received_at", "id"], name="allegation_received_id"),
        ]

    def __str__(self) -> str:
        return self.number or f"Allegation {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.number:
            self.number = next_number("CRCL-A", Allegation)
        if self.due_at is None:
            self.due_at = self.received_at + timedelta(days=TRIAGE_DAYS)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("allegation_detail", args=[self.number])

    def new_secret(self) -> str:
        """Set and return a fresh status-check secret (only its hash is kept)."""
        from django.contrib.auth.hashers import make_password

        secret = secrets.token_urlsafe(12)
        self.secret_hash = make_password(secret)
        return secret

    def check_secret(self, secret: str) -> bool:
        from django.contrib.auth.hashers import check_password

        return bool(self.secret_hash) and check_password(secret, self.secret_hash)

    @property
    def public_status(self) -> str:
        return self.PUBLIC_STATUS[self.status]

    def type_labels(self) -> list[str]:
        labels = dict(ALLEGATION_TYPES)
        return [labels.get(t, t) for t in self.types]

    @cached_property
    def is_anonymous(self) -> bool:
        """Reported without the name or A-number of anyone it is about (CRCL takes such reports).

        CRCL can still look into the agency's conduct, but cannot ask ICE for discretion for the
        person or find their transfer request until the person is identified. A monitoring
        allegation is about an agency, not a person, and is not called anonymous.
        """
        if self.source == "crcl_monitoring":
            return False
        return not any(
            p.role == "subject" and (p.name.strip() or p.a_number) for p in self.people.all()
        )

    def has_person_on_record(self) -> bool:
        """Whether a person record is linked (by a transfer request or a person involved): what
        a PD request is made for."""
        return (
            self.transfers.filter(person__isnull=False).exists()
            or self.people.filter(person__isnull=False).exists()
        )


class InvolvedPerson(models.Model):
    """Someone an allegation is about or who saw it (sensitive)."""

    ROLES = [("subject", "Person affected"), ("witness", "Witness"), ("officer", "Officer")]
    SENSITIVE = ("name", "a_number", "birth_date", "description")

    allegation = models.ForeignKey(Allegation, on_delete=models.CASCADE, related_name="people")
    role = models.CharField(max_length=10, choices=ROLES, default="subject")
    person = models.ForeignKey(
        "transfers.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True)
    a_number = models.CharField("A-number", max_length=10, blank=True, db_index=True)
    birth_date = models.DateField("date of birth", null=True, blank=True)
    description = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"Involved person {self.pk}"


class InquiryQuerySet(models.QuerySet["Inquiry"]):
    def visible_to(self, user: Any) -> InquiryQuerySet:
        if getattr(user, "is_authenticated", False) and user.has_perm("cases.view_inquiry"):
            return self
        return self.none()

    def overdue(self) -> InquiryQuerySet:
        return self.exclude(status="closed").filter(step_due__lt=timezone.localdate())


class Inquiry(models.Model):
    STATUSES = [
        ("open", "Open"),
        ("investigating", "Investigating"),
        ("findings", "Findings"),
        ("recommendations_sent", "Recommendations sent"),
        ("response_received", "Response received"),
        ("closed", "Closed"),
    ]

    number = models.CharField(max_length=24, unique=True, editable=False)
    status = models.CharField(max_length=24, choices=STATUSES, default="open")
    allegation = models.ForeignKey(Allegation, on_delete=models.PROTECT, related_name="inquiries")
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="inquiries"
    )
    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan = models.TextField(blank=True)
    findings = models.TextField(blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    step_due = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = InquiryQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name_plural = "inquiries"
        permissions = [("close_inquiry", "Can close an inquiry (supervisor)")]
        # The list's order, newest first (docs/speed.md).
        indexes = [models.Index(fields=["opened_at", "id"], name="inquiry_opened_id")]

    def __str__(self) -> str:
        return self.number or f"Inquiry {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.number:
            self.number = next_number("CRCL-I", Inquiry)
        if self.agency_id is None and self.allegation_id is not None:
            self.agency_id = self.allegation.agency_id
        days = INQUIRY_STEP_DAYS.get(self.status)
        self.step_due = timezone.localdate() + timedelta(days=days) if days else None
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("inquiry_detail", args=[self.number])


class InquiryEntry(models.Model):
    """A note, piece of evidence or onsite visit in an inquiry's file."""

    KINDS = [("note", "Note"), ("evidence", "Evidence"), ("onsite_visit", "Onsite visit")]

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=16, choices=KINDS)
    text = models.TextField()
    on_date = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "inquiry entries"

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class Recommendation(models.Model):
    RESPONSES = [
        ("", "Awaiting response"),
        ("concur", "Concur"),
        ("partial", "Partially concur"),
        ("non_concur", "Non-concur"),
    ]

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="recommendations")
    number = models.PositiveIntegerField()
    text = models.TextField()
    response = models.CharField(max_length=12, choices=RESPONSES, blank=True)
    response_text = models.TextField(blank=True)
    response_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["inquiry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["inquiry", "number"], name="one_number_per_inquiry")
        ]

    def __str__(self) -> str:
        return f"Recommendation {self.number}"


class StoredFile(models.Model):
    """A file checked by its content and stored outside the web root under a random name; the
    original name is kept only for display to permitted roles (`services.write_upload`)."""

    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=80, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]


class Attachment(StoredFile):
    """A file sent with an allegation or added to an inquiry."""

    allegation = models.ForeignKey(
        Allegation, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    inquiry = models.ForeignKey(
        Inquiry, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    entry = models.ForeignKey(
        InquiryEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )

    def __str__(self) -> str:
        return f"Attachment {self.pk}"
