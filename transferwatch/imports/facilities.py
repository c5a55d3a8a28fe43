"""`transferwatch import facilities FILE.csv`: a crosswalk of facilities to agencies, all or nothing.

Columns (header row, UTF-8, extra columns ignored): `facility_code` and/or `facility_name` with
`state`, and `ori` (empty: the facility has no agency). A facility is found by its code (within
the state when one is given), else by name and state. Every row is checked before anything is
written; a file with any bad row (unknown facility or ORI, a federal prison given an ORI, the
same facility twice) changes nothing. Each row that changes a facility goes through
`agencies.crosswalk.set_facility_agency` (source "crosswalk"), which moves the facility's
transfer requests and writes the audit event. Importing the same file again re-applies it: rows
already in effect count as unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from transferwatch.agencies.crosswalk import CrosswalkRefused, refusal, set_facility_agency
from transferwatch.agencies.models import Agency, Facility
from transferwatch.imports import services
from transferwatch.imports.models import Import
from transferwatch.imports.rejects import Reject, write_rejects
from transferwatch.imports.services import ImportInputError, plural

COLUMNS = ("facility_code", "facility_name", "state", "ori")
ORI = re.compile(r"^[A-Z]{2}[0-9A-Z]{7}$")
STATE = re.compile(r"^[A-Z]{2}$")
SHOW = 20

Progress = Callable[..., None] | None


@dataclass(frozen=True)
class Link:
    row: int
    facility: Facility
    agency: Agency | None


def import_facilities(
    path: Path, *, imp: Import | None = None, user: Any = None, progress: Progress = None
) -> Import:
    """Check every row of a crosswalk file, then set each facility's agency in one transaction.

    Raises ImportInputError when the file cannot be read as a crosswalk (after finishing the
    Import as "failed").
    """
    if imp is None:
        imp = services.start("facilities", path, user=user, file_format="csv")
    services.mark_running(imp)
    try:
        rows = read_rows(path, imp.file_name)
    except ImportInputError as exc:
        services.finish(imp, "failed", message=str(exc))
        raise
    services.progress(imp, 0, len(rows))
    links, rejects = check_rows(rows)
    if rejects:
        write_rejects(imp.rejects_path, rejects)
        bad = len({r.row for r in rejects})
        return services.finish(
            imp,
            "rejected",
            rejected=bad,
            message=(
                f"{imp.file_name}: {plural(bad, 'row')} of {len(rows):,} invalid "
                f"({plural(len(rejects), 'problem')}); nothing imported"
            ),
            details={
                "first_errors": [r.describe(imp.file_name) for r in rejects[:SHOW]],
                "problems": len(rejects),
            },
        )
    actor = imp.created_by
    counts = {"linked": 0, "cleared": 0, "unchanged": 0, "requests_moved": 0}
    try:
        with transaction.atomic():
            for done, link in enumerate(links, start=1):
                if _in_effect(link):
                    counts["unchanged"] += 1
                else:
                    counts["requests_moved"] += set_facility_agency(
                        link.facility, link.agency, actor=actor, source="crosswalk"
                    )
                    counts["linked" if link.agency else "cleared"] += 1
                if progress is not None and done % 100 == 0:
                    progress(done, len(links))
            return services.finish(
                imp,
                "done",
                accepted=len(links),
                message=(
                    f"{imp.file_name}: {plural(len(links), 'facility', 'facilities')}: "
                    f"{counts['linked']:,} linked to an agency, {counts['cleared']:,} set to no "
                    f"agency, {counts['unchanged']:,} unchanged; "
                    f"{plural(counts['requests_moved'], 'transfer request')} moved"
                ),
                details=counts,
            )
    except CrosswalkRefused as exc:  # the facility changed after the check (e.g. made federal)
        return services.finish(imp, "failed", message=f"{imp.file_name}: {exc} Nothing imported.")


def import_upload(upload: UploadedFile, user: Any) -> Import:
    """Keep an uploaded crosswalk with a new import record and import it at once (it is small)."""
    incoming = services.incoming_folder() / f"{services.new_token()}.csv"
    with incoming.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    imp = services.start(
        "facilities",
        incoming,
        user=user,
        file_format="csv",
        file_name=Path(upload.name or "crosswalk.csv").name[:255],
    )
    imp.folder.mkdir(parents=True, exist_ok=True)
    kept = imp.folder / "upload.csv"
    shutil.move(incoming, kept)
    try:
        return import_facilities(kept, imp=imp)
    except ImportInputError:
        imp.refresh_from_db()  # finished as failed, the reason as its message
        return imp


def _in_effect(link: Link) -> bool:
    """The row asks for what the facility already has, decided, with its requests in step."""
    facility = link.facility
    if facility.agency_id != (link.agency.pk if link.agency else None):
        return False
    if facility.agency_source == "suggested":
        return False
    if link.agency is None:
        return True
    return not facility.transfer_requests.filter(agency__isnull=True).exists()


def read_rows(path: Path, name: str) -> list[tuple[int, dict[str, str]]]:
    """(row number, cells by column) for each non-empty row; the header is row 1."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportInputError(
            f"{name}: not UTF-8 text; save the crosswalk as CSV (UTF-8) with the columns "
            "facility_code and/or facility_name and state, and ori"
        ) from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportInputError(f"{name}: not a readable CSV file ({exc})") from None
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise ImportInputError(f"{name}: the file is empty; expected a header row and rows")
    header = [" ".join(c.strip().lower().split()).replace(" ", "_") for c in records[0]]
    repeated = sorted({c for c in header if c and header.count(c) > 1})
    if repeated:
        raise ImportInputError(f"{name}: column {repeated[0]} appears twice in the header row")
    has = set(header)
    if "ori" not in has or not ("facility_code" in has or {"facility_name", "state"} <= has):
        raise ImportInputError(
            f"{name}: the header row needs the columns ori and facility_code, or ori, "
            f"facility_name and state (found: {', '.join(c for c in header if c) or 'none'})"
        )
    index = {c: i for i, c in enumerate(header) if c in COLUMNS}
    rows = []
    for number, record in enumerate(records[1:], start=2):
        cells = {c: (record[i].strip() if i < len(record) else "") for c, i in index.items()}
        rows.append((number, {c: cells.get(c, "") for c in COLUMNS}))
    return rows


