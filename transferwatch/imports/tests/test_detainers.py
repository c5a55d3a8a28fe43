"""`transferwatch import detainers`: ICE releases and the PA extract into transfer requests."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError

import transferwatch
from transferwatch.agencies.models import Facility
from transferwatch.audit.models import Event
from transferwatch.imports import detainers, services
from transferwatch.imports.detainers import import_detainers
from transferwatch.imports.models import Import
from transferwatch.imports.services import ImportInputError
from transferwatch.imports.tests.xlsx import write_xlsx
from transferwatch.transfers.models import Conviction, Person, TransferRequest

PA_FILE = Path(transferwatch.__file__).resolve().parents[2] / "shared" / "data" / "pa_detainers.csv"
PA_HEADER = ["date", "lift_reason", "det_facility", "city", "state", "detainer_type"]
ICE_HEADER = [
    "Detainer Prepare Date",
    "Facility State",
    "Facility AOR",
    "Detention Facility",
    "Detention Facility Code",
    "Detainer Prepared Criminality",
    "Detainer Prep Threat Level",
    "Citizenship Country",
    "Birth Country",
    "Most Serious Conviction (MSC) Charge",
    "MSC Conviction Date",
    "MSC Sentence Days",
    "Felon",
    "Prior Felony Yes No",
    "Biometric Match Yes No",
    "Statements Made Yes No",
    "Detainer Lift Reason",
    "Detainer Type",
    "EID Subject ID",
]
TITLES = [
    ["U.S. Immigration and Customs Enforcement"],
    ["Detainers prepared, FY2015 (FOIA release)"],
]
# Four rows covering each mapping; the data starts on line 4 (two title rows, then the header).
ICE_ROWS: list[dict[str, Any]] = [
    {
        "Detainer Prepare Date": "2015-08-03",
        "Facility State": "PA",
        "Facility AOR": "Philadelphia",
        "Detention Facility": "MONTGOMERY CNTY JAIL",
        "Detention Facility Code": "MONTGPA",
        "Detainer Prepared Criminality": "1 Convicted Criminal",
        "Detainer Prep Threat Level": "1",
        "Citizenship Country": "MX",
        "Birth Country": "MEXICO",
        "Most Serious Conviction (MSC) Charge": "Burglary",
        "MSC Conviction Date": "2013-02-01",
        "MSC Sentence Days": "365",
        "Felon": "Y",
        "Prior Felony Yes No": "YES",
        "Biometric Match Yes No": "YES",
        "Statements Made Yes No": "NO",
        "Detainer Lift Reason": "Booked into Detention",
        "Detainer Type": "I-247D",
        "EID Subject ID": "S1",
    },
    {
        "Detainer Prepare Date": "2015-09-10",
        "Facility State": "NY",
        "Facility AOR": "NYC",
        "Detention Facility": "NASSAU COUNTY JAIL",
        "Most Serious Conviction (MSC) Charge": "Burglary",
        "MSC Conviction Date": "2013-02-01",
        "MSC Sentence Days": "365",
        "Felon": "Y",
        "Detainer Lift Reason": "Detainer Declined by LEA",
        "Detainer Type": "I247N - Immigration Advisal - Request for Notification",
        "EID Subject ID": "S1",
    },
    {
        "Detainer Prepare Date": "2015-10-01",
        "Facility State": "TX",
        "Detention Facility": "HARRIS COUNTY JAIL",
        "Most Serious Conviction (MSC) Charge": "DUI",
        "MSC Conviction Date": "2014-05-06",
        "Felon": "N",
        "Detainer Lift Reason": "Early Release",
        "EID Subject ID": "S2",
    },
    {
        "Detainer Prepare Date": "10/02/2015",
        "Facility State": "PA",
        "Facility AOR": "Philadelphia Area of Responsibility",
        "Detention Facility": "LEWISBURG U.S. PEN.",
        "Detainer Lift Reason": "United States Citizen Interviewed",
        "Detainer Type": "I-247X",
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


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def ice_csv(path: Path, rows: list[dict[str, Any]], header: list[str] = ICE_HEADER) -> Path:
    body = [[str(row.get(column, "")) for column in header] for row in rows]
    return write_csv(path, [*TITLES, header, *body])


def pa_csv(path: Path, rows: list[list[str]]) -> Path:
    return write_csv(path, [PA_HEADER, *rows])


def pa_row(
    day: str = "2015-03-02",
    reason: str = "Lifted",
    facility: str = "BUCKS CNTY JAIL, PA",
    kind: str = "",
) -> list[str]:
    return [f"{day} 00:00:00", reason, facility, "DOYLESTOWN", "PENNSYLVANIA", kind]


def run_command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import", "detainers", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def by_line(imp: Import) -> dict[int, TransferRequest]:
    requests = TransferRequest.objects.filter(imported_by=imp).select_related("aor", "facility")
    return {int(r.external_id.split(":")[1]): r for r in requests}


def rejects_of(imp: Import) -> list[dict[str, str]]:
    with imp.rejects_path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------- the real PA file


def test_it_imports_the_pa_release_with_its_counts_per_quarter_and_lift_reason(db: Any) -> None:
    if not PA_FILE.is_file():
        pytest.skip(f"{PA_FILE} is not here (shared data lives outside the repository)")
    with PA_FILE.open(newline="", encoding="utf-8") as handle:
        source = list(csv.DictReader(handle))
    quarters = Counter(
        f"{row['date'][:4]}Q{(int(row['date'][5:7]) - 1) // 3 + 1}" for row in source
    )
    reasons = Counter(row["lift_reason"] for row in source)

    with time_machine.travel(datetime(2025, 1, 1, 12, tzinfo=UTC), tick=False):
        imp = import_detainers(PA_FILE, "pa-2016")

    assert imp.status == "done", imp.message
    assert imp.rows_accepted == len(source) == 32_757
    requests = TransferRequest.objects.filter(imported_by=imp)
    stored = list(requests.values_list("request_date", "lift_reason"))
    assert Counter(f"{d.year}Q{(d.month - 1) // 3 + 1}" for d, _ in stored) == quarters
    assert Counter(reason for _, reason in stored) == reasons
    outcomes = Counter(requests.values_list("outcome", flat=True))
    assert outcomes["transferred"] == reasons["Booked into Detention"] + reasons["Transferred"]
    assert outcomes["unrecorded"] == reasons[""] and outcomes["pending"] == 0
    assert outcomes["us_citizen"] == reasons["United States Citizen Interviewed"]
    assert outcomes["declined_by_lea"] == reasons["Detainer Declined by LEA"]
    # kept as recorded, not collapsed into "lifted"
    assert (outcomes["died"], outcomes["released"]) == (reasons["Died"], reasons["Early Release"])
    assert outcomes["other"] == 0 and imp.file_format == "pa-2016"
    assert not requests.exclude(aor__code="PHI").exists()
    assert not requests.filter(person__isnull=False).exists()
    assert Person.objects.count() == 0
    federal = Facility.objects.filter(kind="federal").values_list("name", flat=True)
    assert {"LEWISBURG U.S. PEN.", "USP CANAAN", "FDC PHILADELPHIA"} <= set(federal)


# ---------------------------------------------------------------- ICE FOIA files


def check_ice_rows(imp: Import) -> None:
    assert imp.status == "done", imp.message
    assert imp.rows_accepted == 4
    rows = by_line(imp)
    assert sorted(rows) == [4, 5, 6, 7]
    first, second, third, fourth = (rows[n] for n in (4, 5, 6, 7))
    assert first.external_id == f"{imp.file_hash[:12]}:4" and first.source == "import"
    assert (first.request_date, first.request_type, first.form) == (
        date(2015, 8, 3),
        "detainer",
        "I-247D",
    )
    assert (first.outcome, first.lift_reason, first.aor.code) == (
        "transferred",
        "Booked into Detention",
        "PHI",
    )
    assert first.probable_cause == ["biometric_match"]
    assert first.details["criminality"] == "1 Convicted Criminal"
    assert first.details["threat_level"] == "1"
    assert first.details["priority"] == {"prior_felony": True}
    assert first.facility.code == "MONTGPA"
    assert (second.request_type, second.form, second.outcome) == (
        "notification",
        "I-247N",
        "declined_by_lea",
    )
    assert second.aor.code == "NYC"
    assert (third.request_type, third.form, third.outcome) == ("detainer", "", "released")
    assert (third.lift_reason, third.aor.code) == ("Early Release", "DAL")  # Texas's default AOR
    assert (fourth.request_date, fourth.request_type, fourth.form) == (
        date(2015, 10, 2),
        "transfer",
        "I-247X",
    )
    assert (fourth.outcome, fourth.aor.code, fourth.person) == ("us_citizen", "PHI", None)
    assert fourth.facility.kind == "federal" and fourth.agency is None
    # S1 has two requests and one conviction; a country name (not a code) is left empty.
    person = Person.objects.get(subject_key="S1")
    assert first.person == second.person == person
    assert (person.citizenship, person.birth_country) == ("MX", "")
    conviction = person.convictions.get()
    assert (conviction.date, conviction.severity, conviction.sentence_days) == (
        date(2013, 2, 1),
        "felony",
        365,
    )
    assert Conviction.objects.get(person__subject_key="S2").severity == "misdemeanor"


def test_it_imports_an_ice_csv_with_title_rows_above_the_header(db: Any, tmp_path: Path) -> None:
    calls: list[tuple[int, int | None]] = []
    path = ice_csv(tmp_path / "ice.csv", ICE_ROWS)
    imp = import_detainers(
        path, "ice-foia", progress=lambda done, total=None: calls.append((done, total))
    )
    check_ice_rows(imp)
    assert calls and calls[-1] == (4, 4)
    assert imp.rows_total == imp.rows_done == 4


def test_it_imports_an_ice_excel_file_with_title_rows_above_the_header(
    db: Any, tmp_path: Path
) -> None:
    rows = [[row.get(c, "") for c in ICE_HEADER] for row in ICE_ROWS]
    rows[0][0] = date(2015, 8, 3)  # a real date cell
    rows[1][ICE_HEADER.index("MSC Sentence Days")] = 365  # a number cell
    imp = import_detainers(
        write_xlsx(tmp_path / "ice.xlsx", [*TITLES, ICE_HEADER, *rows]), "ice-foia"
    )
    check_ice_rows(imp)


def test_it_names_the_sheet_row_of_a_bad_excel_row(db: Any, tmp_path: Path) -> None:
    rows = [[row.get(c, "") for c in ICE_HEADER] for row in ICE_ROWS]
    rows[1][0] = "not a date"
    imp = import_detainers(
        write_xlsx(tmp_path / "ice.xlsx", [*TITLES, ICE_HEADER, *rows]), "ice-foia"
    )
    assert imp.status == "rejected"
    assert imp.details["first_errors"] == [
        "ice.xlsx, sheet 'Detainers', row 5, column Detainer Prepare Date: not a date "
        "(value 'not a date')"
    ]


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("Detainer Prepare Date", "2015-02-30", "not a date"),
        ("Detainer Prepare Date", "", "missing date"),
        ("Detainer Prepare Date", "1999-12-31", "date outside 2000-01-01 to today"),
        ("Detainer Prepare Date", "2016-01-16", "date outside 2000-01-01 to today"),
        ("Detention Facility", "", "no facility"),
        ("Detainer Type", "I-203", "unknown detainer type"),
        ("MSC Conviction Date", "last year", "not a date"),
        ("MSC Sentence Days", "ten", "not a number of days"),
        ("Facility State", "ZZ", "no AOR, and no state to find the default AOR"),
    ],
)
def test_it_rejects_the_whole_file_for_one_invalid_value(
    db: Any, tmp_path: Path, column: str, value: str, problem: str
) -> None:
    rows = [dict(row) for row in ICE_ROWS]
    rows[1][column] = value
    rows[1]["Facility AOR"] = ""
    imp = import_detainers(ice_csv(tmp_path / "bad.csv", rows), "ice-foia")
    assert imp.status == "rejected"
    assert imp.message == "bad.csv: 1 invalid row; nothing imported"
    assert (imp.rows_accepted, imp.rows_rejected) == (0, 1)
    assert rejects_of(imp) == [{"row": "5", "column": column, "value": value, "problem": problem}]
    assert imp.details["first_errors"] == [
        f"bad.csv, row 5, column {column}: {problem} (value {value!r})"
    ]
    assert not TransferRequest.objects.exists()
    assert not Person.objects.exists() and not Facility.objects.exists()


def test_it_counts_invalid_rows_of_the_pa_extract_by_line(db: Any, tmp_path: Path) -> None:
    path = pa_csv(
        tmp_path / "pa.csv",
        [
            pa_row(),
            pa_row(day="1998-01-01"),
            pa_row(facility=""),
            pa_row(kind="I-999 - Other"),
            pa_row(),
        ],
    )
    imp = import_detainers(path, "pa-2016")
    assert imp.message == "pa.csv: 3 invalid rows; nothing imported"
    assert [(r["row"], r["column"]) for r in rejects_of(imp)] == [
        ("3", "date"),
        ("4", "det_facility"),
        ("5", "detainer_type"),
    ]


def test_it_imports_nothing_and_keeps_existing_requests_when_one_row_is_bad(
    db: Any, tmp_path: Path, phi_request: TransferRequest
) -> None:
    before = {
        f.name: getattr(phi_request, f.attname) for f in TransferRequest._meta.concrete_fields
    }
    path = pa_csv(tmp_path / "pa.csv", [pa_row(), pa_row(day="2015-13-01"), pa_row()])
    with pytest.raises(CommandError) as raised:
        run_command(str(path), "--format", "pa-2016")
    assert raised.value.returncode == 2
    assert str(raised.value) == "pa.csv: 1 invalid row; nothing imported"
    assert TransferRequest.objects.get() == phi_request
    phi_request.refresh_from_db()
    assert {
        f.name: getattr(phi_request, f.attname) for f in TransferRequest._meta.concrete_fields
    } == before
    assert Facility.objects.count() == 1  # the fixture's


def test_it_rolls_everything_back_when_the_database_fails_midway(
    db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(detainers, "_insert_requests", refuse)
    imp = import_detainers(ice_csv(tmp_path / "ice.csv", ICE_ROWS), "ice-foia")
    assert imp.status == "failed"
    assert imp.message == "ice.csv: the database refused the import (disk full); nothing imported"
    assert not Facility.objects.exists() and not Person.objects.exists()
    assert not Conviction.objects.exists()
    assert list(Event.objects.filter(object_id=str(imp.pk)).values_list("action", flat=True)) == [
        "imports.import.failed"
    ]


def test_it_imports_the_valid_rows_with_skip_invalid(db: Any, tmp_path: Path) -> None:
    path = pa_csv(tmp_path / "pa.csv", [pa_row(), pa_row(day="someday"), pa_row(reason="")])
    out, err = run_command(str(path), "--format", "pa-2016", "--skip-invalid")
    imp = Import.objects.get()
    assert (imp.status, imp.rows_accepted, imp.rows_rejected) == ("done", 2, 1)
    assert sorted(by_line(imp)) == [2, 4]
    assert rejects_of(imp) == [
        {"row": "3", "column": "date", "value": "someday 00:00:00", "problem": "not a date"}
    ]
    assert out.startswith(
        "pa.csv: 3 rows: 2 new, 0 already held, 1 invalid row refused (see the rejects file)"
    )
    assert "pa.csv, row 3, column date: not a date" in err


def test_it_rejects_a_file_with_no_valid_row_even_with_skip_invalid(
    db: Any, tmp_path: Path
) -> None:
    imp = import_detainers(
        pa_csv(tmp_path / "pa.csv", [pa_row(day="x")]), "pa-2016", skip_invalid=True
    )
    assert imp.status == "rejected" and not TransferRequest.objects.exists()


# ---------------------------------------------------------------- wrong files


@pytest.mark.parametrize(
    ("name", "content", "fmt", "problem"),
    [
        ("empty.csv", b"", "pa-2016", "empty.csv: the file is empty"),
        ("blank.csv", b"\n\n", "pa-2016", "blank.csv: the file is empty"),
        (
            "header.csv",
            b"date,lift_reason,det_facility,city,state,detainer_type\n",
            "pa-2016",
            "header.csv: a header (line 1) but no data rows",
        ),
        (
            "other.csv",
            b"name,amount\nx,1\n",
            "pa-2016",
            "other.csv: no header row with the columns date, det_facility and state",
        ),
        (
            "other.csv",
            b"name,amount\nx,1\n",
            "ice-foia",
            "other.csv: no header row with the columns 'Detainer Prepare Date'",
        ),
        ("pdf.csv", b"%PDF-1.4\x00\x00\x01binary", "ice-foia", "pdf.csv: not a CSV or Excel file"),
        (
            "latin.csv",
            "Detainer Prepare Date,Detention Facility\n2015-01-01,CAÑON CITY\n".encode("latin-1"),
            "ice-foia",
            "latin.csv: not UTF-8 text",
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04 not really a zip",
            "ice-foia",
            "broken.xlsx: not a readable Excel workbook",
        ),
    ],
)
def test_it_refuses_a_wrong_file_with_one_line_naming_it(
    db: Any, tmp_path: Path, name: str, content: bytes, fmt: str, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError) as raised:
        run_command(str(path), "--format", fmt)
    assert raised.value.returncode == 2
    assert str(raised.value).startswith(problem) and "\n" not in str(raised.value)
    imp = Import.objects.get()
    assert (imp.status, imp.message) == ("failed", str(raised.value))
    assert not TransferRequest.objects.exists()


def test_it_runs_an_upload_queued_from_the_web_under_its_own_name(db: Any, tmp_path: Path) -> None:
    path = pa_csv(tmp_path / "upload.csv", [pa_row(), pa_row(day="x")])
    queued = services.start("detainers", path, file_format="pa-2016", file_name="PA 2016.csv")
    imp = import_detainers(path, "pa-2016", imp=queued)
    assert imp.pk == queued.pk and imp.status == "rejected"
    assert imp.message == "PA 2016.csv: 1 invalid row; nothing imported"
    assert imp.details["first_errors"][0].startswith("PA 2016.csv, row 3, column date")
    assert Import.objects.count() == 1


def test_it_refuses_a_missing_file_without_recording_an_import(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as raised:
        run_command(str(tmp_path / "nowhere.csv"))
    assert raised.value.returncode == 2 and "nowhere.csv: no such file" in str(raised.value)
    assert not Import.objects.exists()


# ---------------------------------------------------------------- re-imports and audit


def test_it_writes_nothing_when_the_same_file_comes_again(db: Any, tmp_path: Path) -> None:
    path = ice_csv(tmp_path / "ice.csv", ICE_ROWS)
    first = import_detainers(path, "ice-foia")
    counts = (TransferRequest.objects.count(), Person.objects.count(), Facility.objects.count())
    out, _ = run_command(str(path))
    again = Import.objects.order_by("-pk").first()
    assert again.status == "unchanged" and again.details["same_as"] == first.pk
    assert out.strip() == f"ice.csv: already imported (import {first.pk}, 4 rows); nothing written"
    assert (
        TransferRequest.objects.count(),
        Person.objects.count(),
        Facility.objects.count(),
    ) == counts


def test_it_stores_only_the_new_detainers_of_an_edited_file(db: Any, tmp_path: Path) -> None:
    path = ice_csv(tmp_path / "ice.csv", ICE_ROWS)
    first = import_detainers(path, "ice-foia")
    # the last row has no person key: every field identifies it, so a changed one is new
    ice_csv(path, [*ICE_ROWS[:3], {**ICE_ROWS[3], "Detainer Lift Reason": "Lifted"}])
    second = import_detainers(path, "ice-foia")
    assert second.status == "done" and second.file_hash != first.file_hash
    assert second.message.startswith("ice.csv: 4 rows: 1 new, 3 already held, 0 refused")
    assert second.details["rows"] == {"total": 4, "new": 1, "held": 3, "refused": 0}
    assert TransferRequest.objects.count() == 5
    assert Person.objects.count() == 2 and Conviction.objects.count() == 2  # people are linked
    assert Facility.objects.count() == 4


def test_it_records_one_audit_event_per_import(db: Any, tmp_path: Path) -> None:
    good = ice_csv(tmp_path / "good.csv", ICE_ROWS)
    bad = pa_csv(tmp_path / "bad.csv", [pa_row(day="x")])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    imports = [
        import_detainers(good, "ice-foia"),
        import_detainers(good, "ice-foia"),
        import_detainers(bad, "pa-2016"),
    ]
    with pytest.raises(ImportInputError, match="empty"):
        import_detainers(empty, "pa-2016")
    imports.append(Import.objects.order_by("-pk").first())
    for imp, status in zip(imports, ["done", "unchanged", "rejected", "failed"], strict=True):
        events = Event.objects.filter(object_type="imports.import", object_id=str(imp.pk))
        assert list(events.values_list("action", flat=True)) == [f"imports.import.{status}"]
        assert events.get().changes["file_name"] == imp.file_name
