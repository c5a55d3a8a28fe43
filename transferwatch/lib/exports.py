"""CSV and Excel exports of staff lists: the page's own rows, masked, audited, streamed.

A list view builds its queryset as for the page (`visible_to(user)`, the filter form, the sort),
then hands it here when the query asks for `export=csv` or `export=xlsx`; the export links
(`includes/export_links.html`) are the page's query plus that parameter, so an export holds
exactly the rows the page pages through, in the same order.

- Personal fields (a person's name, A-number, date of birth, country) are masked unless the
  user's role may reveal them (`ExportSpec.may_reveal`, the same permission as the record pages'
  reveal); an export that reveals them is audited as a reveal.
- Each export writes one audit event before the first byte: the list, the filters, the sort,
  the row count and the format (`exports.list.exported`, or `exports.list.revealed` when it
  holds identifying fields, so the audit log's "access to personal data" finds it). Filters are
  recorded as submitted, with any run of 8 or more digits (an A-number typed into a filter)
  left out: no personal data in the event.
- Text cells that a spreadsheet would read as a formula (starting with = + - @, or a tab or
  carriage return) get a leading apostrophe.
- Rows are read in chunks (`QuerySet.iterator`) and written as they come: CSV through a
  StreamingHttpResponse, XLSX with XlsxWriter in constant-memory mode into a temporary file
  that is then streamed. Memory does not grow with the rows; a list longer than
  EXPORT_MAX_ROWS (and Excel's sheet limit) is refused with a page saying to narrow it.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django import forms
from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from transferwatch.audit.services import record

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row
CHUNK = 2000
MASK = "••••••"
# What a spreadsheet may take for the start of a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LONG_NUMBER = re.compile(r"\d{8,}")


@dataclass(frozen=True)
class Field:
    """One column of an export: its header and how to read its value from a row."""

    header: str
    value: Callable[[Any], Any]
    personal: bool = False  # masked unless the user may reveal it


@dataclass(frozen=True)
class ExportSpec:
    """What a list exports. `name` names the list in the audit event and the file name."""

    name: str
    fields: Sequence[Field]
    # Whether the user may see the personal fields (the reveal permission of the record pages).
    may_reveal: Callable[[Any], bool] = field(default=lambda user: False)
    # What the rows need read with them (select_related / prefetch_related) for the export.
    prepare: Callable[[models.QuerySet[Any]], models.QuerySet[Any]] = field(
        default=lambda rows: rows
    )

    @property
    def personal_headers(self) -> list[str]:
        return [f.header for f in self.fields if f.personal]


def label(choices: Sequence[tuple[str, str]]) -> Callable[[str], str]:
    """A code's label from a field's choices, looked up in a dict (`get_FOO_display` hashes
    the choices again for every row)."""
    labels = dict(choices)
    return lambda code: labels.get(code, code) if code else ""


def requested(request: HttpRequest) -> str:
    """The format asked for (`?export=csv|xlsx`), or "" for the page itself."""
    fmt = request.GET.get("export", "")
    return fmt if fmt in FORMATS else ""


def links(spec: ExportSpec, user: Any) -> dict[str, Any]:
    """What the export links say about personal fields (`includes/export_links.html`)."""
    personal = spec.personal_headers
    return {"export": {"personal": personal, "reveals": bool(personal) and spec.may_reveal(user)}}


def neutralise(value: str) -> str:
    """A text cell that cannot start a formula in a spreadsheet."""
    return "'" + value if value.startswith(FORMULA_START) else value


def filters_of(form: forms.Form | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The filters in force, as submitted, for the audit event (never a long number)."""
    found: dict[str, Any] = {}
    if form is not None and form.is_bound and form.is_valid():
        for name in form.fields:
            value = form.cleaned_data.get(name)
            if value in (None, "", False, [], ()):
                continue
            if isinstance(value, bool):
                found[name] = True
            elif isinstance(value, date):
                found[name] = value.isoformat()
            else:
                raw = form.data.getlist(name) if hasattr(form.data, "getlist") else None
                found[name] = raw[0] if raw and len(raw) == 1 else (raw or str(value))
    for name, value in (extra or {}).items():
        if value not in (None, ""):
            found[name] = value
    return {name: _scrub(value) for name, value in found.items()}


