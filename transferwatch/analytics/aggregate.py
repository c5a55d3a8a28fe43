"""Bookings to a small table of counts per agency, period and group, written once with Ibis.

The one expression (`counts_expr`) runs on DuckDB by default; being Ibis, the same expression can
be compiled for PostgreSQL or PySpark. Everything after it (the statistics) runs on the small
result with numpy.

Output columns (all lower case and distinct ignoring case, since DuckDB column names are
case-insensitive): ``ori``, ``post`` (booking on or after the agency's activation date),
``quarter`` (year * 10 + quarter), ``eth`` (``H``, ``N`` or ``U``), ``lep`` (``Y``, ``N`` or
``U``), ``cell`` (0 for a booking without a reviewed transfer request; for one with, the class
of its offence under the transfer rules, 1 to `N_CELLS`, see `request_cell`), and the counts
``bookings``, ``minor``, ``disposed``, ``dismissed``, ``requests``, ``pep_known``, ``not_pep``.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ibis  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt
from ibis.backends.sql.datatypes import DuckDBType  # type: ignore[import-untyped]

from transferwatch.analytics.contract import quote

REQUIRED_BOOKING_COLUMNS = ("ori", "booking_date")
OPTIONAL_BOOKING_COLUMNS = (
    "ethnicity",
    "lep",
    "offense_category",
    "offense_severity",
    "disposition",
    "transfer_request",
    "pep_eligible",
)
COUNT_COLUMNS = (
    "bookings",
    "minor",
    "disposed",
    "dismissed",
    "requests",
    "pep_known",
    "not_pep",
)
POPULATION_COLUMNS = ("population", "pop_hispanic", "pop_lep")
# The offence classes of the 2014 priorities (DOMAIN.md section 2) that a booking record shows:
# severity, the significant-misdemeanour categories of 2(b), minor traffic (not counted in 2(a)),
# offences whose element is immigration status (excluded from 1(d) and 2(a)), and conviction.
SEVERITY_CODES = ("felony", "misdemeanor", "infraction")  # 1, 2, 3; anything else 0
SIGNIFICANT_CATEGORIES = (
    "dui",
    "drug_trafficking",
    "burglary",
    "domestic_violence",
    "sex_offense",
    "weapons",
)
CATEGORY_CLASSES = (SIGNIFICANT_CATEGORIES, ("minor_traffic",), ("immigration_status",))
DISPOSITION_CLASSES = (("convicted",), ("dismissed", "pending"))  # 1, 2; unknown 0
N_CELLS = (len(SEVERITY_CODES) + 1) * (len(CATEGORY_CLASSES) + 1) * (len(DISPOSITION_CLASSES) + 1)


class MonitorInputError(ValueError):
    """The input cannot be monitored as given (missing column, unknown agency, no data...)."""


class NoBookings(MonitorInputError):
    """No bookings in the period (a run on ICE's records alone can go on without them)."""


@dataclass(frozen=True)
class AgencyInfo:
    """What the monitoring engine needs to know about one agency."""

    ori: str
    state: str = ""
    activation_date: date | None = None
    population: int | None = None
    pop_hispanic: int | None = None
    pop_lep: int | None = None
    peer_group: str = ""


@dataclass(frozen=True)
class Counts:
    """The aggregated table as numpy columns (one row per agency x post x quarter x eth x lep
    x cell)."""

    ori: npt.NDArray[np.str_]
    post: npt.NDArray[np.bool_]
    quarter: npt.NDArray[np.int64]
    eth: npt.NDArray[np.str_]
    lep: npt.NDArray[np.str_]
    cell: npt.NDArray[np.int64]
    values: dict[str, npt.NDArray[np.int64]]
    present: frozenset[str]  # optional booking columns the data has


def no_counts() -> Counts:
    """The counts of a run without bookings."""
    empty_int = np.zeros(0, dtype=np.int64)
    return Counts(
        ori=np.zeros(0, dtype=str), post=np.zeros(0, dtype=bool), quarter=empty_int,
        eth=np.zeros(0, dtype=str), lep=np.zeros(0, dtype=str), cell=empty_int,
        values={c: empty_int for c in COUNT_COLUMNS}, present=frozenset(),
    )  # fmt: skip


def source_sql(paths: Sequence[Path]) -> str:
    """A DuckDB table expression reading CSV or Parquet files (all columns as written)."""
    if not paths:
        raise MonitorInputError("no bookings file given")
    for path in paths:
        if not path.is_file():
            raise MonitorInputError(f"{path}: no such file")
    listed = "[" + ", ".join(quote(str(p)) for p in paths) + "]"
    with paths[0].open("rb") as handle:
        parquet = handle.read(4) == b"PAR1"
    if parquet:
        return f"read_parquet({listed})"
    return f"read_csv({listed}, header = true, all_varchar = true, buffer_size = 33554432)"


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection for a monitoring run (no progress bar on the terminal)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def _csv_header(path: Path) -> list[str] | None:
    """The column names of a comma-separated file with a header row, or None if not plain.

    Read with Python's csv module from the first line only; None when the line does not split
    into distinct, non-empty names on commas (another delimiter, say), so that DuckDB's
    sniffer decides.
    """
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        line = handle.readline(1 << 20)
    names = next(csv.reader([line.rstrip("\r\n")]), [])
    lowered = [n.strip().lower() for n in names]
    if len(names) < 2 or "" in lowered or len(set(lowered)) < len(lowered):
        return None
    return names


def file_source(
    paths: Sequence[Path], explicit: bool = False
) -> tuple[str, dict[str, tuple[str, str]] | None]:
    """A DuckDB table expression for CSV or Parquet files (`source_sql`) and, when known without
    DuckDB, their columns (lower-cased name -> (name as written, DuckDB type)).

    For CSV files whose header row is plain (`_csv_header`) and the same in every file, the
    columns are read from the header with Python, so that `aggregate` does not ask DuckDB to
    ``DESCRIBE`` them (a sniff of a sample of the file: 0.15-0.3 s for 4 million bookings).
    With `explicit`, they are also given to ``read_csv`` as text with the dialect of
    CONTRACTS.md section 2 (comma, double quotes), so that the query does not sniff either:
    0.02 s instead of 0.4 s for an agencies file of 2,000 rows. (Not for the bookings: over 4
    million rows the explicit reader took 25% more time and twice the memory of the sniffed
    one in DuckDB 2.0.)
    """
    source = source_sql(paths)
    if not source.startswith("read_csv("):
        return source, None
    headers = [_csv_header(p) for p in paths]
    first = headers[0]
    if first is None or any(h != first for h in headers[1:]):
        return source, None
    described = {name.strip().lower(): (name, "VARCHAR") for name in first}
    if not explicit:
        return source, described
    listed = "[" + ", ".join(quote(str(p)) for p in paths) + "]"
    columns = "{" + ", ".join(f"{quote(name)}: 'VARCHAR'" for name in first) + "}"
    sql = (
        f"read_csv({listed}, header = true, auto_detect = false, delim = ',', quote = '\"', "
        f"escape = '\"', columns = {columns})"
    )
    return sql, described


def _column_types(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str, str]]:
    """Lower-cased name -> (name as written, DuckDB type), for the columns of `source`."""
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()  # noqa: S608
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MonitorInputError(f"the bookings cannot be read: {first}") from None
    return {str(row[0]).strip().lower(): (str(row[0]), str(row[1])) for row in described}


