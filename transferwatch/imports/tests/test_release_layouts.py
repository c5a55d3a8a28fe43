"""Both national release layouts, recognised from the header; the same detainer stored once.

Files are made here from the layouts' column lists in ``../shared/data/ice-releases/`` (the real
order and spelling of each release), with 6 title rows above the header as in the releases.
Without ``../shared`` the columns come from our own layout table instead, and the test that
checks that table against the lists skips.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test.utils import CaptureQueriesContext

import transferwatch
from transferwatch.imports.detainers import import_detainers
from transferwatch.imports.layouts import LAYOUTS
from transferwatch.imports.models import Import
from transferwatch.imports.services import ImportInputError
from transferwatch.imports.tests.xlsx import write_xlsx
from transferwatch.transfers.models import Charge, Conviction, Person, TransferRequest

RELEASES = Path(transferwatch.__file__).resolve().parents[2] / "shared" / "data" / "ice-releases"
LISTS = {
    "ice-unique-identifier": "layout-unique-identifier.txt",
    "ice-anonymized-identifier": "layout-anonymized-identifier.txt",
}
TITLES = [
    ["U.S. Immigration and Customs Enforcement"],
    ["Enforcement and Removal Operations"],
    ["Law Enforcement Systems and Analysis"],
    ["Detainers prepared"],
    ["FY2015 - FY2016"],
    [],
]
# The same three detainers, in our field names.
DETAINERS: list[dict[str, str]] = [
    {
        "date": "2015-08-03",
        "state": "PA",
        "aor": "Philadelphia",
        "facility": "MONTGOMERY CNTY JAIL",
        "facility_code": "MONTGPA",
        "criminality": "1 Convicted Criminal",
        "threat_level": "1",
        "gender": "Male",
        "citizenship": "MEXICO",
        "birth_country": "(b)(6)",
        "birth_year": "1988",
        "case_status": "ACTIVE",
        "processing_disposition": "Notice to Appear (I-862)",
        "apprehension_method": "CAP Local Incarceration",
        "msc_charge": "BURGLARY",
        "msc_charge_code": "2299",
        "msc_date": "2013-02-01",
        "msc_sentence_days": "365",
        "felon": "YES",
        "aggravated_felon": "YES",
        "prior_felony": "YES",
        "pc_biometric_match": "YES",
        "lift_reason": "Booked into Detention",
        "type": "I-247D",
        "unique_id": "P-1001",
    },
    {
        "date": "2015-09-10",
        "state": "PA",
        "aor": "Philadelphia",
        "facility": "BUCKS CNTY JAIL",
        "facility_code": "BUCKSPA",
        "criminality": "2 Pending Criminal Charges",
        "msc_charge": "TRAFFIC OFFENSE",
        "msc_charge_code": "5499",
        "msc_charge_date": "2015-09-01",
        "lift_reason": "Died",
        "type": "I-247D",
        "unique_id": "P-1002",
    },
    {
        "date": "2015-10-01",
        "state": "PA",
        "facility": "BUCKS CNTY JAIL",
        "facility_code": "BUCKSPA",
        "criminality": "3 Other Immigration Violator",
        "lift_reason": "",
        "type": "I-247N",
        "unique_id": "P-1003",
    },
]


@pytest.fixture(autouse=True)
def data_folder(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture(autouse=True)
def today() -> Any:
    with time_machine.travel(datetime(2016, 1, 15, 12, tzinfo=UTC), tick=False):
        yield


def header(layout: str) -> list[str]:
    """The release's columns in order: the published list when here, else our own table."""
    listed = RELEASES / LISTS[layout]
    if listed.is_file():
        return [line.strip() for line in listed.read_text().splitlines() if line.strip()]
    return list(dict.fromkeys(LAYOUTS[layout].columns.values()))


