"""CRCL's prosecutorial-discretion requests to ICE and ICE's field and HQ review (plan part P3).

CRCL may ask ICE, at any stage of an inquiry, to exercise discretion for a person who came into
ICE custody from local custody, when it has a substantial basis to believe that happened
through profiling, a violation of law or a material violation of DHS policy. ICE's field
reviewers of the person's area of responsibility decide first; HQ reviews when CRCL asks or
ICE chooses; the final determination goes back to CRCL.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from transferwatch.accounts.models import Area
from transferwatch.cases.models import Inquiry, next_number

BASES = [
    ("profiling", "Inappropriate profiling"),
    ("violation_of_law", "Violation of law"),
    ("policy_violation", "Material violation of DHS policy"),
]
BASIS_CODES = {code for code, _ in BASES}
PERSON_STATUS = [
    ("victim", "Victim"),
    ("witness", "Witness"),
    ("plaintiff", "Plaintiff"),
]
DECISIONS = [
    ("", "None yet"),
    ("granted", "Discretion exercised"),
    ("partly_granted", "Discretion exercised in part"),
    ("denied", "Discretion declined"),
]
FIELD_REVIEW_DAYS = 30
# States in which the next move is ICE's (field or HQ review, or making the decision final).
AWAITING_ICE = ("submitted", "field_review", "field_decided", "hq_review", "hq_decided")


class PDRequestQuerySet(models.QuerySet["PDRequest"]):
    def visible_to(self, user: Any) -> PDRequestQuerySet:
        """CRCL sees all; ICE sees submitted requests, field reviewers only of their areas."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.has_perm("discretion.add_pdrequest"):
            return self
        if not user.has_perm("discretion.view_pdrequest"):
            return self.none()
        sent = self.exclude(status="draft").exclude(submitted_at__isnull=True)
        if user.is_area_scoped:
            return sent.filter(aor__in=user.areas.all())
        return sent

    def awaiting_ice(self) -> PDRequestQuerySet:
        return self.filter(status__in=AWAITING_ICE)


class PDRequest(models.Model):
    STATUSES = [
        ("draft", "Draft"),
        ("submitted", "Submitted to ICE"),
        ("field_review", "In field review"),
        ("field_decided", "Field decision recorded"),
        ("hq_review", "In HQ review"),
        ("hq_decided", "HQ decision recorded"),
        ("final", "Final determination"),
        ("withdrawn", "Withdrawn"),
    ]

    number = models.CharField(max_length=24, unique=True, editable=False)
    status = models.CharField(max_length=16, choices=STATUSES, default="draft")
    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="pd_requests")
    person = models.ForeignKey(
        "transfers.Person", on_delete=models.PROTECT, related_name="pd_requests"
    )
    transfer = models.ForeignKey(
        "transfers.TransferRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pd_requests",
        help_text="The transfer by which the person came into ICE custody.",
    )
    aor = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name="area of responsibility"
    )
    bases = models.JSONField(default=list)  # BASES codes
    person_status = models.JSONField(default=list, blank=True)  # PERSON_STATUS codes
    agency_conduct = models.TextField("what the agency did")
    person_conduct = models.TextField("the person's conduct", blank=True)
    other_facts = models.TextField(blank=True)
    hq_review_requested = models.BooleanField(
        "CRCL asks for HQ review", default=False, help_text="Ask ICE HQ to review the decision."
    )
    field_decision = models.CharField(max_length=16, choices=DECISIONS, blank=True)
    field_decision_text = models.TextField(blank=True)
    field_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    field_decided_at = models.DateTimeField(null=True, blank=True)
    hq_decision = models.CharField(max_length=16, choices=DECISIONS, blank=True)
    hq_decision_text = models.TextField(blank=True)
    hq_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hq_decided_at = models.DateTimeField(null=True, blank=True)
    final_decision = models.CharField(max_length=16, choices=DECISIONS, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    final_at = models.DateTimeField(null=True, blank=True)

    objects = PDRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "PD request"
        permissions = [
            ("decide_field_pdrequest", "Can record the ICE field decision on a PD request"),
            ("decide_hq_pdrequest", "Can record the ICE HQ decision on a PD request"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="final") | ~Q(final_decision=""),
                name="final_pd_request_has_a_decision",
            )
        ]

    def __str__(self) -> str:
        return self.number or f"PD request {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.number:
            self.number = next_number("CRCL-PD", PDRequest)
        super().save(*args, **kwargs)

    @property
    def days_to_final(self) -> int | None:
        if self.submitted_at is None or self.final_at is None:
            return None
        return (self.final_at - self.submitted_at).days