def _ibis_type(duckdb_type: str) -> Any:
    """The Ibis type of a DuckDB column type; text for a type Ibis does not parse."""
    try:
        return DuckDBType.from_string(duckdb_type)
    except Exception:  # any type Ibis does not parse is compared as text
        return "string"


def _read_error(message: str, kind: str) -> str:
    """A DuckDB read error as file, line and column, without the line's content.

    DuckDB quotes the whole offending line ("Original Line: ..."), which may hold personal data:
    only the file name, the line number and the column are kept.
    """
    line = re.search(r"CSV Error on Line: (\d+)", message)
    column = re.search(r'converting column "([^"]+)"', message)
    if line and column:
        found = re.search(r"^\s*file = (.+)$", message, re.MULTILINE)
        name = Path(found.group(1).strip()).name if found else "bookings"
        what = "a date (YYYY-MM-DD)" if column.group(1) == "booking_date" else "readable"
        return f"{name}: line {line.group(1)}, column {column.group(1)}: the value is not {what}"
    first = message.strip().splitlines()[0] if message.strip() else kind
    first = first.split("Original Line:")[0].strip()
    return f"the bookings cannot be read: {first}"


def _day(value: Any) -> date:
    """A numpy datetime64 (as DuckDB returns dates) as a date."""
    return date.fromisoformat(str(np.datetime64(value, "D")))