def table(layout: str, detainers: list[dict[str, str]]) -> list[list[str]]:
    columns = header(layout)
    names = LAYOUTS[layout].columns
    body = []
    for detainer in detainers:
        cells = {names[f]: v for f, v in detainer.items() if f in names}
        if layout == "ice-anonymized-identifier" and detainer.get("felon") == "YES":
            cells.setdefault(names["aggravated_felon"], "YES")
        body.append([cells.get(c, "") for c in columns])
    return [*TITLES, columns, *body]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def run(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("import", "detainers", *args, stdout=out, stderr=err)
    return out.getvalue()


def nothing_written() -> bool:
    return not (
        TransferRequest.objects.exists() or Person.objects.exists() or Conviction.objects.exists()
    )


# ---------------------------------------------------------------- the layouts themselves


@pytest.mark.parametrize("layout", sorted(LISTS))
def test_every_column_we_map_is_in_the_published_layout(layout: str) -> None:
    listed = RELEASES / LISTS[layout]
    if not listed.is_file():
        pytest.skip(f"{listed} is not here (shared data lives outside the repository)")
    columns = set(header(layout))
    mapped = set(LAYOUTS[layout].columns.values())
    assert mapped <= columns, sorted(mapped - columns)
    # what CRCL needs is mapped (issue 12): criminality, threat, MSC, person key, boxes
    needed = {
        "criminality", "threat_level", "msc_charge", "msc_charge_code", "msc_date",
        "msc_sentence_days", "citizenship", "birth_country", "gender", "birth_year",
        "case_status", "processing_disposition", "apprehension_method", "facility_code",
        "lift_reason", "unique_id", "prior_felony", "pc_biometric_match",
    }  # fmt: skip
    assert needed <= set(LAYOUTS[layout].columns)


# ---------------------------------------------------------------- both layouts, no --format


@pytest.mark.parametrize("layout", sorted(LISTS))
def test_it_recognises_each_layout_of_a_csv_with_title_rows(
    db: Any, tmp_path: Path, layout: str
) -> None:
    path = write_csv(tmp_path / "release.csv", table(layout, DETAINERS))
    out = run(str(path))
    imp = Import.objects.get()
    assert (imp.status, imp.file_format) == ("done", layout)
    assert out.startswith("release.csv: 3 rows: 3 new, 0 already held, 0 refused")
    first, second, third = TransferRequest.objects.order_by("request_date")
    assert first.criminality == "1" and first.details["criminality"] == "1 Convicted Criminal"
    assert first.details["threat_level"] == "1" and first.details["birth_year"] == 1988
    assert first.details["case_status"] == "ACTIVE"
    assert first.details["processing_disposition"] == "Notice to Appear (I-862)"
    assert first.details["apprehension_method"] == "CAP Local Incarceration"
    assert first.details["msc_charge"] == "BURGLARY" and first.details["msc_charge_code"] == "2299"
    assert first.details["citizenship"] == "MEXICO"
    assert "birth_country" not in first.details  # (b)(6) is unknown, never data
    assert imp.details["redacted"] == {LAYOUTS[layout].columns["birth_country"]: 1}
    assert first.probable_cause == ["biometric_match"] and first.minor_charge is False
    assert first.person.subject_key == "P-1001"
    conviction = first.person.convictions.get()
    assert (conviction.date, conviction.severity, conviction.categories) == (
        date(2013, 2, 1),
        "felony",
        ["aggravated_felony", "burglary"]
        if layout.endswith("anonymized-identifier")
        else ["burglary"],
    )
    # a pending charge is a charge, never a conviction; the lift reason as recorded
    assert second.criminality == "2" and not second.person.convictions.exists()
    charge = second.person.charges.get()
    assert (charge.date, charge.status, charge.categories) == (
        date(2015, 9, 1),
        "pending",
        ["minor_traffic"],
    )
    assert (second.lift_reason, second.outcome, second.minor_charge) == ("Died", "died", True)
    assert (third.lift_reason, third.outcome, third.minor_charge) == ("", "unrecorded", None)
    assert third.request_type == "notification"


def test_it_reads_every_sheet_of_a_workbook(db: Any, tmp_path: Path) -> None:
    layout = "ice-anonymized-identifier"
    path = write_xlsx(
        tmp_path / "release.xlsx",
        [],
        sheets={
            "Notes": [["Detainers prepared, FY2015-FY2016"], ["Source: ICE LESA"]],
            "FY2015": table(layout, DETAINERS[:2]),
            "FY2016": table(layout, DETAINERS[2:]),
        },
    )
    imp = import_detainers(path)
    assert imp.status == "done", imp.message
    assert imp.details["sheets"] == ["FY2015", "FY2016"]
    assert imp.details["skipped_sheets"] == ["Notes"]
    assert TransferRequest.objects.count() == 3


def test_the_same_detainers_from_the_other_layout_are_already_held(db: Any, tmp_path: Path) -> None:
    old = write_csv(tmp_path / "old.csv", table("ice-unique-identifier", DETAINERS))
    new = write_xlsx(tmp_path / "new.xlsx", table("ice-anonymized-identifier", DETAINERS))
    import_detainers(old)
    out = run(str(new))
    assert out.startswith("new.xlsx: 3 rows: 0 new, 3 already held, 0 refused")
    assert TransferRequest.objects.count() == 3 and Person.objects.count() == 3
    # a later release with one more detainer of the same person: linked to that person
    more = [*DETAINERS, {**DETAINERS[0], "date": "2015-12-01", "lift_reason": ""}]
    newer = write_csv(tmp_path / "newer.csv", table("ice-anonymized-identifier", more))
    imp = import_detainers(newer)
    assert imp.details["rows"] == {"total": 4, "new": 1, "held": 3, "refused": 0}
    assert Person.objects.get(subject_key="P-1001").transfer_requests.count() == 2


def test_it_names_a_wrong_format_before_anything_else(db: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "release.csv", table("ice-unique-identifier", DETAINERS))
    import_detainers(path)
    with pytest.raises(CommandError) as raised:  # imported before: the format is still named
        run(str(path), "--format", "ice-anonymized-identifier")
    assert raised.value.returncode == 2
    assert str(raised.value) == (
        "release.csv: --format ice-anonymized-identifier is wrong: the header (row 7) is the "
        "ice-unique-identifier layout; leave --format out or use --format ice-unique-identifier"
    )
    assert "already imported" in run(str(path), "--format", "ice-foia")


def test_it_classifies_what_has_enough_facts_and_says_what_the_rest_lack(
    db: Any, tmp_path: Path
) -> None:
    nothing = {**DETAINERS[2], "criminality": "", "unique_id": "P-1004", "date": "2015-10-02"}
    undated = {**DETAINERS[0], "msc_date": "", "unique_id": "P-1005"}
    path = write_csv(
        tmp_path / "release.csv",
        table("ice-anonymized-identifier", [*DETAINERS, nothing, undated]),
    )
    out = run(str(path))
    assert (
        "of 5 new requests: 3 classified under the policy in force on their date "
        "(2 sent for review, 1 consistent and closed); 0 not classified, dated before any "
        "policy in force; 2 not classified, without enough facts"
    ) in out
    by_person = {t.person.subject_key: t for t in TransferRequest.objects.select_related("person")}
    felon = by_person["P-1001"].classifications.get()
    assert felon.policy == "pep-2014" and felon.tier == 1 and felon.pep_transfer_eligible
    assert by_person["P-1001"].review_status == "closed"
    pending = by_person["P-1002"]
    assert pending.review_status == "in_review"
    assert "a request based only on pending charges" in pending.inconsistencies
    assert by_person["P-1003"].classifications.get().tier is None
    assert by_person["P-1004"].facts_missing == (
        "not enough facts: the release records neither criminality nor a conviction"
    )
    assert by_person["P-1005"].facts_missing == (
        "not enough facts: a convicted criminal, but the release gives no conviction date"
    )
    for lacking in (by_person["P-1004"], by_person["P-1005"]):
        assert lacking.review_status == "received" and not lacking.classifications.exists()
    assert Charge.objects.count() == 1


# ---------------------------------------------------------------- bad input: one message, nothing written


def refused(path: Path) -> str:
    with pytest.raises(ImportInputError) as raised:
        import_detainers(path)
    assert nothing_written()
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_it_refuses_a_header_of_an_unknown_layout(db: Any, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "odd.csv",
        [*TITLES, ["Detainer Prepare Date", "Jail Name"], ["2015-08-03", "X"]],
    )
    message = refused(path)
    assert message.startswith("odd.csv: row 7 looks like a header but is not one of a known layout")
    assert "'Detention Facility' (ice-unique-identifier)" in message
    assert "'Detainer Facility' (ice-anonymized-identifier)" in message


def test_it_says_where_a_header_too_far_down_is(db: Any, tmp_path: Path) -> None:
    rows = table("ice-anonymized-identifier", DETAINERS)
    path = write_xlsx(tmp_path / "deep.xlsx", [*[["notes", "more", "text"]] * 33, *rows])
    assert refused(path) == (
        "deep.xlsx, sheet 'Detainers': the header row is row 40, but it is looked for only in "
        "the first 30 rows; delete the rows above it"
    )


def test_it_refuses_a_sheet_with_no_header(db: Any, tmp_path: Path) -> None:
    rows = table("ice-anonymized-identifier", DETAINERS)
    path = write_xlsx(
        tmp_path / "two.xlsx",
        [],
        sheets={"FY2015": rows, "FY2016": [r for r in rows if r][len(TITLES) :]},
    )
    assert refused(path).startswith(
        "two.xlsx, sheet 'FY2016': no header row with the columns 'Detainer Prepare Date' and a "
        "facility column in the first 30 rows"
    )


def test_it_refuses_a_date_in_a_text_column(db: Any, tmp_path: Path) -> None:
    shifted = [DETAINERS[0], {**DETAINERS[1], "msc_charge": "2015-09-01"}]
    path = write_xlsx(tmp_path / "shifted.xlsx", table("ice-anonymized-identifier", shifted))
    imp = import_detainers(path)
    assert imp.status == "rejected" and nothing_written()
    assert imp.details["first_errors"] == [
        "shifted.xlsx, sheet 'Detainers', row 9, column MSC Charge: a date where text is "
        "expected (have the columns shifted?) (value '2015-09-01')"
    ]


def test_it_refuses_a_fully_redacted_person_key(db: Any, tmp_path: Path) -> None:
    hidden = [{**d, "unique_id": "(b)(6), (b)(7)(C)"} for d in DETAINERS]
    path = write_csv(tmp_path / "hidden.csv", table("ice-anonymized-identifier", hidden))
    message = refused(path)
    assert message.startswith(
        "hidden.csv: column 'Anonymized Identifier' is redacted in every row, so no detainer "
        "could be recognised again"
    )
    assert Import.objects.get().status == "failed"


def test_progress_inside_the_import_transaction_reaches_the_page(
    db: Any, tmp_path: Path, analyst: Any
) -> None:
    from django.db import transaction
    from django.urls import reverse

    from transferwatch.conftest import client_for
    from transferwatch.imports import services

    path = write_csv(tmp_path / "release.csv", table("ice-unique-identifier", DETAINERS))
    imp = services.start("detainers", path)
    services.mark_running(imp, 3)
    with transaction.atomic():
        services.progress(imp, 2, 3)
    imp.refresh_from_db()
    assert imp.rows_done == 0  # the row is written at the end, the file now
    html = client_for(analyst).get(reverse("import_detail", args=[imp.pk])).content.decode()
    assert "2 of 3 rows (66%)" in html
    services.finish(imp, "failed", message="stopped")
    assert not imp.progress_path.exists()


def test_looking_up_held_detainers_uses_the_natural_key_index(db: Any) -> None:
    from django.db import connection

    from transferwatch.imports.detainers import _held
    from transferwatch.imports.release_rows import Row

    row = Row(
        line=2, request_date=date(2015, 1, 5), request_type="detainer", form="", outcome="",
        lift_reason="", facility_name="X", facility_code="", city="", state="PA", aor="",
        state_aor="PHI", natural_key="k" * 32,
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        assert _held([row]) == set()
    sql = queries.captured_queries[0]["sql"]
    if connection.vendor != "sqlite":  # PostgreSQL plans by table size: an empty one proves nothing
        pytest.skip("the query plan is checked on SQLite, whose planner needs the index condition")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " ".join(str(r) for r in cursor.fetchall())
    assert "transfer_natural_key" in plan and "SCAN transfers_transferrequest" not in plan
