"""Reading detainer releases: which layout, which sheets, and their rows; no database here.

The layout of a file is recognised from its header row, wherever it stands in the first
``HEADER_SEARCH_ROWS`` rows of each sheet (`layouts.py` lists the layouts as data). Every sheet of
a workbook is read; a sheet that holds only notes is skipped and said so.

`read_table` returns a `Table`: its layout and, per sheet, the header and a way to iterate the
data rows (each with its line number) without holding them all: a CSV file is read again as it
is mapped, a sheet is kept as a compact Polars frame. `release_rows.Mapper` maps the rows. A line
number is the spreadsheet row number (Excel) or the record number (CSV, the same as the line
number unless a quoted value spans lines), counting title rows and the header.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transferwatch.imports.layouts import (
    FORMAT_CHOICES,
    HEADER_SEARCH_ROWS,
    LAYOUTS,
    Header,
    Layout,
    layout_named,
    looks_like_header,
    recognise,
)
from transferwatch.imports.services import ImportInputError

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
HEAD_ROWS = 1000  # rows read first, to find the header (and say where a late one stands)
SLICE = 10_000  # rows of a sheet turned into Python values at a time

Rows = Callable[[], Iterator[tuple[int, list[str]]]]


@dataclass(frozen=True)
class Sheet:
    name: str  # "" for a CSV file
    header_line: int
    columns: dict[str, int]  # our field -> cell index
    headers: dict[str, str]  # our field -> the column name as written in the file
    n_rows: int  # data rows (blank rows not counted)
    rows: Rows  # a fresh iterator of (line number, cells) of the data rows


@dataclass(frozen=True)
class Table:
    file_name: str
    layout: Layout
    sheets: list[Sheet]
    excel: bool
    skipped_sheets: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return sum(s.n_rows for s in self.sheets)


@dataclass(frozen=True)
class _Source:
    """One sheet (or the CSV file) before its header is known: its first rows, and the rest."""

    name: str
    head: list[list[str]]
    after: Callable[[int, str], tuple[int, Rows]]  # header index, file name -> (count, rows)

    def sheet(self, header: Header, file_name: str) -> Sheet:
        count, rows = self.after(header.index, file_name)
        return Sheet(self.name, header.index + 1, header.columns, header.headers, count, rows)


def format_error(name: str, fmt: str) -> str:
    return (
        f"{name}: unknown format {fmt!r}; use one of {', '.join(FORMAT_CHOICES)} (or leave it out)"
    )


# ---------------------------------------------------------------- reading


def read_table(path: Path, fmt: str | None = None, name: str = "") -> Table:
    """The file's layout, and each sheet's header and data rows.

    `fmt`, when given, must name the layout the header shows (an error says which it is).
    `name` is the file's name in messages (an upload's original name), by default its own.
    Raises ImportInputError when the file is not a usable release.
    """
    name = name or path.name
    wanted = None
    if fmt:
        wanted = layout_named(fmt)
        if wanted is None:
            raise ImportInputError(format_error(name, fmt))
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head.strip():
        raise ImportInputError(f"{name}: the file is empty")
    excel = path.suffix.lower() in EXCEL_SUFFIXES or head.startswith(
        (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
    )
    raw = _excel_sheets(path, name) if excel else [_csv_sheet(path, name, head)]
    sheets: list[Sheet] = []
    skipped: list[str] = []
    layouts: dict[str, str] = {}
    for source in raw:
        sheet_name, cells = source.name, source.head
        where = f"{name}, sheet {sheet_name!r}" if excel else name
        header = recognise(cells)
        if header is None:
            if excel and _notes_only(cells):
                skipped.append(sheet_name)
                continue
            raise ImportInputError(_no_header_message(where, cells, wanted))
        if wanted is not None and header.layout is not wanted:
            raise ImportInputError(
                f"{name}: --format {fmt} is wrong: the header (row {header.index + 1}"
                f"{f', sheet {sheet_name!r}' if excel else ''}) is the {header.layout.name} "
                f"layout; leave --format out or use --format {header.layout.name}"
            )
        layouts[sheet_name] = header.layout.name
        sheets.append(source.sheet(header, name))
    if len(set(layouts.values())) > 1:
        shown = "; ".join(f"sheet {s!r}: {layout}" for s, layout in layouts.items())
        raise ImportInputError(
            f"{name}: the sheets have different layouts ({shown}); import them as separate files"
        )
    if not sheets:
        raise ImportInputError(_no_header_message(name, [], wanted))
    if not any(s.n_rows for s in sheets):
        first = sheets[0]
        where = f", sheet {first.name!r}" if excel else ""
        raise ImportInputError(
            f"{name}: a header (line {first.header_line}{where}) but no data rows"
        )
    layout = LAYOUTS[next(iter(layouts.values()))]
    return Table(name, layout, [s for s in sheets if s.n_rows], excel, skipped)


def _notes_only(cells: list[list[str]]) -> bool:
    """A sheet of notes or titles (no row with more than two filled cells), or an empty one."""
    return all(
        sum(1 for c in row if c.strip()) <= 2 and not looks_like_header(row) for row in cells
    )


def _no_header_message(where: str, cells: list[list[str]], wanted: Layout | None) -> str:
    later = recognise(cells, limit=len(cells))
    if later is not None:
        return (
            f"{where}: the header row is row {later.index + 1}, but it is looked for only in the "
            f"first {HEADER_SEARCH_ROWS} rows; delete the rows above it"
        )
    for index, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        if looks_like_header(row):
            facility = ", ".join(
                f"{layout.columns[f]!r} ({layout.name})"
                for layout in LAYOUTS.values()
                for f in layout.facility
            )
            return (
                f"{where}: row {index + 1} looks like a header but is not one of a known layout: "
                f"it needs a prepare date and one of the facility columns {facility}"
            )
    if wanted is not None and wanted.name == "pa-2016":
        need = "date, det_facility and state (date, lift_reason, det_facility, city, state, detainer_type)"
        return (
            f"{where}: no header row with the columns {need} in the first {HEADER_SEARCH_ROWS} "
            f"rows; is this a pa-2016 detainer file?"
        )
    if wanted is not None:
        need = (
            f"'Detainer Prepare Date' and '{wanted.columns['facility']}' or "
            f"'{wanted.columns['facility_code']}'"
        )
        return (
            f"{where}: no header row with the columns {need} in the first {HEADER_SEARCH_ROWS} "
            f"rows; is this a {wanted.name} detainer file?"
        )
    return (
        f"{where}: no header row with the columns 'Detainer Prepare Date' and a facility "
        f"column in the first {HEADER_SEARCH_ROWS} rows; the known layouts are "
        f"{', '.join(LAYOUTS)} (listed column by column in docs/data.md)"
    )


def _csv_sheet(path: Path, name: str, head: bytes) -> _Source:
    if b"\x00" in head:
        raise ImportInputError(f"{name}: not a CSV or Excel file (binary content)")

    def records() -> Iterator[list[str]]:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.reader(handle)

    def guarded(rows: Iterator[list[str]]) -> Iterator[list[str]]:
        try:
            yield from rows
        except UnicodeDecodeError:
            raise ImportInputError(_not_utf8(path, name)) from None
        except csv.Error as exc:
            raise ImportInputError(f"{name}: not a readable CSV file ({exc})") from None

    first: list[list[str]] = []
    for row in guarded(records()):
        first.append(row)
        if len(first) >= HEAD_ROWS:
            break

    def after(index: int, file_name: str) -> tuple[int, Rows]:
        def rows() -> Iterator[tuple[int, list[str]]]:
            for line, row in enumerate(guarded(records()), start=1):
                if line > index + 1 and any(c.strip() for c in row):
                    yield line, row

        count = sum(1 for _ in rows())  # reads the whole file once: a bad byte is found here
        return count, rows

    return _Source("", first, after)


def _not_utf8(path: Path, name: str) -> str:
    """Where the first byte that is not UTF-8 stands (found again in binary, only on error)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                where = offset + exc.start
                byte = block[exc.start] if 0 <= exc.start < len(block) else 0
                return (
                    f"{name}: not UTF-8 text (byte {byte:#04x} at offset {where}); "
                    "save it as CSV UTF-8"
                )
            offset += len(block)
    return f"{name}: not UTF-8 text; save it as CSV UTF-8"


