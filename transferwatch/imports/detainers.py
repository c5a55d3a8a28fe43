"""`transferwatch import detainers FILE`: an ICE detainer release into transfer requests.

All or nothing: the facilities, people, convictions and transfer requests of one file are written
in one transaction together with the import's finish (and its audit event). A file with any invalid
row imports nothing unless `skip_invalid`; the problems go to the import's rejects file.

Re-imports: a file whose bytes were imported before (same SHA-256) is recognised and writes
nothing (status "unchanged"). Otherwise each row's natural key (`releases.natural_key`: person
key, prepare date and facility, or every field of a release without person keys) is looked up: a
detainer already held, from any file or layout, is counted and not stored again. The message says
how many rows were new, already held and refused. `external_id` (`<first 12 hex digits of the file
hash>:<line>`) says which file and line a request came from.

Facilities are found by code or by (name, state), else created; new ones, and known ones with no
agency, are matched to an agency of their state by name (`match_agency`: the county name for
county jails). Federal prisons are never matched. Facilities left without an agency are listed in
the import's details and message.

Reading and mapping rows is in `releases.py`; this module does the database side.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from transferwatch.accounts.models import Area
from transferwatch.agencies.models import Agency, Facility
from transferwatch.imports import services
from transferwatch.imports.facility_names import (
    AgencyName,
    agency_name,
    facility_kind,
    match_agency,
)
from transferwatch.imports.layouts import layout_named
from transferwatch.imports.models import Import
from transferwatch.imports.rejects import Reject, write_rejects
from transferwatch.imports.release_rows import Mapper, Row, area_lookup
from transferwatch.imports.releases import format_error, read_table
from transferwatch.lib.bulk import insert_many
from transferwatch.transfers.models import Charge, Conviction, Person, TransferRequest

logger = logging.getLogger(__name__)

BATCH = 2000
SHOW_ERRORS = 20
LIST_IN_MESSAGE = 50

Progress = Callable[..., None]
T = TypeVar("T")


def import_detainers(
    path: Path,
    fmt: str | None = None,
    *,
    imp: Import | None = None,
    user: Any = None,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> Import:
    """Import one detainer release and return its finished Import.

    The layout is recognised from the header; `fmt` (a layout name of `layouts.LAYOUTS`), when
    given, must be the one recognised. `imp` is the record of an upload queued from the web;
    without it one is started here. Raises services.ImportInputError when the file is not a
    usable release (after finishing the Import as "failed" when there is one).
    """
    if imp is None:
        if not path.is_file():
            raise services.ImportInputError(f"{path}: no such file")
        if fmt and layout_named(fmt) is None:
            raise services.ImportInputError(format_error(path.name, fmt))
        imp = services.start(
            "detainers", path, user=user, file_format=fmt or "", skip_invalid=skip_invalid
        )
    # The layout first: a wrong --format is named as wrong before anything else.
    try:
        table = read_table(path, fmt or imp.file_format or None, name=imp.file_name)
    except services.ImportInputError as exc:
        services.finish(imp, "failed", message=str(exc))
        raise
    if imp.file_format != table.layout.name:
        Import.objects.filter(pk=imp.pk).update(file_format=table.layout.name)
        imp.file_format = table.layout.name
    earlier = services.already_imported(imp)
    if earlier is not None:
        return services.finish(
            imp,
            "unchanged",
            message=(
                f"{imp.file_name}: already imported (import {earlier.pk}, "
                f"{earlier.rows_accepted:,} rows); nothing written"
            ),
            details={"same_as": earlier.pk},
        )
    total = table.n_rows
    services.mark_running(imp, total)

    def report(done: int) -> None:
        services.progress(imp, done, total)
        if progress is not None:
            progress(done, total)

    areas = {area.code: area for area in Area.objects.all()}
    lookup = area_lookup((a.code, a.name) for a in areas.values())
    mapper = Mapper(table, lookup, timezone.localdate())
    rejects: list[Reject] = []
    written = Written(imp, areas)
    try:
        with transaction.atomic():
            # One pass: each chunk is checked, then written. A problem in a later chunk (or a
            # person key redacted throughout) undoes everything written before it.
            for rows, problems in mapper.chunks(BATCH, report):
                rejects.extend(problems)
                if rejects and not imp.skip_invalid:
                    continue  # nothing more is written; the rest is still checked, to list it
                written.valid += len(rows)
                written.add(rows)
            report(total)
            if rejects and (not imp.skip_invalid or not written.valid):
                raise _Refused
            bad_rows = len({(r.sheet, r.row) for r in rejects})
            first_errors = [r.describe(imp.file_name) for r in rejects[:SHOW_ERRORS]]
            if rejects:
                write_rejects(imp.rejects_path, rejects)
            return services.finish(
                imp,
                "done",
                accepted=written.requests,
                rejected=bad_rows,
                message=_message(
                    imp.file_name, total, written, bad_rows, dict(mapper.unknown_aors)
                ),
                details={
                    "layout": table.layout.name,
                    "sheets": [s.name for s in table.sheets if s.name],
                    "skipped_sheets": table.skipped_sheets,
                    "rows": {
                        "total": total,
                        "new": written.requests,
                        "held": written.held,
                        "refused": bad_rows,
                    },
                    "redacted": dict(mapper.redacted),
                    "first_errors": first_errors,
                    "problems": len(rejects),
                    "external_id_prefix": imp.file_hash[:12],
                    "unknown_aors": dict(mapper.unknown_aors),
                    **written.details(),
                },
            )
    except _Refused:
        bad_rows = len({(r.sheet, r.row) for r in rejects})
        write_rejects(imp.rejects_path, rejects)
        return services.finish(
            imp,
            "rejected",
            rejected=bad_rows,
            message=f"{imp.file_name}: {_rows(bad_rows, 'invalid row')}; nothing imported",
            details={
                "first_errors": [r.describe(imp.file_name) for r in rejects[:SHOW_ERRORS]],
                "problems": len(rejects),
            },
        )
    except services.ImportInputError as exc:
        services.finish(imp, "failed", message=str(exc))
        raise
    except DatabaseError as exc:
        logger.exception("detainer import %s failed", imp.pk)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return services.finish(
            imp,
            "failed",
            rejected=len({(r.sheet, r.row) for r in rejects}),
            message=f"{imp.file_name}: the database refused the import ({reason}); nothing imported",
        )


class _Refused(Exception):
    """Invalid rows and no --skip-invalid: roll back whatever was written."""


def _held(rows: list[Row]) -> set[str]:
    """The natural keys of `rows` that a stored request already has."""
    keys = sorted({row.natural_key for row in rows})
    held: set[str] = set()
    for chunk in _batched(keys, 2000):
        held.update(
            # the exclude names the unique index's condition, so SQLite can use that index
            # (without it every chunk scans the whole table: EXPLAIN QUERY PLAN shows SCAN)
            TransferRequest.objects.filter(natural_key__in=chunk)
            .exclude(natural_key="")
            .order_by()
            .values_list("natural_key", flat=True)
        )
    return held


class Written:
    """What an import has written so far, and what it knows across its chunks."""

    def __init__(self, imp: Import, areas: dict[str, Area]) -> None:
        self.imp = imp
        self.area_ids = {code: area.pk for code, area in areas.items()}
        self.prefix = imp.file_hash[:12]
        self.valid = self.requests = self.held = 0
        self.people_new = self.people_existing = self.convictions = self.charges = 0
        self.resolved: dict[tuple[str, str, str], Facility] = {}  # (name, code, state) ->
        self.report: dict[int, dict[str, Any]] = {}  # id(facility) -> its line in the report
        self.agencies = _Agencies()
        self.people: dict[str, int] = {}  # person key -> Person pk
        self.conviction_seen: set[tuple[int, Any, str]] = set()
        self.charge_seen: set[tuple[int, Any, str]] = set()

    @property
    def facilities(self) -> list[dict[str, Any]]:
        return sorted(self.report.values(), key=lambda f: (-f["count"], f["name"]))

    def add(self, rows: list[Row]) -> None:
        """Write one checked chunk: new detainers only, with their facilities and people."""
        held = _held(rows)
        new = [row for row in rows if row.natural_key not in held]
        self.held += len(rows) - len(new)
        if not new:
            return
        _facilities(new, self)
        _people(new, self)
        _convictions(new, self)
        _charges(new, self)
        _insert_requests([self.request(row) for row in new])
        self.requests += len(new)

    def request(self, row: Row) -> tuple[Any, ...]:
        facility = self.resolved[(row.facility_name, row.facility_code, row.state)]
        agency = facility.agency
        if row.aor:
            aor_id = self.area_ids[row.aor]
        elif agency is not None and agency.aor_id:
            aor_id = agency.aor_id
        else:
            aor_id = self.area_ids[row.state_aor]
        return (
            self.people.get(row.subject_key) if row.subject_key else None,
            row.request_type,
            row.form,
            connection.ops.adapt_datefield_value(row.request_date),
            aor_id,
            agency.pk if agency else None,
            facility.pk,
            json.dumps(list(row.probable_cause)),
            row.outcome,
            row.lift_reason,
            "import",
            # line, and the sheet after the first of a workbook: "<hash>:<line>[:<sheet>]"
            f"{self.prefix}:{row.line}" + (f":{row.sheet_no + 1}" if row.sheet_no else ""),
            self.imp.pk,
            json.dumps(row.details),
            row.natural_key,
            row.criminality,
            row.minor_charge,
            "",  # facts_missing: said by the classification that follows
            "received",
            None,
            "[]",
            "",
        )

    def count(self, **where: Any) -> int:
        return sum(1 for f in self.facilities if all(f[k] == v for k, v in where.items()))

    def unmatched(self) -> list[dict[str, Any]]:
        return [f for f in self.facilities if not f["agency"] and f["kind"] != "federal"]

    def details(self) -> dict[str, Any]:
        def entry(f: dict[str, Any]) -> dict[str, Any]:
            return {"name": f["name"], "state": f["state"], "count": f["count"], "why": f["why"]}

        return {
            "facilities": {
                "total": len(self.report),
                "new": self.count(new=True),
                "matched": sum(1 for f in self.facilities if f["agency"]),
                "linked": self.count(linked=True),
                "federal": self.count(kind="federal"),
                "unmatched": len(self.unmatched()),
            },
            "unmatched_facilities": [entry(f) for f in self.unmatched()],
            "federal_facilities": [
                {"name": f["name"], "state": f["state"], "count": f["count"]}
                for f in self.facilities
                if f["kind"] == "federal"
            ],
            "people": {"new": self.people_new, "existing": self.people_existing},
            "convictions": self.convictions,
            "charges": self.charges,
        }


REQUEST_COLUMNS = (
    "person_id", "request_type", "form", "request_date", "aor_id", "agency_id", "facility_id",
    "probable_cause", "outcome", "lift_reason", "source", "external_id", "imported_by_id",
    "details", "natural_key", "criminality", "minor_charge", "facts_missing", "review_status",
    "review_due", "inconsistencies", "decision",
)  # fmt: skip


def _insert_requests(batch: list[tuple[Any, ...]]) -> None:
    """A batch of new requests in one prepared INSERT (the ORM's per-object cost is the import's
    largest at national volume); every column of the table is given."""
    insert_many(TransferRequest, REQUEST_COLUMNS, batch)


def _facilities(rows: list[Row], written: Written) -> None:
    """Each (name, code, state) of the chunk -> a Facility, found by code or (name, state), else
    new; remembered for the following chunks.

    New facilities, and known ones whose agency is only suggested and missing, are matched to an
    agency of their state by name (county name for county jails); federal prisons never are.
    """
    counts = Counter((r.facility_name, r.facility_code, r.state) for r in rows)
    for key in [k for k in counts if k in written.resolved]:
        written.report[id(written.resolved[key])]["count"] += counts.pop(key)
    if not counts:
        return
    cities = {(r.facility_name, r.facility_code, r.state): r.city for r in reversed(rows)}
    names = {name for name, _, _ in counts}
    codes = {code for _, code, _ in counts if code}
    by_name: dict[tuple[str, str], Facility] = {}
    for chunk in _batched(sorted(names), 500):
        for f in Facility.objects.filter(name__in=chunk).select_related("agency"):
            by_name[(f.name, f.state)] = f
    by_code: dict[tuple[str, str], Facility] = {}
    for chunk in _batched(sorted(codes), 500):
        for f in Facility.objects.filter(code__in=chunk).select_related("agency").order_by("pk"):
            by_code.setdefault((f.code, f.state), f)
    for f in written.resolved.values():  # known to this import already, perhaps just created
        by_name.setdefault((f.name, f.state), f)
        if f.code:
            by_code.setdefault((f.code, f.state), f)
    report = written.report
    new: list[Facility] = []
    for key, count in counts.items():
        name, code, state = key
        facility = (by_code.get((code, state)) if code else None) or by_name.get((name, state))
        entry = report.get(id(facility)) if facility is not None else None
        if entry is None:
            entry = {"new": False, "linked": False, "why": "", "count": 0}
            if facility is None:
                kind = facility_kind(name)
                agency, entry["why"] = written.agencies.match(name, state, kind)
                facility = Facility(
                    name=name, code=code, city=cities[key], state=state, kind=kind, agency=agency
                )
                new.append(facility)
                by_name[(name, state)] = facility
                entry["new"] = True
            elif facility.agency_id is None and facility.agency_source == "suggested":
                # an analyst's or a crosswalk's "no agency" stands; a suggestion may be made anew
                agency, entry["why"] = written.agencies.match(name, state, facility.kind)
                if agency is not None:
                    facility.agency = agency
                    Facility.objects.filter(pk=facility.pk).update(agency=agency)
                    # its requests imported before the link follow it
                    TransferRequest.objects.filter(facility=facility, agency__isnull=True).update(
                        agency=agency
                    )
                    entry["linked"] = True
            elif facility.agency_id is None:
                entry["why"] = "no agency, as an analyst or a crosswalk decided"
            report[id(facility)] = entry
            entry.update(name=facility.name, state=facility.state, kind=facility.kind)
            entry["agency"] = facility.agency.name if facility.agency else ""
        entry["count"] += count
        written.resolved[key] = facility
    Facility.objects.bulk_create(new)


class _Agencies:
    """Agencies of a state, loaded once per state, with their names reduced for matching."""

    def __init__(self) -> None:
        self.by_state: dict[str, tuple[list[AgencyName], dict[int, Agency]]] = {}

    def match(self, name: str, state: str, kind: str) -> tuple[Agency | None, str]:
        if kind == "federal":
            return None, "federal"
        if not state:
            return None, "no state"
        if state not in self.by_state:
            agencies = {a.pk: a for a in Agency.objects.filter(state=state)}
            names = [agency_name(a.pk, a.name, state) for a in agencies.values()]
            self.by_state[state] = (names, agencies)
        names, agencies = self.by_state[state]
        pk, why = match_agency(name, state, names)
        return (agencies[pk] if pk is not None else None), why


def _people(rows: list[Row], written: Written) -> None:
    """One Person per person key: one met earlier in the file, an existing one, else a new one.

    The convictions and charges of people found in the database are loaded once, so that a
    conviction already held is not stored twice.
    """
    first: dict[str, Row] = {}
    for row in rows:
        if row.subject_key and row.subject_key not in written.people:
            first.setdefault(row.subject_key, row)
    found: dict[str, int] = {}
    for chunk in _batched(sorted(first), 2000):
        for pk, key in (
            Person.objects.filter(subject_key__in=chunk)
            .order_by("-pk")
            .values_list("pk", "subject_key")
        ):
            found[key] = pk  # the earliest person with the key wins (ordered newest first)
    written.people_existing += len(found)
    for chunk in _batched(sorted(found.values()), 2000):
        written.conviction_seen.update(
            Conviction.objects.filter(person_id__in=chunk).values_list(
                "person_id", "date", "description"
            )
        )
        written.charge_seen.update(
            Charge.objects.filter(person_id__in=chunk).values_list(
                "person_id", "date", "description"
            )
        )
    new = [
        Person(subject_key=key, birth_country=row.birth_country, citizenship=row.citizenship)
        for key, row in first.items()
        if key not in found
    ]
    Person.objects.bulk_create(new, batch_size=BATCH)
    if any(p.pk is None for p in new):  # databases that return no ids from a bulk insert
        keys = [p.subject_key for p in new]
        for chunk in _batched(keys, 2000):
            for pk, key in Person.objects.filter(subject_key__in=chunk).values_list(
                "pk", "subject_key"
            ):
                found.setdefault(key, pk)
    else:
        found.update((p.subject_key, p.pk) for p in new)
    written.people.update(found)
    written.people_new += len(new)


def _convictions(rows: list[Row], written: Written) -> None:
    """The most serious conviction of each row, once per person, date and description."""
    seen = written.conviction_seen
    new: list[Conviction] = []
    for row in rows:
        conviction = row.conviction
        if conviction is None or not row.subject_key:
            continue
        person = written.people[row.subject_key]
        key = (person, conviction.date, conviction.description)
        if key in seen:
            continue
        seen.add(key)
        new.append(
            Conviction(
                person_id=person,
                date=conviction.date,
                severity=conviction.severity,
                description=conviction.description,
                sentence_days=conviction.sentence_days,
                categories=list(conviction.categories),
            )
        )
    Conviction.objects.bulk_create(new, batch_size=BATCH)
    written.convictions += len(new)


def _charges(rows: list[Row], written: Written) -> None:
    """The most serious pending charge of each row (criminality 2), once per person and text."""
    seen = written.charge_seen
    new: list[Charge] = []
    for row in rows:
        charge = row.charge
        if charge is None or not row.subject_key:
            continue
        person = written.people[row.subject_key]
        day = charge.date or row.request_date
        key = (person, day, charge.description)
        if key in seen:
            continue
        seen.add(key)
        new.append(
            Charge(
                person_id=person,
                date=day,
                severity=charge.severity,
                description=charge.description,
                categories=list(charge.categories),
                status="pending",
            )
        )
    Charge.objects.bulk_create(new, batch_size=BATCH)
    written.charges += len(new)


def _message(
    file_name: str, total: int, written: Written, bad_rows: int, unknown_aors: dict[str, int]
) -> str:
    d = written.details()["facilities"]
    refused = f"{_rows(bad_rows, 'invalid row')} refused (see the rejects file)"
    text = (
        f"{file_name}: {_rows(total, 'row')}: {written.requests:,} new, "
        f"{written.held:,} already held, {refused if bad_rows else '0 refused'}"
    )
    if written.facilities:
        text += (
            f"; {d['total']} facilities ({d['new']} new): {d['matched']} with an agency, "
            f"{d['federal']} federal, {d['unmatched']} without an agency"
        )
    lines = [text]
    unmatched = written.unmatched()
    if unmatched:
        lines.append("facilities without an agency (rows):")
        lines += [
            f"  {f['name']}, {f['state'] or '--'} ({f['count']:,})"
            for f in unmatched[:LIST_IN_MESSAGE]
        ]
        if len(unmatched) > LIST_IN_MESSAGE:
            lines.append(
                f"  ... and {len(unmatched) - LIST_IN_MESSAGE} more (see the import's details)"
            )
    if unknown_aors:
        shown = ", ".join(f"{k!r} ({v:,})" for k, v in sorted(unknown_aors.items())[:10])
        lines.append(f"AOR values not recognised, the state's default AOR used: {shown}")
    return "\n".join(lines)


def _rows(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