def read_agencies(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> list[AgencyInfo]:
    """The agencies table (CONTRACTS.md section 2) from a CSV or Parquet file.

    One query, every column as text (`con`: a DuckDB connection to use, else a new one).
    """
    if not path.is_file():
        raise MonitorInputError(f"{path}: no such file")
    own = con is None
    db = connect() if con is None else con
    try:
        source, _known = file_source([path], explicit=True)
        relation = db.sql(f"SELECT COLUMNS(*)::VARCHAR FROM {source}")  # noqa: S608
        names = [str(n) for n in relation.columns]
        result = relation.fetchall()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MonitorInputError(f"{path.name}: cannot be read: {first}") from None
    finally:
        if own:
            db.close()
    header = {n.strip().lower(): i for i, n in enumerate(names)}
    if "ori" not in header:
        raise MonitorInputError(f"{path.name}: missing required column ori")
    wanted = ["ori", "state", "activation_date", *POPULATION_COLUMNS, "peer_group"]
    rows = [tuple(r[header[c]] if c in header else None for c in wanted) for r in result]
    agencies = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        ori = (row[0] or "").strip()
        if not ori:
            raise MonitorInputError(f"{path.name}: row {number} has no ori")
        if ori in seen:
            raise MonitorInputError(f"{path.name}: ori {ori} appears twice")
        seen.add(ori)
        agencies.append(
            AgencyInfo(
                ori=ori,
                state=(row[1] or "").strip(),
                activation_date=_date(row[2], f"{path.name}: row {number} activation_date"),
                population=_int(row[3], f"{path.name}: row {number} population"),
                pop_hispanic=_int(row[4], f"{path.name}: row {number} pop_hispanic"),
                pop_lep=_int(row[5], f"{path.name}: row {number} pop_lep"),
                peer_group=(row[6] or "").strip(),
            )
        )
    if not agencies:
        raise MonitorInputError(f"{path.name}: no agencies")
    return agencies


def _date(value: Any, where: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise MonitorInputError(f"{where}: {text!r} is not a date (YYYY-MM-DD)") from None


def _int(value: Any, where: str) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return int(float(text))
    except ValueError:
        raise MonitorInputError(f"{where}: {text!r} is not a number") from None


def request_cell(severity: Any, category: Any, disposition: Any) -> Any:
    """The offence class of a booking under the transfer rules, 1 to `N_CELLS` (Ibis integer).

    ``1 + severity * 12 + category class * 3 + disposition class``, with severity 0 unknown, 1
    felony, 2 misdemeanour, 3 infraction; category class 0 other, 1 significant misdemeanour
    categories, 2 minor traffic, 3 immigration status; disposition class 0 unknown, 1
    convicted, 2 dismissed or pending. Null codes fall in class 0.
    """
    sev = ibis.cases(*((severity == code, i + 1) for i, code in enumerate(SEVERITY_CODES)), else_=0)
    cls = ibis.cases(
        *((category.isin(list(codes)), i + 1) for i, codes in enumerate(CATEGORY_CLASSES)),
        else_=0,
    )
    disp = ibis.cases(
        *((disposition.isin(list(codes)), i + 1) for i, codes in enumerate(DISPOSITION_CLASSES)),
        else_=0,
    )
    n_cls, n_disp = len(CATEGORY_CLASSES) + 1, len(DISPOSITION_CLASSES) + 1
    return (1 + sev * (n_cls * n_disp) + cls * n_disp + disp).cast("int64")


def counts_expr(
    bookings: ir.Table,
    activation: ir.Table,
    present: frozenset[str],
    period_from: date | None,
    period_to: date | None,
) -> ir.Table:
    """The aggregation as an Ibis expression (backend-neutral).

    Parameters
    ----------
    bookings : table with at least ``ori`` and ``booking_date`` (text or date), and any of
        `OPTIONAL_BOOKING_COLUMNS` listed in `present` (text).
    activation : table ``ori`` (text), ``activation_date`` (date, may be null).
    present : the optional columns `bookings` has; missing ones count as unknown.
    period_from, period_to : the bookings counted, both dates inclusive (None: no limit).

    The conditional counts are ``COUNT(*) FILTER (WHERE ...)``, 64-bit integers (a SUM of
    0/1 flags is widened by DuckDB to HUGEINT and arrives in Python as decimals: 0.2 s to
    convert for 4 million bookings). Codes are compared
    exactly as CONTRACTS.md section 2 spells them (``H``, ``minor_traffic``,
    ...): trimming and case-folding every cell tripled the time of the whole run.
    """
    j = joined_rows(bookings, activation, period_from, period_to)
    rows = j.select(**counts_columns(j, present))
    return rows.group_by(list(COUNT_KEYS)).aggregate(**counts_metrics(rows))


def joined_rows(
    bookings: ir.Table, activation: ir.Table, period_from: date | None, period_to: date | None
) -> ir.Table:
    """The bookings of the period with ``day`` (the booking date as a date), joined to their
    agency's activation date (`counts_expr`)."""
    b = bookings
    day = b.booking_date.cast("date")
    b = b.mutate(day=day)
    # bookings without a date stay in, so that `aggregate` can say how many there are
    if period_from is not None:
        b = b.filter(b.day.isnull() | (b.day >= ibis.literal(period_from)))
    if period_to is not None:
        b = b.filter(b.day.isnull() | (b.day <= ibis.literal(period_to)))
    return b.left_join(activation, b.ori == activation.ori)


COUNT_KEYS = ("ori", "post", "quarter", "eth", "lep", "cell")
# each count of `COUNT_COLUMNS`: the flag column of `counts_columns` it counts (None: every row)
COUNT_FLAGS = {
    "bookings": None,
    "minor": "is_minor",
    "disposed": "is_disposed",
    "dismissed": "is_dismissed",
    "requests": "is_request",
    "pep_known": "is_pep_known",
    "not_pep": "is_not_pep",
}


def counts_columns(j: ir.Table, present: frozenset[str]) -> dict[str, ir.Value]:
    """The per-booking columns `counts_expr` groups and counts, over the bookings (with ``day``,
    the booking date as a date) joined to the activation dates."""

    def text(column: str) -> ir.StringValue:
        if column in present:
            return j[column].cast("string")
        return ibis.literal("", type="string")  # a missing column: every value unknown

    def flag(condition: ir.BooleanValue) -> ir.BooleanValue:
        return condition.fill_null(False)

    eth = text("ethnicity")
    lep = text("lep")
    category, severity = text("offense_category"), text("offense_severity")
    disposition = text("disposition")
    request, pep = text("transfer_request"), text("pep_eligible")
    requested = request.isin(["notification", "detainer", "transfer"])
    is_minor = (category == "minor_traffic") | (severity == "infraction")
    reviewed = flag(requested & pep.isin(["Y", "N"]))
    cell = request_cell(severity, category, disposition)
    return {
        "ori": j.ori,
        "day": j.day,
        "post": (j.day >= j.activation_date).fill_null(False),
        "quarter": (j.day.year() * 10 + j.day.quarter()).cast("int64"),
        "eth": ibis.cases((eth == "H", "H"), (eth == "N", "N"), else_="U"),
        "lep": ibis.cases((lep == "Y", "Y"), (lep == "N", "N"), else_="U"),
        # only reviewed requests are split by offence class: the table stays small
        "cell": ibis.ifelse(reviewed, cell, 0).cast("int64"),
        "is_minor": flag(is_minor),
        "is_disposed": flag(disposition.isin(["convicted", "dismissed"])),
        "is_dismissed": flag(disposition == "dismissed"),
        "is_request": flag(requested),
        "is_pep_known": reviewed,
        "is_not_pep": flag(requested & (pep == "N")),
    }


def counts_metrics(rows: ir.Table) -> dict[str, ir.Value]:
    """The aggregates of `counts_expr` over the rows of `counts_columns`."""
    counted = {
        name: rows.count() if column is None else rows.count(where=rows[column])
        for name, column in COUNT_FLAGS.items()
    }
    return {**counted, "first_day": rows.day.min(), "last_day": rows.day.max()}


def aggregate(
    source: str,
    agencies: Sequence[AgencyInfo],
    period_from: date | None,
    period_to: date | None,
    described: dict[str, tuple[str, str]] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> tuple[Counts, date, date]:
    """Run `counts_expr` on DuckDB over the table expression `source`.

    `described` gives the columns of `source` when already known (`file_source`), else they
    come from ``DESCRIBE``; `con` is the DuckDB connection to use (else a new one, closed at the
    end). Returns the counts and the period used (the data's first and last booking dates
    where `period_from` or `period_to` is None). Raises MonitorInputError for missing columns,
    unknown agencies, or no bookings in the period.
    """
    own = con is None
    raw = connect() if con is None else con
    try:
        return _aggregate(raw, source, agencies, period_from, period_to, described)
    finally:
        if own:
            raw.close()


@functools.lru_cache(maxsize=32)
def _counts_sql(
    types: tuple[tuple[str, str], ...],
    present: frozenset[str],
    period_from: date | None,
    period_to: date | None,
) -> str:
    """`counts_expr` compiled to DuckDB SQL for bookings columns of these DuckDB types (0.1 s of
    Ibis work, kept for the next run of a long-lived process)."""
    # The Ibis expression is built on unbound tables with the schema already known (binding
    # it to the connection would read the file's header a second time) and compiled to the
    # DuckDB dialect; the same expression compiles for PostgreSQL or Spark.
    bookings = ibis.table({c: _ibis_type(t) for c, t in types}, name="monitor_bookings")
    activation = ibis.table({"ori": "string", "activation_date": "date"}, name="monitor_activation")
    expr = counts_expr(bookings, activation, present, period_from, period_to)
    return str(ibis.to_sql(expr, dialect="duckdb"))


def _aggregate(
    raw: duckdb.DuckDBPyConnection,
    source: str,
    agencies: Sequence[AgencyInfo],
    period_from: date | None,
    period_to: date | None,
    described: dict[str, tuple[str, str]] | None,
) -> tuple[Counts, date, date]:
    if described is None:
        described = _column_types(raw, source)
    header = bookings_header(described, period_from, period_to)
    present = frozenset(c for c in OPTIONAL_BOOKING_COLUMNS if c in header)
    wanted = (*REQUIRED_BOOKING_COLUMNS, *sorted(present))
    sql = _counts_sql(tuple((c, described[c][1]) for c in wanted), present, period_from, period_to)
    try:
        open_bookings(raw, source, header, wanted, agencies)
        # numpy straight from DuckDB: Arrow's to_numpy imports pandas (0.4-0.5 s) on first use
        result = raw.sql(sql).fetchnumpy()
    except Exception as exc:  # DuckDB conversion errors surface under several classes
        raise MonitorInputError(_read_error(str(exc), type(exc).__name__)) from None
    finally:
        close_bookings(raw)
    return counts_from(result, agencies, period_from, period_to, present)


def bookings_header(
    described: dict[str, tuple[str, str]], period_from: date | None, period_to: date | None
) -> dict[str, str]:
    """Lower-cased column name -> name as written, of bookings with these columns (`aggregate`);
    MonitorInputError for a missing required column or a reversed period."""
    header = {c: named for c, (named, _type) in described.items()}
    missing = [c for c in REQUIRED_BOOKING_COLUMNS if c not in header]
    if missing:
        raise MonitorInputError(
            f"bookings: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}"
        )
    if period_from is not None and period_to is not None and period_from > period_to:
        raise MonitorInputError(f"the period starts ({period_from}) after it ends ({period_to})")
    return header


def open_bookings(
    raw: duckdb.DuckDBPyConnection,
    source: str,
    header: dict[str, str],
    wanted: Sequence[str],
    agencies: Sequence[AgencyInfo],
) -> None:
    """The view ``monitor_bookings`` (the `wanted` columns of `source`, lower-cased) and the
    table ``monitor_activation`` that the compiled `counts_expr` reads (`close_bookings`)."""
    select = ", ".join(f'"{header[c]}" AS "{c}"' for c in wanted)
    view = f"CREATE OR REPLACE TEMP VIEW monitor_bookings AS SELECT {select} FROM {source}"  # noqa: S608
    raw.execute(view)
    # from Python lists, not Arrow: pyarrow.array imports pandas (0.4-0.5 s) on first use
    raw.execute(
        "CREATE OR REPLACE TEMP TABLE monitor_activation AS SELECT "
        "unnest($1::VARCHAR[]) AS ori, unnest($2::DATE[]) AS activation_date",
        [[a.ori for a in agencies], [a.activation_date for a in agencies]],
    )


def close_bookings(raw: duckdb.DuckDBPyConnection) -> None:
    raw.execute("DROP VIEW IF EXISTS monitor_bookings")
    raw.execute("DROP TABLE IF EXISTS monitor_activation")


def counts_from(
    result: dict[str, Any],
    agencies: Sequence[AgencyInfo],
    period_from: date | None,
    period_to: date | None,
    present: frozenset[str],
) -> tuple[Counts, date, date]:
    """The result of `counts_expr` (column name -> numpy array, masked where null, as DuckDB's
    ``fetchnumpy`` gives it) checked and turned into `Counts` with the period used.

    Shared by every warehouse, so that no bookings, bookings without a date or an agency and
    unknown agencies are refused with the same words wherever the aggregation ran.
    """
    bookings = np.asarray(np.ma.getdata(result["bookings"]), dtype=np.int64)
    if len(bookings) == 0:
        if period_from is None and period_to is None:
            raise NoBookings("bookings: no bookings with a valid booking_date")
        raise NoBookings(
            f"bookings: no bookings between {period_from or 'the start'} and "
            f"{period_to or 'the end'}"
        )
    for column, what in (("quarter", "booking_date"), ("ori", "ori")):
        empty = np.ma.getmaskarray(result[column])
        if empty.any():
            n = int(bookings[empty].sum())
            raise MonitorInputError(
                f"bookings: {n:,} booking{'s have' if n != 1 else ' has'} no {what}"
            )
    period_from = period_from or _day(np.min(result["first_day"]))
    period_to = period_to or _day(np.max(result["last_day"]))
    ori = np.asarray(result["ori"], dtype=str)
    unknown = sorted(set(np.unique(ori).tolist()) - {a.ori for a in agencies})
    if unknown:
        shown = ", ".join(unknown[:5]) + (
            f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        )
        raise MonitorInputError(
            f"bookings name {len(unknown)} agenc{'y' if len(unknown) == 1 else 'ies'} not in "
            f"the agencies table: {shown}"
        )
    counts = Counts(
        ori=ori,
        post=np.asarray(result["post"], dtype=bool),
        quarter=np.asarray(result["quarter"], dtype=np.int64),
        eth=np.asarray(result["eth"], dtype=str),
        lep=np.asarray(result["lep"], dtype=str),
        cell=np.asarray(result["cell"], dtype=np.int64),
        values={c: np.asarray(result[c], dtype=np.int64) for c in COUNT_COLUMNS},
        present=present,
    )
    return counts, period_from, period_to
