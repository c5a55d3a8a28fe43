"""The layouts of detainer releases, as data: each maps our field names to its column names.

Three layouts are known (``../shared/data/README.md``, ``../shared/data/ice-releases/``):

- ``ice-unique-identifier``: ICE ERO-LESA releases with ``Detention Facility``, ``Detainer Prepared
  Criminality``, ``Most Serious Conviction (MSC) Charge`` and the ``Unique Identifier`` person key
  (``ice-foia`` is its older name and still accepted);
- ``ice-anonymized-identifier``: the newer releases, with ``Detainer Facility``, ``Detainer
  Criminality``, ``Detainer Threat Level``, ``MSC Charge`` and ``Anonymized Identifier``;
- ``pa-2016``: the Pennsylvania extract (``date, lift_reason, det_facility, city, state,
  detainer_type``), with no person key.

`recognise` finds the header row among a sheet's first rows and tells which layout it is. A new
layout is a new entry in `LAYOUTS`, not new code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

HEADER_SEARCH_ROWS = 30

# Columns both ICE layouts spell the same way.
_ICE_COMMON: dict[str, str] = {
    "date": "Detainer Prepare Date",
    "state": "Facility State",
    "aor": "Facility AOR",
    "city": "Facility City",
    "case_status": "Case Status",
    "gender": "Gender",
    "citizenship": "Citizenship Country",
    "birth_country": "Birth Country",
    "birth_year": "Birth Year",
    "entry_status": "Entry Status",
    "entry_date": "Entry Date",
    "msc_sentence_days": "MSC Sentence Days",
    "msc_sentence_months": "MSC Sentence Months",
    "msc_sentence_years": "MSC Sentence Years",
    "msc_charge_code": "MSC Charge Code",
    "msc_charge_date": "MSC Charge Date",
    "msc_date": "MSC Conviction Date",
    "processing_disposition": "Processing Disposition",
    "apprehension_method": "Apprehension Method",
    "apprehension_date": "Apprehension Date",
    "final_order_date": "Final Order Date",
    "prior_felony": "Prior Felony Yes No",
    "multiple_prior_misd": "Multiple Prior MISD Yes No",
    "violent_misdemeanor": "Violent Misdemeanor Yes No",
    "illegal_entry": "Illegal Entry Yes No",
    "significant_risk": "Significant Risk Yes No",
    "gang": "Criminal Street Gang Yes No",
    "aggravated_felony": "Aggravated Felony Yes No",
    "pc_removal_proceedings": "Order to Show Cause Served Yes No",
    "pc_biometric_match": "Biometric Match Yes No",
    "pc_statements": "Statements Made Yes No",
    "lift_reason": "Detainer Lift Reason",
    "type": "Detainer Type",
}


@dataclass(frozen=True)
class Layout:
    name: str
    label: str
    columns: dict[str, str]  # our field -> the column name in the release
    required: tuple[str, ...]  # fields the header row must have
    facility: tuple[str, ...]  # at least one of these must be there too
    person_keys: tuple[str, ...] = ()  # fields that hold the pseudonymous person key, best first

    def has(self, field: str) -> bool:
        return field in self.columns


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout(
            "ice-unique-identifier",
            "ICE detainer release (Detention Facility, Unique Identifier)",
            {
                **_ICE_COMMON,
                "facility": "Detention Facility",
                "facility_code": "Detention Facility Code",
                "criminality": "Detainer Prepared Criminality",
                "threat_level": "Detainer Prep Threat Level",
                "msc_charge": "Most Serious Conviction (MSC) Charge",
                "felon": "Felon",
                "case_final_order": "Case Final Order Yes No",
                "pc_final_order": "Final Order Yes No",
                "federal_interest": "Federal Interest Yes No",
                "subject_key": "EID Subject ID",
                "unique_id": "Unique Identifier",
            },
            required=("date",),
            facility=("facility", "facility_code"),
            person_keys=("unique_id", "subject_key"),
        ),
        Layout(
            "ice-anonymized-identifier",
            "ICE detainer release (Detainer Facility, Anonymized Identifier)",
            {
                **_ICE_COMMON,
                "facility": "Detainer Facility",
                "facility_code": "Detainer Facility Code",
                "criminality": "Detainer Criminality",
                "threat_level": "Detainer Threat Level",
                "msc_charge": "MSC Charge",
                "aggravated_felon": "Aggravated Felon Yes No",
                "case_final_order": "Final Order Yes No",
                "lift_reason_code": "Detainer Lift Reason Code",
                "unique_id": "Anonymized Identifier",
            },
            required=("date",),
            facility=("facility", "facility_code"),
            person_keys=("unique_id",),
        ),
        Layout(
            "pa-2016",
            "Pennsylvania detainer extract (2016 release)",
            {
                "date": "date",
                "lift_reason": "lift_reason",
                "facility": "det_facility",
                "city": "city",
                "state": "state",
                "type": "detainer_type",
            },
            required=("date", "state"),
            facility=("facility",),
        ),
    )
}
ALIASES = {"ice-foia": "ice-unique-identifier"}
FORMAT_CHOICES = (*LAYOUTS, *ALIASES)


def layout_named(name: str) -> Layout | None:
    return LAYOUTS.get(ALIASES.get(name, name))


def key(text: Any) -> str:
    """A column name or value compared case- and space-insensitively."""
    return " ".join(str(text).split()).casefold() if text is not None else ""


@dataclass(frozen=True)
class Header:
    layout: Layout
    index: int  # the header's position among the sheet's rows (0 = first row)
    columns: dict[str, int]  # our field -> cell index
    headers: dict[str, str]  # our field -> the column name as written


def match_header(row: Sequence[str], layout: Layout) -> Header | None:
    """The header of `layout` if `row` is one (its required and a facility column are there)."""
    wanted = {key(name): field for field, name in layout.columns.items()}
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for position, cell in enumerate(row):
        field = wanted.get(key(cell))
        if field and field not in columns:
            columns[field] = position
            headers[field] = " ".join(str(cell).split())
    if not all(f in columns for f in layout.required):
        return None
    if not any(f in columns for f in layout.facility):
        return None
    for field, name in layout.columns.items():
        headers.setdefault(field, name)
    return Header(layout, -1, columns, headers)


def recognise(rows: Sequence[Sequence[str]], limit: int = HEADER_SEARCH_ROWS) -> Header | None:
    """The first of `rows[:limit]` that is the header of a known layout, and which layout.

    When a row fits more than one layout (a file with only the columns the layouts share), the
    layout with more of its columns in the row wins.
    """
    for index, row in enumerate(rows[:limit]):
        found = [h for layout in LAYOUTS.values() if (h := match_header(row, layout))]
        if found:
            best = max(found, key=lambda h: len(h.columns))
            return Header(best.layout, index, best.columns, best.headers)
    return None


def looks_like_header(row: Sequence[str]) -> bool:
    """A row naming a prepare date: a header, perhaps of a layout we do not know."""
    cells = {key(c) for c in row}
    return bool(cells & {"detainer prepare date", "date", "det_facility"})
