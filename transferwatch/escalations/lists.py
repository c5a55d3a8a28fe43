"""The letter and remedial-measure lists' columns, sorts and exports (lib/listing.py,
lib/exports.py). Neither names a person: letters and measures are about agencies."""

from __future__ import annotations

from transferwatch.lib.exports import ExportSpec, Field
from transferwatch.lib.listing import Column, Sorting

ESCALATION_SORTING = Sorting(
    [
        Column("number", "Number", ("number",), desc_first=True),
        Column("kind", "Kind", ("kind",)),
        Column("agency", "Agency", ("agency__name",)),
        Column("subject", "Subject", ("subject",)),
        Column("status", "Status", ("status",)),
        Column("sent", "Sent", ("sent_at",), desc_first=True),
    ],
    default="-number",
)

ESCALATION_EXPORT = ExportSpec(
    "letters",
    [
        Field("Number", lambda e: e.number),
        Field("Kind", lambda e: e.get_kind_display()),
        Field("Agency ORI", lambda e: e.agency.ori),
        Field("Agency", lambda e: e.agency.name),
        Field("Recipient", lambda e: e.recipient),
        Field("Subject", lambda e: e.subject),
        Field("Status", lambda e: e.get_status_display()),
        Field("Created (UTC)", lambda e: e.created_at),
        Field("Approved (UTC)", lambda e: e.approved_at),
        Field("Sent (UTC)", lambda e: e.sent_at),
        Field("Answered (UTC)", lambda e: e.answered_at),
    ],
    prepare=lambda rows: rows.select_related("agency"),
)

MEASURE_SORTING = Sorting(
    [
        Column("number", "Measure", ("pk",), desc_first=True),
        Column("agency", "Agency", ("agency__name",)),
        Column("kind", "Kind", ("kind",)),
        Column("owner", "Owner", ("owner",)),
        Column("due", "Due", ("due_date",)),
        Column("status", "Status", ("status",)),
    ],
    default="due",
)

MEASURE_EXPORT = ExportSpec(
    "remedial-measures",
    [
        Field("Measure", lambda m: m.pk),
        Field("Agency ORI", lambda m: m.agency.ori),
        Field("Agency", lambda m: m.agency.name),
        Field("Kind", lambda m: m.get_kind_display()),
        Field("Owner", lambda m: m.owner),
        Field("Due", lambda m: m.due_date),
        Field("Status", lambda m: m.get_status_display()),
        Field("Inquiry", lambda m: m.inquiry.number if m.inquiry else ""),
        Field("Letter", lambda m: m.escalation.number if m.escalation else ""),
        Field("Created (UTC)", lambda m: m.created_at),
        Field("Closed (UTC)", lambda m: m.closed_at),
    ],
    prepare=lambda rows: rows.select_related("agency", "inquiry", "escalation"),
)
