"""The transfer-request list's columns, sorts and export (lib/listing.py, lib/exports.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from transferwatch.lib.exports import ExportSpec, Field, label
from transferwatch.lib.listing import Column, Sorting
from transferwatch.transfers.models import TransferRequest

REVEAL = "transfers.reveal_person"

TRANSFER_SORTING = Sorting(
    [
        Column("number", "Request", ("pk",), desc_first=True),
        Column("date", "Date", ("request_date",), desc_first=True),
        Column("type", "Type", ("request_type",)),
        Column("area", "Area", ("aor__code",)),
        Column("agency", "Holding agency", ("agency__name",)),
        Column("facility", "Facility", ("facility__name",)),
        Column("outcome", "Outcome", ("outcome",)),
    ],
    default="-date",
)


def _person(attribute: str) -> Any:
    return lambda t: getattr(t.person, attribute) if t.person else ""


TYPE = label(TransferRequest.TYPES)
OUTCOME = label(TransferRequest.OUTCOMES)
SOURCE = label(TransferRequest.SOURCES)
REVIEW_STATUS = label(TransferRequest.REVIEW_STATUSES)
DECISION = label(TransferRequest.DECISIONS)

TRANSFER_EXPORT = ExportSpec(
    "transfer-requests",
    [
        Field("Request", lambda t: t.pk),
        Field("Date", lambda t: t.request_date),
        Field("Type", lambda t: TYPE(t.request_type)),
        Field("Form", lambda t: t.form),
        Field("Area", lambda t: t.aor.code),
        Field("Holding agency ORI", lambda t: t.agency.ori if t.agency else ""),
        Field("Holding agency", lambda t: t.agency.name if t.agency else ""),
        Field("Facility", lambda t: t.facility.name if t.facility else ""),
        Field("Outcome", lambda t: OUTCOME(t.outcome)),
        Field("Lift reason", lambda t: t.lift_reason),
        Field("Source", lambda t: SOURCE(t.source)),
        Field("Review status", lambda t: REVIEW_STATUS(t.review_status)),
        Field("Review due", lambda t: t.review_due),
        Field("Decision", lambda t: DECISION(t.decision)),
        Field("Person", lambda t: t.person_id),
        Field("Name", _person("name"), personal=True),
        Field("A-number", _person("a_number"), personal=True),
        Field("Date of birth", _person("birth_date"), personal=True),
        Field("Country of birth", _person("birth_country"), personal=True),
        Field("Citizenship", _person("citizenship"), personal=True),
    ],
    may_reveal=lambda user: user.has_perm(REVEAL),
    prepare=lambda rows: rows.select_related("aor", "agency", "facility", "person"),
)

# The review queue: what waits for the user's review, due soonest first (review.queue_for).
QUEUE_SORTING = Sorting(
    [
        Column("number", "Request", ("pk",), desc_first=True),
        Column("due", "Due", ("review_due", "request_date")),
        Column("status", "Status", ("review_status", "review_due")),
        Column("type", "Type", ("request_type", "review_due")),
        Column("area", "Area", ("aor__code", "review_due")),
        Column("agency", "Agency", ("agency__name", "review_due")),
        Column("why", "Why"),
    ],
    default="due",
)
QUEUE_EXPORT = replace(TRANSFER_EXPORT, name="review-queue")