def _name_key(name: str, state: str) -> tuple[str, str]:
    words = " ".join(name.upper().split())
    if state and words.endswith(f", {state}"):
        words = words[: -len(state) - 2].rstrip()
    return words, state


def check_rows(rows: list[tuple[int, dict[str, str]]]) -> tuple[list[Link], list[Reject]]:
    """Each row's facility and agency, or the problems of the rows that have any."""
    by_code: dict[str, list[Facility]] = defaultdict(list)
    by_name: dict[tuple[str, str], Facility] = {}
    for f in Facility.objects.select_related("agency").order_by("pk"):
        if f.code:
            by_code[f.code.upper()].append(f)
        by_name.setdefault(_name_key(f.name, f.state), f)
    oris = {cells["ori"].upper() for _, cells in rows if cells["ori"]}
    agencies = {a.ori: a for a in Agency.objects.filter(ori__in=sorted(oris))}

    links: list[Link] = []
    rejects: list[Reject] = []
    seen: dict[int, int] = {}  # facility pk -> first row naming it
    for row, cells in rows:
        problems = _Problems(row)
        code, name = cells["facility_code"], " ".join(cells["facility_name"].split())
        state, ori = cells["state"].upper(), cells["ori"].upper()
        if state and not STATE.match(state):
            problems.add("state", cells["state"], "not a two-letter state code, e.g. PA")
        facility: Facility | None = None
        if code:
            found = [f for f in by_code.get(code.upper(), []) if not state or f.state == state]
            if len(found) > 1:
                problems.add(
                    "facility_code",
                    code,
                    f"{len(found)} facilities have this code; give the state to choose one",
                )
            elif found:
                facility = found[0]
        if facility is None and name and state:
            facility = by_name.get(_name_key(name, state))
        if facility is None and not problems.items:
            if not code and not name:
                problems.add(
                    "facility_code", "", "no facility: give facility_code or facility_name"
                )
            elif not code and not state:
                problems.add("state", "", "a facility_name needs its state")
            elif code:
                also = f" nor a facility named {name!r} in {state}" if name and state else ""
                problems.add("facility_code", code, f"no facility has this code{also}")
            else:
                problems.add("facility_name", name, f"no facility of this name in {state}")
        agency: Agency | None = None
        if ori and not ORI.match(ori):
            problems.add(
                "ori", cells["ori"], "not an ORI (two letters and seven letters or digits)"
            )
        elif ori:
            agency = agencies.get(ori)
            if agency is None:
                problems.add("ori", ori, "no agency has this ORI; import the agency first")
        if facility is not None:
            refused = refusal(facility, agency)
            if refused is not None:
                problems.add("ori", ori, str(refused))
            first = seen.setdefault(facility.pk, row)
            if first != row:
                column, value = ("facility_code", code) if code else ("facility_name", name)
                problems.add(column, value, f"the same facility as row {first}")
        if problems.items:
            rejects.extend(problems.items)
        elif facility is not None:
            links.append(Link(row, facility, agency))
    return links, rejects


@dataclass
class _Problems:
    row: int
    items: list[Reject] = field(default_factory=list)

    def add(self, column: str, value: str, problem: str) -> None:
        self.items.append(Reject(self.row, column, value, problem))
