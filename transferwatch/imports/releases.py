"""Reading ICE detainer releases and mapping their rows; no database here.

Two layouts are known:

- ``ice-foia``: ICE's FOIA releases, CSV or Excel, about 65 columns (``../shared/data/README.md``).
  Real files carry title rows above the header, so the header is the first of the first
  ``HEADER_SEARCH_ROWS`` rows that holds ``Detainer Prepare Date`` and a facility column.
- ``pa-2016``: the Pennsylvania extract (``date, lift_reason, det_facility, city, state,
  detainer_type``), with no person key.

`read_table` turns a file into a `Table` (canonical column names and the rows, each with its line
number in the file); `map_rows` turns the rows into `Row` values and `Reject` values. A line number
is the spreadsheet row number (Excel) or the record number (CSV, the same as the line number unless
a quoted value spans lines), counting title rows and the header.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from transferwatch.analytics.areas import STATE_AREA, state_code
from transferwatch.imports.rejects import Reject
from transferwatch.imports.services import ImportInputError

FORMATS = ("ice-foia", "pa-2016")
HEADER_SEARCH_ROWS = 30
EARLIEST = date(2000, 1, 1)
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
EXCEL_EPOCH = date(1899, 12, 30)

# Canonical field -> its column name in the file (compared case- and space-insensitively).
ICE_COLUMNS: dict[str, str] = {
    "date": "Detainer Prepare Date",
    "state": "Facility State",
    "aor": "Facility AOR",
    "facility": "Detention Facility",
    "facility_code": "Detention Facility Code",
    "criminality": "Detainer Prepared Criminality",
    "threat_level": "Detainer Prep Threat Level",
    "citizenship": "Citizenship Country",
    "birth_country": "Birth Country",
    "msc_charge": "Most Serious Conviction (MSC) Charge",
    "msc_charge_code": "MSC Charge Code",
    "msc_date": "MSC Conviction Date",
    "msc_sentence_days": "MSC Sentence Days",
    "felon": "Felon",
    "case_final_order": "Case Final Order Yes No",
    "final_order_date": "Final Order Date",
    "entry_date": "Entry Date",
    "entry_status": "Entry Status",
    "prior_felony": "Prior Felony Yes No",
    "multiple_prior_misd": "Multiple Prior MISD Yes No",
    "violent_misdemeanor": "Violent Misdemeanor Yes No",
    "gang": "Criminal Street Gang Yes No",
    "aggravated_felony": "Aggravated Felony Yes No",
    "illegal_entry": "Illegal Entry Yes No",
    "significant_risk": "Significant Risk Yes No",
    "federal_interest": "Federal Interest Yes No",
    "pc_biometric_match": "Biometric Match Yes No",
    "pc_statements": "Statements Made Yes No",
    "pc_final_order": "Final Order Yes No",
    "pc_removal_proceedings": "Order to Show Cause Served Yes No",
    "lift_reason": "Detainer Lift Reason",
    "type": "Detainer Type",
    "subject_key": "EID Subject ID",
    "unique_id": "Unique Identifier",
}
PA_COLUMNS: dict[str, str] = {
    "date": "date",
    "lift_reason": "lift_reason",
    "facility": "det_facility",
    "city": "city",
    "state": "state",
    "type": "detainer_type",
}
REQUIRED = {"ice-foia": ("date",), "pa-2016": ("date", "facility", "state")}
PRIORITY_BOXES = (
    "prior_felony", "multiple_prior_misd", "violent_misdemeanor", "gang", "aggravated_felony",
    "illegal_entry", "significant_risk", "federal_interest",
)  # fmt: skip
PROBABLE_CAUSE_BOXES = (  # in the order of TransferRequest.PROBABLE_CAUSE
    ("pc_final_order", "final_order"),
    ("pc_removal_proceedings", "removal_proceedings"),
    ("pc_biometric_match", "biometric_match"),
    ("pc_statements", "statements"),
)
DETAIL_FIELDS = ("criminality", "threat_level", "case_final_order", "entry_status", "msc_charge")
DETAIL_DATES = ("final_order_date", "entry_date")

# First part of `Detainer Type` without hyphens or spaces -> (request type, form). I-247A replaced
# I-247D in 2017; national releases after that carry it, so it is a detainer, not an unknown type.
FORMS = {
    "I247": ("detainer", "I-247"),
    "I247D": ("detainer", "I-247D"),
    "I247A": ("detainer", "I-247A"),
    "I247N": ("notification", "I-247N"),
    "I247X": ("transfer", "I-247X"),
}
OUTCOMES = {
    "booked into detention": "transferred",
    "transferred": "transferred",
    "lifted": "lifted",
    "prosecutorial discretion": "lifted",
    "case closed": "lifted",
    "alien not subject to deportation": "lifted",
    "detainer declined by lea": "declined_by_lea",
    "united states citizen interviewed": "us_citizen",
}
YES = {"Y", "YES", "TRUE", "1", "1.0"}
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s.*)?$")


@dataclass(frozen=True)
class Table:
    file_name: str
    columns: dict[str, int]  # canonical field -> cell index
    headers: dict[str, str]  # canonical field -> the column name as written in the file
    rows: list[tuple[int, list[str]]]  # (line number, cells)
    excel: bool


@dataclass(frozen=True)
class ConvictionRow:
    date: date
    severity: str
    description: str
    sentence_days: int


@dataclass(frozen=True)
class Row:
    line: int
    request_date: date
    request_type: str
    form: str
    outcome: str
    lift_reason: str
    facility_name: str
    facility_code: str
    city: str
    state: str
    aor: str  # area code from the file's AOR column, else ""
    state_aor: str  # the state's default area code, else ""
    probable_cause: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    subject_key: str = ""
    birth_country: str = ""
    citizenship: str = ""
    conviction: ConvictionRow | None = None


def _key(text: Any) -> str:
    return " ".join(str(text).split()).casefold() if text is not None else ""


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


# ---------------------------------------------------------------- reading


def read_table(path: Path, fmt: str, name: str = "") -> Table:
    """The file's header and data rows; ImportInputError when it is not a usable release.

    `name` is the file's name in messages (an upload's original name), by default its own.
    """
    name = name or path.name
    if fmt not in FORMATS:
        raise ImportInputError(f"{name}: unknown format {fmt!r}; use ice-foia or pa-2016")
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head.strip():
        raise ImportInputError(f"{name}: the file is empty")
    excel = path.suffix.lower() in EXCEL_SUFFIXES or head.startswith(
        (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
    )
    cells = _excel_cells(path, name) if excel else _csv_cells(path, name, head)
    spec = ICE_COLUMNS if fmt == "ice-foia" else PA_COLUMNS
    found = _find_header(cells, spec, fmt)
    if found is None:
        raise ImportInputError(_no_header_message(name, fmt))
    index, columns, headers = found
    rows = [
        (line, row)
        for line, row in enumerate(cells[index + 1 :], start=index + 2)
        if any(c.strip() for c in row)
    ]
    if not rows:
        raise ImportInputError(f"{name}: a header (line {index + 1}) but no data rows")
    return Table(name, columns, headers, rows, excel)


def _csv_cells(path: Path, name: str, head: bytes) -> list[list[str]]:
    if b"\x00" in head:
        raise ImportInputError(f"{name}: not a CSV or Excel file (binary content)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportInputError(
            f"{name}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start}); save it as CSV UTF-8"
        ) from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportInputError(f"{name}: not a readable CSV file ({exc})") from None


def _excel_cells(path: Path, name: str) -> list[list[str]]:
    """Every cell as text, title rows and blank rows kept so line numbers match the sheet."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
        sheets = reader.sheet_names
        # A release may open with a notes sheet: use the first sheet that has a header row.
        for sheet_name in sheets:
            probe = reader.load_sheet(
                sheet_name, header_row=None, skip_rows=0, n_rows=HEADER_SEARCH_ROWS, dtypes="string"
            )
            if probe.height and _looks_like_release(probe.to_polars().rows()):
                break
        else:
            sheet_name = sheets[0]
        sheet = reader.load_sheet(sheet_name, header_row=None, skip_rows=0, dtypes="string")
        rows = sheet.to_polars().rows()
    except Exception:  # fastexcel raises its own error types for unreadable files
        raise ImportInputError(
            f"{name}: not a readable Excel workbook (damaged, or not .xlsx); "
            "open it in a spreadsheet program and save it again as .xlsx or CSV (UTF-8)"
        ) from None
    return [["" if v is None else str(v) for v in row] for row in rows]


