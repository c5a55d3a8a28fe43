"""Notices to DHS leadership and referrals to other authorities (plan parts P5 and P6).

When CRCL has significant concerns about an agency it notifies DHS leadership; with a good-faith
basis that the agency violates federal civil-rights law it refers the agency to the DOJ Civil
Rights Division (pattern or practice, 34 U.S.C. 12601) and may inform state attorneys general or
others with jurisdiction. Each is a letter from a template that a supervisor approves before it
is sent; the answer is recorded.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from transferwatch.agencies.models import Agency
from transferwatch.cases.models import StoredFile, next_number

KINDS = [
    ("leadership", "Notification to DHS leadership"),
    ("doj", "Referral to the DOJ Civil Rights Division"),
    ("state_ag", "Notice to a state attorney general"),
    ("other", "Notice to another authority with jurisdiction"),
]
DEFAULT_RECIPIENT = {
    "leadership": "Secretary of Homeland Security",
    "doj": "Assistant Attorney General, Civil Rights Division, U.S. Department of Justice",
    "state_ag": "Attorney General of the State",
    "other": "",
}
DEFAULT_LEGAL_BASIS = {
    "leadership": "Memorandum of the Secretary of Homeland Security on the Priority Enforcement "
    "Program (20 November 2014), which directs CRCL to monitor participating agencies.",
    "doj": "34 U.S.C. 12601 (formerly 42 U.S.C. 14141): pattern or practice of conduct by law "
    "enforcement officers that deprives persons of rights protected by the Constitution or laws "
    "of the United States.",
    "state_ag": "",
    "other": "",
}


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def other_kind_of(kind: str, field: str, value: str) -> str | None:
    """The other kind whose usual `field` ("recipient" or "legal_basis") `value` carries, if any.

    A letter's recipient and legal basis follow its kind: a DOJ referral addressed to the
    Secretary, or citing the leadership memorandum as its basis, was drafted for another kind.
    Text written for the letter itself is kept; only another kind's usual text is caught.
    """
    defaults = DEFAULT_RECIPIENT if field == "recipient" else DEFAULT_LEGAL_BASIS
    text = _flat(value)
    if not text:
        return None
    for other, default in defaults.items():
        if other != kind and default and _flat(default) in text:
            return other
    return None


class EscalationQuerySet(models.QuerySet["Escalation"]):
    def visible_to(self, user: Any) -> EscalationQuerySet:
        """CRCL casework roles see all; DHS leadership sees notifications sent to it."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.has_perm("escalations.add_escalation"):
            return self
        if user.has_perm("escalations.view_escalation"):
            return self.filter(kind="leadership").exclude(status__in=("draft", "approved"))
        return self.none()


class Escalation(models.Model):
    STATUSES = [
        ("draft", "Draft"),
        ("approved", "Approved"),
        ("sent", "Sent"),
        ("acknowledged", "Acknowledged"),
        ("answered", "Answered"),
        ("closed", "Closed"),
    ]

    number = models.CharField(max_length=24, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=KINDS)
    status = models.CharField(max_length=14, choices=STATUSES, default="draft")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="escalations")
    inquiries = models.ManyToManyField(
        "cases.Inquiry", blank=True, related_name="escalations", help_text="Evidence."
    )
    monitoring_run = models.ForeignKey(
        "monitoring.MonitoringRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipient = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    concerns = models.TextField("what the concerns are")
    reasons = models.TextField("why CRCL is raising them")
    findings = models.TextField("findings", blank=True)
    legal_basis = models.TextField(blank=True)
    letter_html = models.TextField(blank=True, editable=False)  # frozen when sent
    answer = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("approve_escalation", "Can approve a notification or referral")]

    def __str__(self) -> str:
        return self.number or f"Escalation {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.number:
            self.number = next_number("CRCL-E", Escalation)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("escalation_detail", args=[self.pk])

    def kind_mismatch(self) -> str | None:
        """Why the recipient or legal basis does not fit the letter's kind, or None."""
        for field, label in (("recipient", "recipient"), ("legal_basis", "legal basis")):
            other = other_kind_of(self.kind, field, getattr(self, field))
            if other is not None:
                return (
                    f"the {label} belongs to another kind of letter ({dict(KINDS)[other]}): "
                    "correct it in the draft before the letter is approved or sent"
                )
        return None


class MeasureQuerySet(models.QuerySet["RemedialMeasure"]):
    def visible_to(self, user: Any) -> MeasureQuerySet:
        if getattr(user, "is_authenticated", False) and user.has_perm(
            "escalations.view_remedialmeasure"
        ):
            return self
        return self.none()

    def overdue(self) -> MeasureQuerySet:
        return self.filter(status__in=("agreed", "in_progress"), due_date__lt=timezone.localdate())


class RemedialMeasure(models.Model):
    """What is done about a problem agency, followed until it is verified and closed (P7)."""

    KINDS = [
        ("corrective_plan", "Corrective action plan"),
        ("training", "Training"),
        ("restricted_transfers", "Restricted transfers"),
        ("follow_up_monitoring", "Follow-up monitoring"),
        ("other", "Other"),
    ]
    STATUSES = [
        ("proposed", "Proposed"),
        ("agreed", "Agreed"),
        ("in_progress", "In progress"),
        ("verified", "Verified"),
        ("closed", "Closed"),
        ("lapsed", "Lapsed (past due)"),
    ]

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField(max_length=24, choices=KINDS)
    status = models.CharField(max_length=12, choices=STATUSES, default="proposed")
    description = models.TextField()
    owner = models.CharField(max_length=200, help_text="Who is responsible (office or person).")
    due_date = models.DateField()
    inquiry = models.ForeignKey(
        "cases.Inquiry", null=True, blank=True, on_delete=models.PROTECT, related_name="measures"
    )
    escalation = models.ForeignKey(
        Escalation, null=True, blank=True, on_delete=models.PROTECT, related_name="measures"
    )
    evidence = models.TextField(blank=True, help_text="What shows the measure was carried out.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return f"Remedial measure {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("measure_detail", args=[self.pk])


class MeasureEvidence(StoredFile):
    """A file showing a remedial measure was carried out, kept like an inquiry's attachments:
    checked by its content, stored under a random name outside the web root, downloads audited."""

    measure = models.ForeignKey(
        RemedialMeasure, on_delete=models.CASCADE, related_name="evidence_files"
    )

    def __str__(self) -> str:
        return f"Evidence file {self.pk}"
