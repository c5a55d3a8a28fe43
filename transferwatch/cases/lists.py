"""The allegation and inquiry lists' columns, sorts and exports (lib/listing.py, lib/exports.py).

An allegation's export names the person affected (the first involved person in that role):
masked unless the user may reveal the allegation's people (CRCL casework roles that may change
allegations, as on the allegation's page). The narrative and the submitter's contact details are
never exported.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from transferwatch.cases.models import InvolvedPerson
from transferwatch.lib.exports import ExportSpec, Field
from transferwatch.lib.listing import Column, Sorting

ALLEGATION_SORTING = Sorting(
    [
        Column("number", "Record", ("number",), desc_first=True),
        Column("received", "Received", ("received_at",), desc_first=True),
        Column("status", "Status", ("status",)),
        Column("agency", "Agency", ("agency__name", "agency_text")),
        Column("types", "Types"),
        Column("source", "Source", ("source", "channel")),
        Column("due", "Triage due", ("due_at",)),
    ],
    default="-received",
)


def may_reveal_people(user: Any) -> bool:
    return bool(user.has_perm("cases.view_allegation") and user.has_perm("cases.change_allegation"))


def _subject(attribute: str) -> Any:
    def value(a: Any) -> Any:
        subjects = a.subjects  # prefetched: the people in the role "subject", in entry order
        return getattr(subjects[0], attribute) if subjects else ""

    return value


ALLEGATION_EXPORT = ExportSpec(
    "allegations",
    [
        Field("Record", lambda a: a.number),
        Field("Received (UTC)", lambda a: a.received_at),
        Field("Status", lambda a: a.get_status_display()),
        Field("Agency ORI", lambda a: a.agency.ori if a.agency else ""),
        Field("Agency", lambda a: a.agency.name if a.agency else ""),
        Field("Agency as described", lambda a: a.agency_text),
        Field("Types", lambda a: a.type_labels()),
        Field("Source", lambda a: a.get_source_display()),
        Field("Channel", lambda a: a.get_channel_display()),
        Field("Language", lambda a: a.get_language_display()),
        Field("Interpreter needed", lambda a: a.interpreter_needed),
        Field("Encounter date", lambda a: a.encounter_date),
        Field("Triage due (UTC)", lambda a: a.due_at if a.status == "received" else None),
        Field("Referred to", lambda a: a.referred_to),
        Field("Person affected", _subject("name"), personal=True),
        Field("A-number", _subject("a_number"), personal=True),
        Field("Date of birth", _subject("birth_date"), personal=True),
    ],
    may_reveal=may_reveal_people,
    prepare=lambda rows: rows.select_related("agency").prefetch_related(
        Prefetch(
            "people",
            queryset=InvolvedPerson.objects.filter(role="subject").order_by("pk"),
            to_attr="subjects",
        )
    ),
)

INQUIRY_SORTING = Sorting(
    [
        Column("number", "Inquiry", ("number",), desc_first=True),
        Column("opened", "Opened", ("opened_at",), desc_first=True),
        Column("status", "Status", ("status",)),
        Column("agency", "Agency", ("agency__name",)),
        Column("investigator", "Investigator", ("investigator__username",)),
        Column("due", "Step due", ("step_due",)),
        Column("allegation", "Allegation", ("allegation__number",)),
    ],
    default="-opened",
)

INQUIRY_EXPORT = ExportSpec(
    "inquiries",
    [
        Field("Inquiry", lambda i: i.number),
        Field("Opened (UTC)", lambda i: i.opened_at),
        Field("Status", lambda i: i.get_status_display()),
        Field("Agency ORI", lambda i: i.agency.ori if i.agency else ""),
        Field("Agency", lambda i: i.agency.name if i.agency else ""),
        Field("Investigator", lambda i: i.investigator.get_username() if i.investigator else ""),
        Field("Step due", lambda i: i.step_due),
        Field("Allegation", lambda i: i.allegation.number),
        Field("Closed (UTC)", lambda i: i.closed_at),
    ],
    prepare=lambda rows: rows.select_related("agency", "allegation", "investigator"),
)