def _looks_like_release(rows: Iterable[tuple[Any, ...]]) -> bool:
    return any(
        {_key(c) for c in row} & {"detainer prepare date", "date", "det_facility"} for row in rows
    )


def _find_header(
    cells: list[list[str]], spec: dict[str, str], fmt: str
) -> tuple[int, dict[str, int], dict[str, str]] | None:
    wanted = {_key(name): canonical for canonical, name in spec.items()}
    for index, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        for position, cell in enumerate(row):
            canonical = wanted.get(_key(cell))
            if canonical and canonical not in columns:
                columns[canonical] = position
                headers[canonical] = _text(cell)
        has_facility = "facility" in columns or "facility_code" in columns
        if all(c in columns for c in REQUIRED[fmt]) and has_facility:
            for canonical, name in spec.items():
                headers.setdefault(canonical, name)
            return index, columns, headers
    return None


def _no_header_message(name: str, fmt: str) -> str:
    if fmt == "ice-foia":
        need = "'Detainer Prepare Date' and 'Detention Facility' or 'Detention Facility Code'"
    else:
        need = "date, det_facility and state (date, lift_reason, det_facility, city, state, detainer_type)"
    return (
        f"{name}: no header row with the columns {need} in the first {HEADER_SEARCH_ROWS} "
        f"rows; is this a {fmt} detainer file?"
    )


