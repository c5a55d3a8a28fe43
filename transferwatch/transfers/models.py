"""People, their criminal history, and the transfer requests ICE sends to local custody.

The fields follow CONTRACTS.md section 1 so the priority engine can read them directly.
Everything that identifies a person (Person.SENSITIVE) is shown only after an audited reveal.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from transferwatch.accounts.models import Area
from transferwatch.agencies.models import Agency, Facility

SEVERITIES = [("felony", "Felony"), ("misdemeanor", "Misdemeanor"), ("infraction", "Infraction")]
CATEGORIES = [
    ("aggravated_felony", "Aggravated felony"),
    ("gang", "Criminal street gang"),
    ("domestic_violence", "Domestic violence"),
    ("sexual_abuse", "Sexual abuse or exploitation"),
    ("burglary", "Burglary"),
    ("firearm", "Unlawful firearm possession or use"),
    ("drug_trafficking", "Drug distribution or trafficking"),
    ("dui", "Driving under the influence"),
    ("minor_traffic", "Minor traffic offense"),
    ("immigration_status", "Offense based on immigration status"),
]
CATEGORY_CODES = {code for code, _ in CATEGORIES}
A_NUMBER = RegexValidator(r"^A?[0-9]{8,9}$", "An A-number is 8 or 9 digits, optionally after 'A'.")
COUNTRY = RegexValidator(r"^[A-Z]{2}$", "Use the ISO 3166 two-letter country code.")


def validate_categories(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Categories must be a list of category codes.")
    unknown = sorted(set(value) - CATEGORY_CODES)
    if unknown:
        raise ValidationError(f"Unknown categories: {', '.join(unknown)}.")


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: Any) -> PersonQuerySet:
        """People the user may open: those with a transfer request the user may see."""
        if not user.has_perm("transfers.view_person"):
            return self.none()
        if user.is_area_scoped:
            return self.filter(transfer_requests__aor__in=user.areas.all()).distinct()
        return self


class Person(models.Model):
    SENSITIVE = ("name", "a_number", "birth_date", "birth_country", "citizenship")

    subject_key = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="Anonymised subject id of an ICE release (EID Subject ID), for linking records.",
    )
    name = models.CharField(max_length=200, blank=True)
    a_number = models.CharField(
        "A-number", max_length=10, blank=True, validators=[A_NUMBER], db_index=True
    )
    birth_date = models.DateField("date of birth", null=True, blank=True)
    birth_country = models.CharField(
        "country of birth", max_length=2, blank=True, validators=[COUNTRY]
    )
    citizenship = models.CharField(max_length=2, blank=True, validators=[COUNTRY])

    objects = PersonQuerySet.as_manager()

    class Meta:
        permissions = [("reveal_person", "Can reveal a person's identifying fields")]

    def __str__(self) -> str:
        # Never the name: this string reaches logs, admin pages and error reports.
        return f"Person {self.pk}"


class Conviction(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="convictions")
    date = models.DateField()
    incident = models.CharField(
        max_length=40,
        blank=True,
        help_text="Convictions with the same value arose from one incident.",
    )
    severity = models.CharField(max_length=12, choices=SEVERITIES)
    categories = models.JSONField(default=list, blank=True, validators=[validate_categories])
    description = models.CharField(max_length=200, blank=True)
    sentence_days = models.PositiveIntegerField(default=0)
    suspended = models.BooleanField(default=False)

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} conviction of {self.date}"


class Charge(models.Model):
    """A charge not (yet) ending in conviction. A pending charge is never a conviction."""

    STATUSES = [("pending", "Pending"), ("dismissed", "Dismissed")]

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="charges")
    date = models.DateField()
    severity = models.CharField(max_length=12, choices=SEVERITIES)
    categories = models.JSONField(default=list, blank=True, validators=[validate_categories])
    description = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default="pending")

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.get_severity_display().lower()} charge"


# What waits in a reviewer's queue (review.queue_for); two indexes of TransferRequest serve it.
QUEUE_STATUSES = ["in_review", "decided"]


class TransferRequestQuerySet(models.QuerySet["TransferRequest"]):
    def visible_to(self, user: Any) -> TransferRequestQuerySet:
        if not user.has_perm("transfers.view_transferrequest"):
            return self.none()
        if user.is_area_scoped:
            # The areas as values, not a subquery: the planner then walks the area's own
            # indexes in the list's order (an area's queue or page 1,000, docs/speed.md).
            return self.filter(aor_id__in=list(user.areas.values_list("pk", flat=True)))
        return self


class TransferRequest(models.Model):
    """A request from ICE to a local agency about a person in its custody."""

    TYPES = [
        ("notification", "Request for notification of release (I-247N)"),
        ("detainer", "Detainer (I-247D)"),
        ("transfer", "Request for voluntary transfer (I-247X)"),
    ]
    PROBABLE_CAUSE = [
        ("final_order", "Final order of removal"),
        ("removal_proceedings", "Pending removal proceedings"),
        ("biometric_match", "Biometric match and records check"),
        ("statements", "Statements or other evidence"),
    ]
    OUTCOMES = [
        ("pending", "Pending"),
        ("transferred", "Transferred to ICE"),
        ("released", "Released"),
        ("lifted", "Lifted"),
        ("us_citizen", "U.S. citizen interviewed"),
        ("declined_by_lea", "Declined by the agency"),
        ("died", "Died"),
        ("other", "Other (see the lift reason)"),
        ("unrecorded", "No lift reason recorded"),
    ]
    CRIMINALITY = [
        ("1", "1 Convicted Criminal"),
        ("2", "2 Pending Criminal Charges"),
        ("3", "3 Other Immigration Violator"),
    ]
    SOURCES = [("manual", "Entered"), ("import", "Imported"), ("api", "Submitted through the API")]

    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfer_requests",
        help_text="Empty for released records that carry no person key.",
    )
    request_type = models.CharField("type", max_length=12, choices=TYPES)
    form = models.CharField(max_length=10, blank=True, help_text="Form as recorded, e.g. I-247D.")
    request_date = models.DateField("date")
    aor = models.ForeignKey(
        Area, verbose_name="requesting AOR", on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name="holding agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfer_requests",
    )
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="transfer_requests"
    )
    probable_cause = models.JSONField("probable-cause bases", default=list, blank=True)
    outcome = models.CharField(max_length=16, choices=OUTCOMES, default="pending")
    lift_reason = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=8, choices=SOURCES, default="manual")
    external_id = models.CharField(max_length=64, blank=True)
    imported_by = models.ForeignKey(
        "imports.Import",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfer_requests",
    )
    details = models.JSONField(
        default=dict,
        blank=True,
        help_text="Source fields kept as released (criminality, threat level, priority boxes).",
    )
    natural_key = models.CharField(
        max_length=32,
        blank=True,
        editable=False,
        help_text="Digest of what identifies a released detainer (person key, prepare date, "
        "facility), so the same detainer from another file or layout is recognised.",
    )
    criminality = models.CharField(
        max_length=1, choices=CRIMINALITY, blank=True, help_text="ICE's criminality as released."
    )
    minor_charge = models.BooleanField(
        null=True,
        blank=True,
        help_text="The most serious conviction or charge is a minor offence (empty: none given).",
    )
    facts_missing = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why the request could not be classified: the facts the release lacks.",
    )

    # The review against the enforcement priorities (DOMAIN.md section 6); changed only by the
    # transition functions in transfers/review.py.
    REVIEW_STATUSES = [
        ("received", "Received"),
        ("classified", "Classified"),
        ("in_review", "In review"),
        ("returned", "Returned for correction"),
        ("opla_review", "With OPLA for legal review"),
        ("decided", "Decided"),
        ("closed", "Closed"),
        ("reopened", "Reopened"),
    ]
    DECISIONS = [
        ("", "None"),
        ("concur", "Concur"),
        ("exception", "Exception granted"),
        ("federal_interest", "Important federal interest found"),
        ("discretion", "Prosecutorial discretion exercised"),
    ]
    QUEUE_STATUSES = QUEUE_STATUSES
    review_status = models.CharField(
        max_length=12, choices=REVIEW_STATUSES, default="received", db_index=True
    )
    review_due = models.DateField(null=True, blank=True)
    inconsistencies = models.JSONField(default=list, blank=True)
    decision = models.CharField(max_length=16, choices=DECISIONS, blank=True)

    objects = TransferRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-request_date", "-pk"]
        # Each serves a list's order from its first page to its deep pages (EXPLAIN on 3 million
        # requests in docs/speed.md): the list, newest first, nationally, in an area and by
        # outcome; the review queue (due first) nationally and in an area.
        indexes = [
            models.Index(fields=["request_date", "id"], name="transfer_date_id"),
            models.Index(fields=["aor", "request_date", "id"], name="transfer_area_date_id"),
            # The home page's "requests still pending" opens the list filtered by outcome.
            models.Index(fields=["outcome", "request_date", "id"], name="transfer_outcome_date_id"),
            models.Index(
                fields=["review_due", "request_date", "id"],
                condition=models.Q(review_status__in=QUEUE_STATUSES),
                name="transfer_review_queue",
            ),
            models.Index(
                fields=["aor", "review_due", "request_date", "id"],
                condition=models.Q(review_status__in=QUEUE_STATUSES),
                name="transfer_review_queue_area",
            ),
        ]
        permissions = [
            ("review_transferrequest", "Can review transfer requests against the priorities"),
            ("advise_transferrequest", "Can record OPLA's legal advice on a transfer request"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="transfer_external_id_per_source",
            ),
            models.UniqueConstraint(
                fields=["natural_key"],
                condition=~models.Q(natural_key=""),
                name="transfer_natural_key",
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer request {self.pk}"

    def probable_cause_labels(self) -> list[str]:
        labels = dict(self.PROBABLE_CAUSE)
        return [labels.get(code, code) for code in self.probable_cause]

    def clean(self) -> None:
        codes = {code for code, _ in self.PROBABLE_CAUSE}
        if not isinstance(self.probable_cause, list) or set(self.probable_cause) - codes:
            raise ValidationError({"probable_cause": "Unknown probable-cause basis."})
        if (
            self.facility_id
            and self.agency_id
            and self.facility.agency_id
            not in (
                None,
                self.agency_id,
            )
        ):
            raise ValidationError({"facility": "This facility belongs to another agency."})


class Classification(models.Model):
    """One judgement of a request under one policy; a request keeps every one it had."""

    transfer_request = models.ForeignKey(
        TransferRequest, on_delete=models.CASCADE, related_name="classifications"
    )
    policy = models.CharField(max_length=20)
    tier = models.PositiveSmallIntegerField(null=True, blank=True)
    priorities = models.JSONField(default=list)
    pep_transfer_eligible = models.BooleanField(default=False)
    pep_basis = models.JSONField(default=list)
    allowed_requests = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    not_met = models.JSONField(default=list)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.policy} tier {self.tier or '-'}"


class ReviewStep(models.Model):
    """The history of a request's review: every move, who made it, when and why."""

    transfer_request = models.ForeignKey(
        TransferRequest, on_delete=models.CASCADE, related_name="review_steps"
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} -> {self.to_status}"

    ACTION_LABELS = {
        "classified": "Classified",
        "queued": "Sent for review",
        "consistent": "Consistent with the priorities: closed",
        "concur": "Concurred",
        "return": "Returned for correction",
        "correct": "Correction recorded",
        "exception": "Exception granted",
        "federal_interest": "Important federal interest found",
        "refer_opla": "Referred to OPLA",
        "opla_advice": "OPLA's advice recorded",
        "discretion": "Discretion exercised",
        "close": "Closed",
        "reopen": "Reopened",
    }

    def action_label(self) -> str:
        return self.ACTION_LABELS.get(self.action, self.action)

    def status_labels(self) -> tuple[str, str]:
        labels = dict(TransferRequest.REVIEW_STATUSES)
        return labels.get(self.from_status, self.from_status), labels.get(
            self.to_status, self.to_status
        )
