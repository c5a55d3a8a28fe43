"""`transferwatch import facilities FILE.csv`: a crosswalk of facilities to agencies, all or nothing."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from transferwatch.accounts.models import Area
from transferwatch.agencies.models import Agency, Facility
from transferwatch.audit.models import Event
from transferwatch.conftest import client_for
from transferwatch.imports.facilities import import_facilities
from transferwatch.imports.models import Import
from transferwatch.imports.tests.conftest import write
from transferwatch.transfers.models import TransferRequest

HEADER = "facility_code,facility_name,state,ori"


@pytest.fixture
def world(data_dir: Path, phi_agency: Agency, nyc_agency: Agency) -> dict[str, Any]:
    """Montgomery's jail (suggested), Bucks jail (unmatched, 2 requests), a federal prison."""
    area = Area.objects.get(code="PHI")
    bucks_sheriff = Agency.objects.create(ori="PA0090000", name="Bucks County Sheriff", state="PA")
    bucks = Facility.objects.create(name="BUCKS CNTY JAIL", code="BUCKSPA", state="PA")
    for _ in range(2):
        TransferRequest.objects.create(
            request_type="detainer",
            request_date=date(2015, 8, 1),
            aor=area,
            facility=bucks,
            source="import",
        )
    federal = Facility.objects.create(name="LEWISBURG U.S. PEN", state="PA", kind="federal")
    return {
        "jail": phi_agency.facilities.get(),
        "bucks": bucks,
        "federal": federal,
        "bucks_sheriff": bucks_sheriff,
    }


def run(path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import", "facilities", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def crosswalk_events() -> list[Event]:
    return list(Event.objects.filter(action__startswith="agencies.facility").order_by("seq"))


def test_it_links_facilities_by_code_or_name_and_moves_their_requests(
    data_dir: Path, world: dict[str, Any], phi_agency: Agency
) -> None:
    path = write(
        data_dir / "crosswalk.csv",
        HEADER,
        "BUCKSPA,,,pa0090000",
        ",Montgomery Cnty Jail,pa,PA0460000",
    )
    out, _ = run(path)
    assert (
        "crosswalk.csv: 2 facilities: 2 linked to an agency, 0 set to no agency, 0 unchanged; "
        "2 transfer requests moved"
    ) in out
    bucks, jail = world["bucks"], world["jail"]
    bucks.refresh_from_db()
    jail.refresh_from_db()
    assert (bucks.agency, bucks.agency_source) == (world["bucks_sheriff"], "crosswalk")
    assert (jail.agency, jail.agency_source) == (phi_agency, "crosswalk")
    assert bucks.agency_confirmed_at is not None and bucks.agency_confirmed_by is None
    assert (
        TransferRequest.objects.filter(facility=bucks, agency=world["bucks_sheriff"]).count() == 2
    )
    imp = Import.objects.get(kind="facilities")
    assert (imp.status, imp.rows_accepted, imp.file_format) == ("done", 2, "csv")
    assert imp.details["requests_moved"] == 2
    events = crosswalk_events()
    assert [e.action for e in events] == [
        "agencies.facility.agency_changed",
        "agencies.facility.agency_confirmed",
    ]
    assert events[0].changes == {
        "agency": {"from": None, "to": "PA0090000"},
        "agency_source": {"from": "suggested", "to": "crosswalk"},
        "requests_moved": 2,
    }
    assert Event.objects.filter(action="imports.import.done").count() == 1


def test_an_empty_ori_unlinks_and_a_repeated_file_changes_nothing(
    data_dir: Path, world: dict[str, Any]
) -> None:
    path = write(data_dir / "c.csv", "facility_name,state,ori,notes", "MONTGOMERY CNTY JAIL,PA,,x")
    out, _ = run(path)
    assert "0 linked to an agency, 1 set to no agency" in out
    jail = world["jail"]
    jail.refresh_from_db()
    assert jail.agency is None and jail.agency_source == "crosswalk"
    assert not TransferRequest.objects.filter(facility=jail, agency__isnull=False).exists()
    events = len(crosswalk_events())
    out, _ = run(path)
    assert "0 set to no agency, 1 unchanged; 0 transfer requests moved" in out
    assert len(crosswalk_events()) == events
    assert Import.objects.filter(kind="facilities", status="done").count() == 2


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            ",MONTGOMERY CNTY JAIL,PA,PA9999999",
            "ori",
            "no agency has this ORI; import the agency first",
        ),
        (
            ",MONTGOMERY CNTY JAIL,PA,BUCKS",
            "ori",
            "not an ORI (two letters and seven letters or digits)",
        ),
        ("NOSUCHPA,,,PA0090000", "facility_code", "no facility has this code"),
        (",NOWHERE JAIL,PA,PA0090000", "facility_name", "no facility of this name in PA"),
        (",BUCKS CNTY JAIL,,PA0090000", "state", "a facility_name needs its state"),
        (",BUCKS CNTY JAIL,Penn,PA0090000", "state", "not a two-letter state code"),
        (",,,PA0090000", "facility_code", "no facility: give facility_code or facility_name"),
        (
            ",LEWISBURG U.S. PEN,PA,PA0090000",
            "ori",
            "LEWISBURG U.S. PEN is a federal prison: federal prisons are run by the Bureau of "
            "Prisons and are never linked to a local agency.",
        ),
        (",bucks cnty jail,PA,PA0090000", "facility_name", "the same facility as row 2"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(
    data_dir: Path, world: dict[str, Any], row: str, column: str, message: str
) -> None:
    path = write(data_dir / "c.csv", HEADER, "BUCKSPA,,,PA0090000", row)
    with pytest.raises(CommandError) as raised:
        run(path)
    assert raised.value.returncode == 2
    assert "c.csv: 1 row of 2 invalid (1 problem); nothing imported" in str(raised.value)
    imp = Import.objects.get(kind="facilities")
    assert imp.status == "rejected"
    [error] = imp.details["first_errors"]
    assert error.startswith(f"c.csv, row 3, column {column}: {message}")
    world["bucks"].refresh_from_db()
    assert world["bucks"].agency is None and world["bucks"].agency_source == "suggested"
    assert not TransferRequest.objects.filter(agency=world["bucks_sheriff"]).exists()
    assert crosswalk_events() == []
    assert imp.rejects_path.read_text().startswith("row,column,value,problem\n3,")


def test_the_errors_go_to_stderr(data_dir: Path, world: dict[str, Any]) -> None:
    path = write(data_dir / "c.csv", HEADER, "NOSUCHPA,,,PA0090000")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import", "facilities", str(path), stdout=StringIO(), stderr=err)
    assert "c.csv, row 2, column facility_code: no facility has this code" in err.getvalue()


def test_an_ambiguous_code_needs_the_state(data_dir: Path, world: dict[str, Any]) -> None:
    Facility.objects.create(name="BUCKS JAIL (OH)", code="BUCKSPA", state="OH")
    path = write(data_dir / "c.csv", HEADER, "BUCKSPA,,,PA0090000")
    imp = import_facilities(path)
    assert imp.status == "rejected"
    assert "2 facilities have this code; give the state" in imp.details["first_errors"][0]
    imp = import_facilities(write(data_dir / "d.csv", HEADER, "BUCKSPA,,PA,PA0090000"))
    assert imp.status == "done"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,agency\nBUCKS CNTY JAIL,PA0090000\n", "the header row needs the columns ori and"),
        (b"facility_name,ori\nBUCKS CNTY JAIL,PA0090000\n", "the header row needs the columns"),
        (b"", "the file is empty"),
        (b"facility_code,ori\n\xff\xfe\n", "not UTF-8 text"),
        (b"ori,ori,facility_code\n", "column ori appears twice"),
    ],
)
def test_a_file_that_is_no_crosswalk_is_refused(
    data_dir: Path, world: dict[str, Any], content: bytes, message: str
) -> None:
    path = data_dir / "c.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as raised:
        run(path)
    assert raised.value.returncode == 2 and str(raised.value).startswith("c.csv: ")
    assert message in str(raised.value)
    assert Import.objects.get(kind="facilities").status == "failed"
    assert crosswalk_events() == []