# ---------------------------------------------------------------- values


def parse_date(value: str, *, excel: bool = False) -> date | None:
    """ISO dates (with or without a time), US m/d/yyyy, and Excel serial numbers from Excel."""
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    if match := US_DATE.match(text):
        month, day, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    if excel:
        try:
            serial = float(text)
        except ValueError:
            return None
        if 1 <= serial < 2958466:  # Excel's last day is 9999-12-31
            return EXCEL_EPOCH + timedelta(days=int(serial))
    return None


def parse_type(value: str) -> tuple[str, str] | None:
    """`Detainer Type` -> (request type, form); empty means a detainer on an unrecorded form."""
    text = value.strip().upper()
    if not text:
        return ("detainer", "")
    code = text.split(" - ", 1)[0].replace("-", "").replace(" ", "")
    return FORMS.get(code)


def outcome_for(lift_reason: str) -> str:
    reason = _key(lift_reason)
    if not reason:
        return "pending"
    return OUTCOMES.get(reason, "lifted")


def display_name(name: str, state: str) -> str:
    """The facility's name as stored: upper case, single spaces, no trailing ', PA'."""
    text = " ".join(name.upper().split())
    if state:
        text = re.sub(rf",\s*{state}\.?$", "", text) or text
    return text[:200]


def area_lookup(areas: Iterable[tuple[str, str]]) -> dict[str, str]:
    """(code, name) pairs -> a map from code, name or 'NAME Area of Responsibility' to code."""
    lookup: dict[str, str] = {}
    for code, name in areas:
        lookup[_key(code)] = code
        lookup[_key(name)] = code
    return lookup


def area_code(value: str, lookup: dict[str, str]) -> str | None:
    text = _key(value)
    if not text:
        return None
    for suffix in (" area of responsibility", " field office", " aor"):
        text = text.removesuffix(suffix)
    return lookup.get(text)


# ---------------------------------------------------------------- mapping


def map_rows(
    table: Table,
    areas: dict[str, str],
    today: date,
    progress: Callable[[int], None] | None = None,
    every: int = 2000,
) -> tuple[list[Row], list[Reject], dict[str, int]]:
    """Map every data row; returns the valid rows, the rejects, and AOR values not recognised."""
    rows: list[Row] = []
    rejects: list[Reject] = []
    unknown_aors: dict[str, int] = {}
    for done, (line, cells) in enumerate(table.rows, start=1):
        row, problems = _map_row(table, line, cells, areas, today, unknown_aors)
        if problems:
            rejects.extend(problems)
        elif row is not None:
            rows.append(row)
        if progress is not None and done % every == 0:
            progress(done)
    return rows, rejects, unknown_aors


