"""The PD request list's columns, sorts and export (lib/listing.py, lib/exports.py).

The export names the person each request is for: masked unless the user may reveal people
(`transfers.reveal_person`, as on the request's page).
"""

from __future__ import annotations

from typing import Any

from django.db.models import DurationField, ExpressionWrapper, F, QuerySet

from transferwatch.discretion.models import BASES
from transferwatch.lib.exports import ExportSpec, Field
from transferwatch.lib.listing import Column, Sorting

PD_SORTING = Sorting(
    [
        Column("number", "Request", ("number",), desc_first=True),
        Column("status", "Status", ("status",)),
        Column("area", "Area", ("aor__code",)),
        Column("inquiry", "Inquiry", ("inquiry__number",)),
        Column("submitted", "Submitted", ("submitted_at",), desc_first=True),
        Column("due", "Field review due", ("due_at",)),
        Column("final", "Final determination", ("final_decision",)),
        Column("days", "Days to final", ("to_final",), numeric=True),
    ],
    default="-number",
)


def with_days_to_final(rows: QuerySet[Any]) -> QuerySet[Any]:
    """The time from submission to the final determination, to sort by."""
    return rows.annotate(
        to_final=ExpressionWrapper(F("final_at") - F("submitted_at"), output_field=DurationField())
    )


def _person(attribute: str) -> Any:
    return lambda pd: getattr(pd.person, attribute)


def _bases(pd: Any) -> list[str]:
    labels = dict(BASES)
    return [labels.get(code, code) for code in pd.bases]


PD_EXPORT = ExportSpec(
    "pd-requests",
    [
        Field("Request", lambda pd: pd.number),
        Field("Status", lambda pd: pd.get_status_display()),
        Field("Area", lambda pd: pd.aor.code),
        Field("Inquiry", lambda pd: pd.inquiry.number),
        Field("Transfer request", lambda pd: pd.transfer_id),
        Field("Basis", _bases),
        Field("HQ review asked", lambda pd: pd.hq_review_requested),
        Field("Submitted (UTC)", lambda pd: pd.submitted_at),
        Field("Field review due (UTC)", lambda pd: pd.due_at),
        Field(
            "Field decision",
            lambda pd: pd.get_field_decision_display() if pd.field_decision else "",
        ),
        Field("Field decided (UTC)", lambda pd: pd.field_decided_at),
        Field("HQ decision", lambda pd: pd.get_hq_decision_display() if pd.hq_decision else ""),
        Field("HQ decided (UTC)", lambda pd: pd.hq_decided_at),
        Field(
            "Final determination",
            lambda pd: pd.get_final_decision_display() if pd.final_decision else "",
        ),
        Field("Final (UTC)", lambda pd: pd.final_at),
        Field("Days to final", lambda pd: pd.days_to_final),
        Field("Person", lambda pd: pd.person_id),
        Field("Name", _person("name"), personal=True),
        Field("A-number", _person("a_number"), personal=True),
        Field("Date of birth", _person("birth_date"), personal=True),
        Field("Country of birth", _person("birth_country"), personal=True),
    ],
    may_reveal=lambda user: user.has_perm("transfers.reveal_person"),
    prepare=lambda rows: rows.select_related("aor", "inquiry", "person"),
)