# ---------------------------------------------------------------- from the Facilities page


def upload(client: Any, content: bytes, name: str = "crosswalk.csv") -> Any:
    file = SimpleUploadedFile(name, content, "text/csv")
    return client.post(reverse("facility_list"), {"file": file})


def test_an_analyst_uploads_a_crosswalk(
    data_dir: Path, analyst: Any, world: dict[str, Any]
) -> None:
    client = client_for(analyst)
    response = upload(client, f"{HEADER}\nBUCKSPA,,,PA0090000\n".encode())
    imp = Import.objects.get(kind="facilities")
    assert response.status_code == 302
    assert response["Location"] == reverse("import_detail", args=[imp.pk])
    assert imp.status == "done" and imp.created_by == analyst
    assert imp.file_name == "crosswalk.csv"
    assert (imp.folder / "upload.csv").exists()
    world["bucks"].refresh_from_db()
    assert world["bucks"].agency_confirmed_by == analyst
    assert crosswalk_events()[0].actor == analyst
    page = client.get(response["Location"]).content.decode()
    assert "1 linked to an agency" in page and "Facilities to agencies (crosswalk)" in page
    history = client.get(reverse("import_list")).content.decode()
    assert "Facilities to agencies (crosswalk)" in history


def test_a_bad_upload_shows_its_rows_on_the_import_page(
    data_dir: Path, analyst: Any, world: dict[str, Any]
) -> None:
    client = client_for(analyst)
    response = upload(client, f"{HEADER}\n,LEWISBURG U.S. PEN,PA,PA0090000\n".encode())
    page = client.get(response["Location"]).content.decode()
    assert (
        "nothing imported" in page and "row 2, column ori: LEWISBURG U.S. PEN is a federal" in page
    )
    assert crosswalk_events() == []


def test_an_empty_upload_is_named_on_the_field(
    data_dir: Path, analyst: Any, world: dict[str, Any]
) -> None:
    response = upload(client_for(analyst), b"")
    assert response.status_code == 200
    assert response.context["upload"].errors["file"] == ["The submitted file is empty."]
    assert not Import.objects.exists()


def test_an_investigator_cannot_upload(
    data_dir: Path, investigator: Any, world: dict[str, Any]
) -> None:
    response = upload(client_for(investigator), f"{HEADER}\nBUCKSPA,,,PA0090000\n".encode())
    assert response.status_code == 404
    assert not Import.objects.exists()