def _excel_sheets(path: Path, name: str) -> list[_Source]:
    """Every sheet as a Polars frame of text cells; title and blank rows kept so lines match."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
        frames = []
        for sheet_name in reader.sheet_names:
            sheet = reader.load_sheet(sheet_name, header_row=None, skip_rows=0, dtypes="string")
            frames.append((sheet_name, sheet.to_polars() if sheet.height else None))
    except Exception:  # fastexcel raises its own error types for unreadable files
        raise ImportInputError(
            f"{name}: not a readable Excel workbook (damaged, or not .xlsx); "
            "open it in a spreadsheet program and save it again as .xlsx or CSV (UTF-8)"
        ) from None
    return [_frame_source(sheet_name, frame) for sheet_name, frame in frames]


def _frame_source(sheet_name: str, frame: Any) -> _Source:
    height = frame.height if frame is not None else 0

    def cells(start: int, stop: int) -> Iterator[list[str]]:
        for offset in range(start, stop, SLICE):
            for row in frame.slice(offset, min(SLICE, stop - offset)).rows():
                yield ["" if v is None else str(v) for v in row]

    def after(index: int, file_name: str) -> tuple[int, Rows]:
        def rows() -> Iterator[tuple[int, list[str]]]:
            for line, row in enumerate(cells(index + 1, height), start=index + 2):
                if any(c.strip() for c in row):
                    yield line, row

        return sum(1 for _ in rows()), rows

    return _Source(sheet_name, list(cells(0, min(HEAD_ROWS, height))), after)