def _map_row(
    table: Table,
    line: int,
    cells: list[str],
    areas: dict[str, str],
    today: date,
    unknown_aors: dict[str, int],
) -> tuple[Row | None, list[Reject]]:
    columns, headers = table.columns, table.headers

    def get(name: str) -> str:
        position = columns.get(name)
        if position is None or position >= len(cells):
            return ""
        return cells[position].strip()

    problems: list[Reject] = []

    def reject(name: str, value: str, problem: str) -> None:
        problems.append(Reject(line, headers[name], value, problem))

    raw_date = get("date")
    request_date = parse_date(raw_date, excel=table.excel)
    if request_date is None:
        reject("date", raw_date, "missing date" if not raw_date else "not a date")
    elif not EARLIEST <= request_date <= today:
        reject("date", raw_date, f"date outside {EARLIEST.isoformat()} to today")

    name, code = _text(get("facility")), _text(get("facility_code"))
    if not name and not code:
        reject("facility" if "facility" in columns else "facility_code", "", "no facility")

    raw_type = get("type")
    kind = parse_type(raw_type)
    if kind is None:
        reject("type", raw_type, "unknown detainer type")

    state = state_code(get("state")) or ""
    raw_aor = get("aor")
    aor = area_code(raw_aor, areas) or ""
    if raw_aor and not aor:
        unknown_aors[raw_aor] = unknown_aors.get(raw_aor, 0) + 1
    state_aor = STATE_AREA.get(state, "")
    if not aor and _key(state_aor) not in areas:
        if raw_aor:
            reject("aor", raw_aor, "unknown AOR, and no state to find the default AOR")
        else:
            reject("state", get("state"), "no AOR, and no state to find the default AOR")

    conviction, conviction_problems = _conviction(table, get, headers, line)
    problems.extend(conviction_problems)
    if problems or request_date is None or kind is None:
        return None, problems

    lift_reason = _text(get("lift_reason"))
    details: dict[str, Any] = {f: get(f) for f in DETAIL_FIELDS if get(f)}
    for column in DETAIL_DATES:
        if value := get(column):
            parsed = parse_date(value, excel=table.excel)
            details[column] = parsed.isoformat() if parsed else value
    priority = {box: get(box).upper() in YES for box in PRIORITY_BOXES if box in columns}
    if priority:
        details["priority"] = priority
    if code:
        details["facility_code"] = code
    subject_key = get("subject_key") or get("unique_id")
    return (
        Row(
            line=line,
            request_date=request_date,
            request_type=kind[0],
            form=kind[1],
            outcome=outcome_for(lift_reason),
            lift_reason=lift_reason[:100],
            facility_name=display_name(name or code, state),
            facility_code=code[:20],
            city=_text(get("city")).upper()[:100],
            state=state,
            aor=aor,
            state_aor=state_aor,
            probable_cause=tuple(pc for box, pc in PROBABLE_CAUSE_BOXES if get(box).upper() in YES),
            details=details,
            subject_key=subject_key[:64],
            birth_country=_country(get("birth_country")),
            citizenship=_country(get("citizenship")),
            conviction=conviction if subject_key else None,
        ),
        [],
    )


def _conviction(
    table: Table, get: Callable[[str], str], headers: dict[str, str], line: int
) -> tuple[ConvictionRow | None, list[Reject]]:
    raw_date, raw_days = get("msc_date"), get("msc_sentence_days")
    if not raw_date:
        return None, []
    problems = []
    when = parse_date(raw_date, excel=table.excel)
    if when is None:
        problems.append(Reject(line, headers["msc_date"], raw_date, "not a date"))
    days = 0
    if raw_days:
        try:
            days = int(float(raw_days))
        except ValueError:
            days = -1
        if days < 0:
            problems.append(
                Reject(line, headers["msc_sentence_days"], raw_days, "not a number of days")
            )
    if problems or when is None:
        return None, problems
    charge, charge_code = get("msc_charge"), get("msc_charge_code")
    description = f"{charge} ({charge_code})" if charge and charge_code else charge or charge_code
    severity = "felony" if get("felon").upper() in YES else "misdemeanor"
    return ConvictionRow(when, severity, description[:200], days), []


def _country(value: str) -> str:
    text = value.strip().upper()
    return text if COUNTRY_CODE.match(text) else ""
