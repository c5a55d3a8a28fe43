"""`transferwatch import detainers`: facilities matched to the agencies that run them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from transferwatch.accounts.models import Area
from transferwatch.agencies.models import Agency, Facility
from transferwatch.imports.detainers import import_detainers
from transferwatch.imports.models import Import
from transferwatch.imports.tests.test_detainers import (  # noqa: F401 (autouse fixtures)
    by_line,
    data_folder,
    pa_csv,
    pa_row,
    run_command,
    today,
)
from transferwatch.transfers.models import TransferRequest


def test_it_matches_facilities_to_agencies_of_the_state(
    db: Any, tmp_path: Path, phi_agency: Agency
) -> None:
    phi = Area.objects.get(code="PHI")

    def agency(ori: str, name: str) -> Agency:
        return Agency.objects.create(ori=ori, name=name, state="PA", aor=phi)

    bucks = agency("PA0090000", "Bucks County Sheriff's Office")
    agency("PA0090100", "Bucks County Detectives")  # not the one running the jail
    chester = agency("PA0150000", "Chester County Sheriff")
    agency("PA0390000", "Lehigh County Sheriff")
    agency("PA0390100", "Lehigh County Department of Corrections")
    Facility.objects.create(name="CHESTER CNTY JAIL", state="PA")  # known, without agency
    path = pa_csv(
        tmp_path / "pa.csv",
        [
            pa_row(facility="MONTGOMERY CNTY JAIL, PA"),
            pa_row(facility="MONTGOMERY CNTY JAIL, PA"),
            pa_row(facility="BUCKS CNTY JAIL, PA"),
            pa_row(facility="CHESTER CNTY JAIL, PA"),
            pa_row(facility="LEHIGH COUNTY JAIL, PA"),
            pa_row(facility="LEWISBURG U.S. PEN."),
            pa_row(facility="ROUNDHOUSE PHI, PA"),
            pa_row(facility="ROUNDHOUSE PHI, PA"),
        ],
    )
    out, _ = run_command(str(path), "--format", "pa-2016")
    imp = Import.objects.get()
    rows = by_line(imp)
    assert rows[2].facility == rows[3].facility == phi_agency.facilities.get()
    assert rows[2].agency == phi_agency
    assert rows[4].facility.name == "BUCKS CNTY JAIL" and rows[4].agency == bucks
    assert rows[4].facility.agency == bucks
    assert (
        rows[5].agency == chester
        and Facility.objects.get(name="CHESTER CNTY JAIL").agency == chester
    )
    assert rows[6].agency is None and rows[7].agency is None
    assert rows[7].facility.kind == "federal"
    assert imp.details["unmatched_facilities"] == [
        {
            "name": "ROUNDHOUSE PHI",
            "state": "PA",
            "count": 2,
            "why": "no agency of that name in the state",
        },
        {"name": "LEHIGH COUNTY JAIL", "state": "PA", "count": 1, "why": "2 agencies match"},
    ]
    assert imp.details["facilities"] == {
        "total": 6, "new": 4, "matched": 3, "linked": 1, "federal": 1, "unmatched": 2
    }  # fmt: skip
    assert "6 facilities (4 new): 3 with an agency, 1 federal, 2 without an agency" in out
    assert "  ROUNDHOUSE PHI, PA (2)\n  LEHIGH COUNTY JAIL, PA (1)" in out


def test_it_keeps_an_analysts_no_agency_and_links_earlier_requests_of_a_suggestion(
    db: Any, tmp_path: Path
) -> None:
    phi = Area.objects.get(code="PHI")
    bucks = Agency.objects.create(
        ori="PA0090000", name="Bucks County Sheriff's Office", state="PA", aor=phi
    )
    Agency.objects.create(ori="PA0150000", name="Chester County Sheriff", state="PA", aor=phi)
    decided = Facility.objects.create(
        name="CHESTER CNTY JAIL", state="PA", agency_source="confirmed"
    )
    open_one = Facility.objects.create(name="BUCKS CNTY JAIL", state="PA")
    earlier = TransferRequest.objects.create(
        request_type="detainer", request_date=date(2015, 1, 5), aor=phi, facility=open_one
    )
    path = pa_csv(
        tmp_path / "pa.csv",
        [pa_row(facility="CHESTER CNTY JAIL, PA"), pa_row(facility="BUCKS CNTY JAIL, PA")],
    )
    imp = import_detainers(path, "pa-2016")
    decided.refresh_from_db()
    earlier.refresh_from_db()
    assert decided.agency is None  # the analyst said no local agency runs it
    assert earlier.agency == bucks  # linked by the suggestion, with the requests before it
    assert {f["name"]: f["why"] for f in imp.details["unmatched_facilities"]} == {
        "CHESTER CNTY JAIL": "no agency, as an analyst or a crosswalk decided"
    }
