"""The monitoring data contract (CONTRACTS.md section 2) as data, and its checks as SQL.

Each column has a kind; `cell_rules` turns the contract into SQL conditions over a staged table
(all columns text, plus `_row`, the row's number in the file with the header as row 1). The same
rules serve the agencies and the bookings importers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

OFFENSE_CATEGORIES = (
    "minor_traffic",
    "traffic",
    "dui",
    "drug_possession",
    "drug_trafficking",
    "property",
    "burglary",
    "violent",
    "domestic_violence",
    "sex_offense",
    "weapons",
    "public_order",
    "immigration_status",
    "warrant",
    "other",
)
EARLIEST = date(1990, 1, 1)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, code, date, int, pattern
    required: bool = False
    codes: tuple[str, ...] = ()
    pattern: str = ""
    pattern_hint: str = ""
    minimum: int | None = None
    maximum: int | None = None
    sql_type: str = "VARCHAR"


def code(name: str, *codes: str, required: bool = False) -> Column:
    return Column(name, "code", required=required, codes=codes)


def integer(name: str, minimum: int = 0, maximum: int | None = None) -> Column:
    return Column(name, "int", minimum=minimum, maximum=maximum, sql_type="BIGINT")


def day(name: str, required: bool = False) -> Column:
    return Column(name, "date", required=required, sql_type="DATE")


AGENCY_COLUMNS: tuple[Column, ...] = (
    Column(
        "ori",
        "pattern",
        required=True,
        pattern="[A-Z]{2}[0-9A-Z]{7}",
        pattern_hint="an ORI is two letters and seven letters or digits",
    ),
    Column("name", "text"),
    Column("state", "pattern", pattern="[A-Z]{2}", pattern_hint="use the two-letter state code"),
    Column(
        "county_fips", "pattern", pattern="[0-9]{5}", pattern_hint="a county code is five digits"
    ),
    day("activation_date"),
    integer("population"),
    integer("pop_hispanic"),
    integer("pop_white"),
    integer("pop_black"),
    integer("pop_asian"),
    integer("pop_other"),
    integer("pop_lep"),
    Column("peer_group", "text"),
    # Not in the contract (extra columns are allowed): the ICE area of responsibility.
    Column("aor", "pattern", pattern="[A-Z]{3}", pattern_hint="use an ICE area code such as PHI"),
)
POPULATION_GROUPS = ("pop_hispanic", "pop_white", "pop_black", "pop_asian", "pop_other")

BOOKING_COLUMNS: tuple[Column, ...] = (
    Column("booking_id", "text", required=True),
    Column("ori", "text", required=True),
    day("booking_date", required=True),
    Column("person_id", "text"),
    code("sex", "M", "F", "X", "U"),
    integer("age", 0, 120),
    code("race", "W", "B", "A", "I", "P", "O", "U"),
    code("ethnicity", "H", "N", "U"),
    code("lep", "Y", "N", "U"),
    Column(
        "birth_country",
        "pattern",
        pattern="[A-Z]{2}",
        pattern_hint="use the ISO 3166 two-letter code",
    ),
    Column("offense_code", "text"),
    code("offense_category", *OFFENSE_CATEGORIES),
    code("offense_severity", "felony", "misdemeanor", "infraction"),
    code("disposition", "convicted", "dismissed", "pending", "unknown"),
    code("ice_match", "Y", "N"),
    code("transfer_request", "none", "notification", "detainer", "transfer"),
    day("request_date"),
    code("pep_eligible", "Y", "N"),
    code(
        "request_outcome",
        "transferred",
        "released",
        "lifted",
        "us_citizen",
        "declined_by_lea",
        "pending",
    ),
    # Not in CONTRACTS.md's first list (an addition): what kind of encounter the row is. Empty
    # means an arrest or booking, as before; `stop` for stop data (RIPA, OPP), which is not an
    # arrest.
    code("encounter", "arrest", "stop"),
)


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _checks(column: Column, today: date) -> list[tuple[str, str]]:
    """(condition that marks a problem, message) for one column; the value is never NULL here."""
    c = f'"{column.name}"'
    if column.kind == "code":
        allowed = ", ".join(quote(v) for v in column.codes)
        return [(f"{c} NOT IN ({allowed})", "not one of " + ", ".join(column.codes))]
    if column.kind == "pattern":
        return [(f"NOT regexp_full_match({c}, {quote(column.pattern)})", column.pattern_hint)]
    if column.kind == "int":
        checks = [(f"TRY_CAST({c} AS BIGINT) IS NULL", "not a whole number")]
        if column.minimum is not None:
            checks.append(
                (f"TRY_CAST({c} AS BIGINT) < {column.minimum}", f"less than {column.minimum}")
            )
        if column.maximum is not None:
            checks.append(
                (f"TRY_CAST({c} AS BIGINT) > {column.maximum}", f"more than {column.maximum}")
            )
        return checks
    if column.kind == "date":
        parsed = f"TRY_STRPTIME({c}, '%Y-%m-%d')"
        return [
            (f"{parsed} IS NULL", "not a date in the form YYYY-MM-DD"),
            (
                f"{parsed} < DATE '{EARLIEST.isoformat()}' OR {parsed} > DATE '{today.isoformat()}'",
                f"outside {EARLIEST.isoformat()} to today",
            ),
        ]
    return []


@dataclass(frozen=True)
class Rule:
    """A problem a row can have: `condition` is true (in SQL, over the row) when it has it."""

    column: str
    condition: str
    problem: str


def cell_rules(columns: tuple[Column, ...], present: set[str], today: date) -> list[Rule]:
    """The contract's rules for single cells, for the columns the file has."""
    rules = []
    for column in columns:
        c = f'"{column.name}"'
        if column.name not in present:
            continue
        if column.required:
            rules.append(
                Rule(column.name, f"({c} IS NULL OR trim({c}) = '')", "required but empty")
            )
        for condition, message in _checks(column, today):
            rules.append(
                Rule(
                    column.name, f"({c} IS NOT NULL AND trim({c}) <> '' AND ({condition}))", message
                )
            )
    return rules


def typed_select(columns: tuple[Column, ...], present: set[str]) -> str:
    """The staged text columns cast to their contract types (absent columns as NULL).

    Only for rows that passed the checks: a checked date is in the form YYYY-MM-DD and a checked
    code has no stray spaces, so the plain casts here cannot fail.
    """
    parts = []
    for column in columns:
        c = f'"{column.name}"'
        if column.name not in present:
            parts.append(f"CAST(NULL AS {column.sql_type}) AS {c}")
        elif column.sql_type in ("DATE", "BIGINT"):
            parts.append(f"TRY_CAST({c} AS {column.sql_type}) AS {c}")
        elif column.kind in ("code", "pattern"):
            parts.append(f"NULLIF({c}, '') AS {c}")
        else:
            parts.append(f"NULLIF(trim({c}), '') AS {c}")
    return ", ".join(parts)
