"""Mapping the rows of a detainer release to our records' values; no database here.

`Mapper` takes a `releases.Table` and yields its rows chunk by chunk as `Row` values and
`Reject` values (one per problem, naming the sheet, row and column), so a national release is
never held in memory whole. Redacted cells (``(b)(6)``, ``(b)(7)(C)`` and the like) are unknown
values, never data; they are counted per column. Each row gets a natural key (`natural_key`): the
person key, prepare date and facility when the release has a person key, otherwise every field
the row has; a key repeated within one file is numbered, so the same detainers from another file
or layout get the same keys.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from transferwatch.analytics.areas import STATE_AREA, state_code
from transferwatch.imports.layouts import key
from transferwatch.imports.rejects import Reject
from transferwatch.imports.releases import Sheet, Table
from transferwatch.imports.services import ImportInputError
from transferwatch.policy.offences import offence

EARLIEST = date(2000, 1, 1)
EXCEL_EPOCH = date(1899, 12, 30)

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
# Kept as released in the request's details (text fields; empty and redacted cells left out).
DETAIL_FIELDS = (
    "criminality", "threat_level", "case_status", "processing_disposition", "apprehension_method",
    "entry_status", "gender", "citizenship", "birth_country", "msc_charge", "msc_charge_code",
    "lift_reason_code", "case_final_order",
)  # fmt: skip
DETAIL_DATES = (
    "final_order_date",
    "entry_date",
    "apprehension_date",
    "msc_charge_date",
    "msc_date",
)
# Columns that hold text: a date there means the columns have shifted.
TEXT_FIELDS = (
    "facility", "criminality", "msc_charge", "case_status", "processing_disposition",
    "apprehension_method", "citizenship", "birth_country", "gender", "lift_reason", "entry_status",
)  # fmt: skip

# First part of `Detainer Type` without hyphens or spaces -> (request type, form). I-247A replaced
# I-247D in 2017; national releases after that carry it, so it is a detainer, not an unknown type.
FORMS = {
    "I247": ("detainer", "I-247"),
    "I247D": ("detainer", "I-247D"),
    "I247A": ("detainer", "I-247A"),
    "I247N": ("notification", "I-247N"),
    "I247X": ("transfer", "I-247X"),
}
# A lift reason as recorded -> the outcome it means. The recorded text is always kept beside it;
# a reason not listed here is "other", never guessed.
OUTCOMES = {
    "booked into detention": "transferred",
    "transferred": "transferred",
    "lifted": "lifted",
    "lifted - lack of funds": "lifted",
    "lifted - lack of space": "lifted",
    "prosecutorial discretion": "lifted",
    "case closed": "lifted",
    "alien not subject to deportation": "lifted",
    "detainer declined by lea": "declined_by_lea",
    "united states citizen interviewed": "us_citizen",
    "early release": "released",
    "released": "released",
    "died": "died",
}
CRIMINALITY = {
    "1": "1 Convicted Criminal",
    "2": "2 Pending Criminal Charges",
    "3": "3 Other Immigration Violator",
}
YES = {"Y", "YES", "TRUE", "1", "1.0"}
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s.*)?$")
DATE_LIKE = re.compile(r"^(\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?|\d{1,2}/\d{1,2}/\d{4})$")
REDACTED = re.compile(r"^\(\s*b\s*\)\s*\(\s*\d+\s*\)", re.IGNORECASE)


@dataclass(frozen=True)
class ConvictionRow:
    date: date
    severity: str
    description: str
    sentence_days: int
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChargeRow:
    date: date | None
    severity: str
    description: str
    categories: tuple[str, ...] = ()


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
    charge: ChargeRow | None = None
    criminality: str = ""  # "1", "2", "3" or "" (not recorded)
    minor_charge: bool | None = None  # the MSC is a minor offence; None: no MSC
    sheet: str = ""
    sheet_no: int = 0  # the sheet's place among the file's data sheets, from 0
    natural_key: str = ""


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


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
        lookup[key(code)] = code
        lookup[key(name)] = code
    return lookup


def area_code(value: str, lookup: dict[str, str]) -> str | None:
    text = key(value)
    if not text:
        return None
    for suffix in (" area of responsibility", " field office", " aor"):
        text = text.removesuffix(suffix)
    return lookup.get(text)


def parse_type(value: str) -> tuple[str, str] | None:
    """`Detainer Type` -> (request type, form); empty means a detainer on an unrecorded form."""
    text = value.strip().upper()
    if not text:
        return ("detainer", "")
    code = text.split(" - ", 1)[0].replace("-", "").replace(" ", "")
    return FORMS.get(code)


def outcome_for(lift_reason: str) -> str:
    """The outcome a lift reason means: `unrecorded` when empty, `other` when not known."""
    reason = key(lift_reason)
    if not reason:
        return "unrecorded"
    return OUTCOMES.get(reason, "other")


def redacted(value: str) -> bool:
    return bool(REDACTED.match(value))


def natural_key(parts: Iterable[str]) -> str:
    """A short, stable digest of a detainer's identifying fields (never shown, never reversed)."""
    text = "\x1f".join(parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# ---------------------------------------------------------------- mapping


class Mapper:
    """Maps a table's rows chunk by chunk; counts unknown AORs and redacted cells as it goes.

    After the last chunk, `chunks` raises ImportInputError when the person-key column is redacted
    in every row (nothing could be recognised again or linked).
    """

    def __init__(self, table: Table, areas: dict[str, str], today: date) -> None:
        self.table, self.areas, self.today = table, areas, today
        self.unknown_aors: Counter[str] = Counter()
        self.redacted: Counter[str] = Counter()
        self.seen: Counter[str] = Counter()  # natural keys so far, to number repeats
        self.done = 0

    def chunks(
        self, size: int = 2000, progress: Callable[[int], None] | None = None
    ) -> Iterator[tuple[list[Row], list[Reject]]]:
        rows: list[Row] = []
        rejects: list[Reject] = []
        for sheet_no, sheet in enumerate(self.table.sheets):
            reader = _RowReader(
                self.table, sheet, sheet_no, self.areas, self.today, self.unknown_aors,
                self.redacted,
            )  # fmt: skip
            for line, cells in sheet.rows():
                row, problems = reader.map(line, cells)
                if problems:
                    rejects.extend(problems)
                elif row is not None:
                    rows.append(self._numbered(row))
                self.done += 1
                if self.done % size == 0:
                    yield rows, rejects
                    rows, rejects = [], []
                    if progress is not None:
                        progress(self.done)
        if rows or rejects:
            yield rows, rejects
        self._refuse_redacted_person_key()

    def _numbered(self, row: Row) -> Row:
        """Number repeated keys (1st, 2nd, ... within the file) so identical detainers stay apart."""
        self.seen[row.natural_key] += 1
        return replace(
            row, natural_key=natural_key([row.natural_key, str(self.seen[row.natural_key])])
        )

    def _refuse_redacted_person_key(self) -> None:
        table = self.table
        for field_name in table.layout.person_keys:
            sheets = [s for s in table.sheets if field_name in s.columns]
            if not sheets:
                continue
            column = sheets[0].headers[field_name]
            if self.redacted[column] and self.redacted[column] == sum(s.n_rows for s in sheets):
                raise ImportInputError(
                    f"{table.file_name}: column {column!r} is redacted in every row, so no "
                    "detainer could be recognised again or linked to the person's other "
                    "detainers; ask for the release with its pseudonymous identifier, or delete "
                    "the column to import the rows without a person key"
                )


class _RowReader:
    """Maps the rows of one sheet; counts unknown AORs and redacted cells as it goes."""

    def __init__(
        self,
        table: Table,
        sheet: Sheet,
        sheet_no: int,
        areas: dict[str, str],
        today: date,
        unknown_aors: Counter[str],
        redactions: Counter[str],
    ) -> None:
        self.table, self.sheet, self.areas, self.today = table, sheet, areas, today
        self.sheet_no = sheet_no
        self.unknown_aors, self.redactions = unknown_aors, redactions
        self.excel = table.excel

    def map(self, line: int, cells: list[str]) -> tuple[Row | None, list[Reject]]:
        columns, headers, sheet_name = self.sheet.columns, self.sheet.headers, self.sheet.name
        values: dict[str, str] = {}
        for name, position in columns.items():
            value = cells[position].strip() if position < len(cells) else ""
            if value and redacted(value):
                self.redactions[headers[name]] += 1
                value = ""
            values[name] = value

        def get(name: str) -> str:
            return values.get(name, "")

        problems: list[Reject] = []

        def reject(name: str, value: str, problem: str) -> None:
            problems.append(Reject(line, headers[name], value, problem, sheet_name))

        for name in TEXT_FIELDS:
            if (value := get(name)) and DATE_LIKE.match(value):
                reject(name, value, "a date where text is expected (have the columns shifted?)")

        raw_date = get("date")
        request_date = parse_date(raw_date, excel=self.excel)
        if request_date is None:
            reject("date", raw_date, "missing date" if not raw_date else "not a date")
        elif not EARLIEST <= request_date <= self.today:
            reject("date", raw_date, f"date outside {EARLIEST.isoformat()} to today")

        name, code = _text(get("facility")), _text(get("facility_code"))
        if not name and not code:
            reject("facility" if "facility" in columns else "facility_code", "", "no facility")

        raw_type = get("type")
        kind = parse_type(raw_type)
        if kind is None:
            reject("type", raw_type, "unknown detainer type")

        criminality = ""
        if raw := get("criminality"):
            criminality = raw[:1] if raw[:1] in CRIMINALITY and not raw[1:2].isdigit() else ""
            if not criminality:
                reject(
                    "criminality",
                    raw,
                    f"unknown criminality (known: {', '.join(CRIMINALITY.values())})",
                )
        threat = get("threat_level").removesuffix(".0")
        if threat and threat not in ("1", "2", "3"):
            reject("threat_level", get("threat_level"), "unknown threat level (1, 2 or 3)")
        birth_year = get("birth_year").removesuffix(".0")
        if birth_year and not (
            birth_year.isascii()
            and birth_year.isdigit()
            and 1900 <= int(birth_year) <= self.today.year
        ):
            reject("birth_year", get("birth_year"), "not a year of birth")

        state = state_code(get("state")) or ""
        raw_aor = get("aor")
        aor = area_code(raw_aor, self.areas) or ""
        if raw_aor and not aor:
            self.unknown_aors[raw_aor] += 1
        state_aor = STATE_AREA.get(state, "")
        if not aor and key(state_aor) not in self.areas:
            if raw_aor:
                reject("aor", raw_aor, "unknown AOR, and no state to find the default AOR")
            else:
                reject("state", get("state"), "no AOR, and no state to find the default AOR")

        dates: dict[str, date] = {}
        for column in DETAIL_DATES:
            if (value := get(column)) and column in columns:
                parsed = parse_date(value, excel=self.excel)
                if parsed is None:
                    reject(column, value, "not a date")
                else:
                    dates[column] = parsed
        days = self._sentence_days(get, reject)
        if problems or request_date is None or kind is None:
            return None, problems

        details: dict[str, Any] = {f: get(f) for f in DETAIL_FIELDS if get(f)}
        if criminality:
            details["criminality"] = CRIMINALITY[criminality]
        if threat:
            details["threat_level"] = threat
        if birth_year:
            details["birth_year"] = int(birth_year)
        details.update((column, day.isoformat()) for column, day in dates.items())
        if days is not None:
            details["msc_sentence_days"] = days
        priority = {box: get(box).upper() in YES for box in PRIORITY_BOXES if box in columns}
        if priority:
            details["priority"] = priority
        if code:
            details["facility_code"] = code
        details["layout"] = self.table.layout.name
        if facts := _facts(priority, dates):
            details["facts"] = facts

        msc_text, msc_code = get("msc_charge"), get("msc_charge_code")
        found = offence(msc_text, msc_code) if (msc_text or msc_code) else None
        description = (
            f"{msc_text} ({msc_code})" if msc_text and msc_code else msc_text or msc_code
        )[:200]
        categories = tuple(sorted(found.categories)) if found else ()
        if found is not None:
            details["msc_offence"] = found.kind
        felony = get("felon").upper() in YES or get("aggravated_felon").upper() in YES
        conviction = charge = None
        if criminality in ("", "1") and "msc_date" in dates:
            if get("aggravated_felon").upper() in YES:
                categories = tuple(sorted({*categories, "aggravated_felony"}))
            conviction = ConvictionRow(
                dates["msc_date"],
                "felony" if felony else "misdemeanor",
                description,
                days or 0,
                categories,
            )
        elif criminality == "2" and found is not None:
            charge = ChargeRow(
                dates.get("msc_charge_date"),
                "felony" if felony else "misdemeanor",
                description,
                categories,
            )

        person_key = next((get(f) for f in self.table.layout.person_keys if get(f)), "")[:64]
        facility_token = f"code:{code}" if code else f"name:{display_name(name, state)}|{state}"
        lift_reason = _text(get("lift_reason"))
        if person_key:
            identity = ["p", person_key, request_date.isoformat(), facility_token]
        else:
            identity = ["r", request_date.isoformat(), facility_token, kind[1], lift_reason]
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
                probable_cause=tuple(
                    pc for box, pc in PROBABLE_CAUSE_BOXES if get(box).upper() in YES
                ),
                details=details,
                subject_key=person_key,
                birth_country=_country(get("birth_country")),
                citizenship=_country(get("citizenship")),
                conviction=conviction if person_key else None,
                charge=charge if person_key else None,
                criminality=criminality,
                minor_charge=found.minor if found is not None else None,
                sheet=self.sheet.name,
                sheet_no=self.sheet_no,
                natural_key=natural_key(identity),
            ),
            [],
        )

    def _sentence_days(
        self, get: Callable[[str], str], reject: Callable[[str, str, str], None]
    ) -> int | None:
        """Days + months (30 days) + years (365 days) of the MSC sentence; None when not given."""
        total, given = 0, False
        for column, days in (
            ("msc_sentence_days", 1),
            ("msc_sentence_months", 30),
            ("msc_sentence_years", 365),
        ):
            if not (raw := get(column)):
                continue
            try:
                value = float(raw)
            except ValueError:
                value = -1
            if value < 0 or value != value:
                reject(column, raw, "not a number of days" if days == 1 else "not a number")
                continue
            total += round(value * days)
            given = True
        return total if given else None


def _facts(priority: dict[str, bool], dates: dict[str, date]) -> dict[str, Any]:
    """The case facts (CONTRACTS.md section 1) that ICE's boxes and dates give.

    The gang and illegal-entry boxes are ICE's own findings and are taken as facts; the entry
    date is the earliest date of presence the record shows. The felony and misdemeanour boxes are
    not turned into convictions: a conviction needs its date, and the review checks ICE's boxes
    against the convictions, not the other way round.
    """
    facts: dict[str, Any] = {}
    if priority.get("gang"):
        facts["gang_participation"] = True
    if priority.get("illegal_entry"):
        facts["unlawful_entry"] = True
        if "entry_date" in dates:
            facts["continuous_presence_since"] = dates["entry_date"].isoformat()
    if "final_order_date" in dates:
        facts["final_order_date"] = dates["final_order_date"].isoformat()
    return facts


def _country(value: str) -> str:
    text = value.strip().upper()
    return text if COUNTRY_CODE.match(text) else ""