def _scrub(value: Any) -> Any:
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        return LONG_NUMBER.sub("[number left out]", value)[:200]
    return value


def respond(
    request: HttpRequest,
    spec: ExportSpec,
    rows: models.QuerySet[Any],
    fmt: str,
    *,
    form: forms.Form | None = None,
    filters: dict[str, Any] | None = None,
    sort: str = "",
) -> HttpResponse:
    """The export of `rows` (the page's queryset, scoped, filtered and ordered) as `fmt`."""
    if form is not None and form.is_bound and not form.is_valid():
        # The page shows why no rows are listed; an export of nothing would only confuse.
        return _refusal(request, "The filters are not valid: correct them on the list first.")
    limit = min(settings.EXPORT_MAX_ROWS, XLSX_MAX_ROWS if fmt == "xlsx" else 10**12)
    # The rows as they are now: their number and the newest id, so that rows added meanwhile
    # (this export's own audit event, say) wait for the next export.
    found = rows.aggregate(count=Count("pk"), last=Max("pk"))
    count = found["count"]
    if count > limit:
        return _refusal(
            request,
            f"This list holds {count:,} rows; an export holds at most {limit:,}. "
            "Narrow it with the filters and export again.",
        )
    user = request.user
    reveal = bool(spec.personal_headers) and spec.may_reveal(user)
    changes: dict[str, Any] = {
        "list": spec.name,
        "format": fmt,
        "filters": filters_of(form, filters),
        "sort": sort,
        "rows": count,
    }
    if reveal:
        changes["revealed"] = spec.personal_headers
    with transaction.atomic():
        record(
            "exports.list.revealed" if reveal else "exports.list.exported",
            actor=user,
            object_type="export",
            object_id=spec.name,
            changes=changes,
        )
    # The rows counted and audited, no more.
    chunks = _rows(spec, spec.prepare(rows.filter(pk__lte=found["last"] or 0))[:count], reveal)
    content_type, suffix = FORMATS[fmt]
    stream = _csv(spec, chunks) if fmt == "csv" else _xlsx(spec, chunks)
    response = StreamingHttpResponse(stream, content_type=content_type)
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{spec.name}-{stamp}.{suffix}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _refusal(request: HttpRequest, message: str) -> HttpResponse:
    back = request.GET.copy()
    back.pop("export", None)
    context = {"message": message, "back": "?" + back.urlencode()}
    return render(request, "includes/export_refused.html", context, status=400)


def _rows(spec: ExportSpec, rows: models.QuerySet[Any], reveal: bool) -> Iterator[list[Any]]:
    for obj in rows.iterator(chunk_size=CHUNK):
        yield [_cell(f, obj, reveal) for f in spec.fields]


def _cell(f: Field, obj: Any, reveal: bool) -> Any:
    value = f.value(obj)
    if f.personal and not reveal:
        return MASK if value not in (None, "") else ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str):
        return neutralise(value)
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _csv(spec: ExportSpec, rows: Iterator[list[Any]]) -> Iterator[str]:
    """UTF-8 with a byte-order mark (so that Excel reads it as UTF-8), a header row, the rows;
    a few hundred rows per chunk sent."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(f.header) for f in spec.fields])
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow([_text(v) for v in row]))
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _xlsx(spec: ExportSpec, rows: Iterator[list[Any]]) -> Iterator[bytes]:
    """One sheet: a bold header row, frozen, then the rows as they come (constant memory: each
    row is written to disk and dropped); the finished file is sent in 64 KiB pieces."""
    import xlsxwriter

    handle, path = tempfile.mkstemp(prefix="export-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "tmpdir": tempfile.gettempdir(),
            },
        )
        sheet = workbook.add_worksheet(spec.name[:31])
        bold = workbook.add_format({"bold": True})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for c, f in enumerate(spec.fields):
            sheet.write_string(0, c, neutralise(f.header), bold)
            sheet.set_column(c, c, max(10, min(40, len(f.header) + 2)))
        sheet.freeze_panes(1, 0)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, moment)
                elif isinstance(value, date):
                    sheet.write_datetime(r, c, value, day)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
        workbook.close()
        with open(path, "rb") as done:
            while piece := done.read(64 * 1024):
                yield piece
    finally:
        os.unlink(path)
