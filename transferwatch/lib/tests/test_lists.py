"""Every staff list that can grow: sortable columns, pages, and CSV/Excel exports.

Per list: scope (an ICE field reviewer of one area never gets another area's rows), masking of
personal fields unless the role may reveal them, one audit event per export (list, filters, row
count, format; no personal data), the page's filters and order applied, formula neutralising,
sorting by every column through an allow-list with `aria-sort`, pages that keep filters and
sort, and query counts that do not grow with rows (lib/listing.py, lib/exports.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import fastexcel
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from transferwatch.accounts.models import Area
from transferwatch.agencies.models import Agency, Facility
from transferwatch.audit.models import Event
from transferwatch.audit.services import record
from transferwatch.cases.models import Allegation, Inquiry
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for, make_user
from transferwatch.discretion.models import PDRequest
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.lib import exports
from transferwatch.lib.listing import Column, Sorting
from transferwatch.lib.tests.conftest import FORMULA
from transferwatch.transfers.models import Person, TransferRequest

NEUTRALISED = "'" + FORMULA


# ------------------------------------------------------------------------ reading exports


def body(response: Any) -> bytes:
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")  # so that Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


def xlsx_rows(response: Any) -> list[dict[str, Any]]:
    assert response["Content-Type"] == exports.FORMATS["xlsx"][0]
    sheet = fastexcel.read_excel(body(response)).load_sheet(0)
    frame = sheet.to_polars()
    return [dict(row) for row in frame.iter_rows(named=True)]


def export(client: Any, url: str, fmt: str = "csv", **params: str) -> list[dict[str, Any]]:
    response = client.get(url, {**params, "export": fmt})
    return csv_rows(response) if fmt == "csv" else xlsx_rows(response)


def export_events() -> list[Event]:
    return list(Event.objects.filter(action__startswith="exports.").order_by("seq"))


# ------------------------------------------------------------------------ a small world


def reader_without_reveal(*perms: str, areas: tuple[str, ...] = ()) -> Any:
    """A user holding only the view permissions (no role, so scoped to `areas`)."""
    user = make_user("viewer", None, areas)
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


# ------------------------------------------------------------------------ the lists


@dataclass(frozen=True)
class StaffList:
    url: str
    user: str  # a conftest user fixture that may see the list
    first_column: str  # the export's first header (the record's id)
    make: Callable[[int], None]  # adds n rows the user sees
    per_page: int = 50
    ident: Callable[[Any], str] = lambda row: str(row.pk)  # the first column's value


def _phi() -> Area:
    return Area.objects.get(code="PHI")


def _agency() -> Agency:
    return Agency.objects.get(ori="PA0460000")


def make_transfers(n: int) -> None:
    agency = _agency()
    TransferRequest.objects.bulk_create(
        TransferRequest(
            request_type=("detainer", "notification")[i % 2],
            request_date=date(2016, 1, 1) + timedelta(days=i % 7),
            aor=agency.aor,
            agency=agency,
            person=Person.objects.create(name=f"P{i}"),
        )
        for i in range(n)
    )


def make_queue(n: int) -> None:
    """Requests in review in PHI (the PHI field reviewer's queue), some due on the same day."""
    agency = _agency()
    TransferRequest.objects.bulk_create(
        TransferRequest(
            request_type="detainer",
            request_date=date(2016, 1, 1),
            aor=agency.aor,
            agency=agency,
            review_status="in_review",
            review_due=date(2016, 2, 1) + timedelta(days=i % 3),
        )
        for i in range(n)
    )


def make_messages(n: int) -> None:
    from django.contrib.contenttypes.models import ContentType

    from transferwatch.notifications.models import Message

    kind = ContentType.objects.get_for_model(Escalation)
    Message.objects.bulk_create(
        Message(
            kind="letter",
            content_type=kind,
            object_id=1,
            record_number=f"CRCL-E-2015-{i % 3:06d}",
            to=["crt@example.gov"],
            subject=FORMULA if i == 0 else f"Letter {i % 4}",
            body="b",
            status=("sent", "failed")[i % 2],
        )
        for i in range(n)
    )


def make_allegations(n: int) -> None:
    now = timezone.now()
    start = Allegation.objects.count()
    Allegation.objects.bulk_create(
        Allegation(
            number=f"CRCL-A-2015-{start + i:06d}",
            source="public",
            channel="web",
            types=["profiling_race"],
            agency=_agency(),
            status=("received", "triaged")[i % 2],
            received_at=now - timedelta(days=i % 5),
            due_at=now,
        )
        for i in range(n)
    )


def make_inquiries(n: int) -> None:
    allegation = Allegation.objects.first()
    start = Inquiry.objects.count()
    Inquiry.objects.bulk_create(
        Inquiry(
            number=f"CRCL-I-2015-{start + i:06d}",
            allegation=allegation,
            agency=_agency(),
            status=("open", "investigating")[i % 2],
        )
        for i in range(n)
    )


def make_pd_requests(n: int) -> None:
    first = PDRequest.objects.filter(aor__code="PHI").first()
    assert first is not None
    start = PDRequest.objects.count()
    PDRequest.objects.bulk_create(
        PDRequest(
            number=f"CRCL-PD-2015-{start + i:06d}",
            inquiry=first.inquiry,
            person=first.person,
            aor=first.aor,
            status=("submitted", "field_review")[i % 2],
            submitted_at=first.submitted_at,
            agency_conduct="x",
            created_by=first.created_by,
        )
        for i in range(n)
    )


def make_letters(n: int) -> None:
    user = Inquiry.objects.first().investigator  # type: ignore[union-attr]
    start = Escalation.objects.count()
    Escalation.objects.bulk_create(
        Escalation(
            number=f"CRCL-E-2015-{start + i:06d}",
            kind=("doj", "leadership")[i % 2],
            agency=_agency(),
            recipient="r",
            subject=f"Letter {i % 3}",
            concerns="c",
            reasons="r",
            created_by=user,
        )
        for i in range(n)
    )


def make_measures(n: int) -> None:
    user = Inquiry.objects.first().investigator  # type: ignore[union-attr]
    RemedialMeasure.objects.bulk_create(
        RemedialMeasure(
            agency=_agency(),
            kind="training",
            description="d",
            owner=f"Owner {i % 3}",
            due_date=date(2031, 1, 1) + timedelta(days=i % 4),
            created_by=user,
        )
        for i in range(n)
    )


def make_events(n: int) -> None:
    for i in range(n):
        record("tests.row", object_type="tests", object_id=str(i % 3))


def make_agencies(n: int) -> None:
    start = Agency.objects.count()
    Agency.objects.bulk_create(
        Agency(ori=f"PA{start + i:05d}00", name=f"Agency {i % 4}", state="PA", aor=_phi())
        for i in range(n)
    )


def make_facilities(n: int) -> None:
    start = Facility.objects.count()
    Facility.objects.bulk_create(
        Facility(name=f"JAIL {start + i:04d}", state="PA", agency=_agency() if i % 2 else None)
        for i in range(n)
    )


LISTS = {
    "transfers": StaffList(reverse("transfer_list"), "investigator", "Request", make_transfers),
    "review queue": StaffList(reverse("review_queue"), "field_phi", "Request", make_queue),
    "allegations": StaffList(
        reverse("allegation_list"),
        "investigator",
        "Record",
        make_allegations,
        ident=lambda a: a.number,
    ),
    "inquiries": StaffList(
        reverse("inquiry_list") + "?show=all",
        "investigator",
        "Inquiry",
        make_inquiries,
        ident=lambda i: i.number,
    ),
    "pd": StaffList(
        reverse("pd_list"), "investigator", "Request", make_pd_requests, ident=lambda p: p.number
    ),
    "letters": StaffList(
        reverse("escalation_list"), "supervisor", "Number", make_letters, ident=lambda e: e.number
    ),
    "measures": StaffList(reverse("measure_list"), "supervisor", "Measure", make_measures),
    "audit": StaffList(
        reverse("audit_log"), "auditor", "#", make_events, per_page=100, ident=lambda e: str(e.seq)
    ),
    "outbox": StaffList(reverse("outbox"), "supervisor", "Message", make_messages),
    "agencies": StaffList(
        reverse("agency_list"), "analyst", "ORI", make_agencies, ident=lambda a: a.ori
    ),
    "facilities": StaffList(
        reverse("facility_list"), "analyst", "Facility", make_facilities, ident=lambda f: f.name
    ),
}


def url_with(entry: StaffList, **params: str) -> tuple[str, dict[str, str]]:
    """The list's path and its query (the inquiry list's `show` is part of the entry)."""
    path, _, fixed = entry.url.partition("?")
    query = dict(p.split("=") for p in fixed.split("&") if p)
    return path, {**query, **params}


def user_for(request: pytest.FixtureRequest, entry: StaffList) -> Any:
    return request.getfixturevalue(entry.user)


# ------------------------------------------------------------------------ the shared parts


def test_sorting_takes_only_its_own_columns() -> None:
    sorting = Sorting([Column("a", "A", ("name",)), Column("n", "N", ("n",), numeric=True)], "a")
    assert sorting.parse("-n") == "-n"
    for raw in ("", None, "password", "-password", "name", "a;drop", "--a", "agency__name"):
        assert sorting.parse(raw) == "a"
    fields = [str(f) for f in sorting.order_by("-n")]
    assert "F(n)" in fields[0] and "descending=True" in fields[0] and "F(pk)" in fields[-1]
    with pytest.raises(ValueError, match="not a sortable column"):
        Sorting([Column("a", "A")], "a")


def test_cells_that_start_a_formula_are_neutralised() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert exports.neutralise(text) == "'" + text
    for text in ("plain", "1-2", "a=b", ""):
        assert exports.neutralise(text) == text


def test_filters_recorded_leave_out_long_numbers() -> None:
    assert exports._scrub("A099912345") == "A[number left out]"
    assert exports._scrub("PA0460000") == "PA0460000"  # an ORI has seven digits


@pytest.mark.parametrize("name", LISTS)
def test_every_list_sorts_by_each_column_with_aria_sort(
    name: str, request: pytest.FixtureRequest, world: dict[str, Any]
) -> None:
    entry = LISTS[name]
    client = client_for(user_for(request, entry))
    path, query = url_with(entry)
    page = client.get(path, query)
    assert page.status_code == 200
    headers = page.context["headers"]
    sortable = [h for h in headers if h["url"]]
    assert len(sortable) >= 3
    html = page.content.decode()
    assert html.count("aria-sort=") == 1  # the default sort's column
    for header in sortable:
        for direction in ("", "-"):
            response = client.get(path, {**query, "sort": direction + header["key"]})
            assert response.status_code == 200
            assert response.context["sort"] == direction + header["key"]
            expected = "descending" if direction else "ascending"
            assert f'aria-sort="{expected}"' in response.content.decode()
    # Anything else is the default order, never an error or a raw ORDER BY.
    for raw in ("password", "-id;drop", "agency__name", "__class__"):
        response = client.get(path, {**query, "sort": raw})
        assert response.status_code == 200 and response.context["sort"] == page.context["sort"]


@pytest.mark.parametrize("name", LISTS)
def test_every_list_pages_keeping_filters_and_sort_in_a_stable_order(
    name: str, request: pytest.FixtureRequest, world: dict[str, Any]
) -> None:
    entry = LISTS[name]
    entry.make(entry.per_page + 15)
    client = client_for(user_for(request, entry))
    path, query = url_with(entry)
    for header in client.get(path, query).context["headers"]:
        if not header["url"]:
            continue
        sort = header["key"]
        first = client.get(path, {**query, "sort": sort})
        page = first.context["page"]
        assert page.paginator.num_pages >= 2
        links = first.content.decode()
        assert f"sort={sort}&amp;page=2" in links
        for key, value in query.items():
            assert f"{key}={value}" in links
        second = client.get(path, {**query, "sort": sort, "page": "2"})
        ids = [r.pk for r in page.object_list] + [r.pk for r in second.context["page"].object_list]
        # Equal values keep one order: two pages never share a row nor lose one.
        assert len(ids) == len(set(ids))
        every = [
            r.pk
            for n in range(1, page.paginator.num_pages + 1)
            for r in client.get(path, {**query, "sort": sort, "page": str(n)}).context["page"]
        ]
        assert len(every) == len(set(every)) == page.paginator.count


@pytest.mark.parametrize("name", LISTS)
def test_every_list_page_runs_a_fixed_number_of_queries(
    name: str, request: pytest.FixtureRequest, world: dict[str, Any]
) -> None:
    entry = LISTS[name]
    client = client_for(user_for(request, entry))
    path, query = url_with(entry)
    entry.make(3)
    client.get(path, query)

    def queries(**extra: str) -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(path, {**query, **extra})
            if "export" in extra:
                body(response)
            else:
                assert response.status_code == 200
        return len(context)

    page, csv_file, xlsx_file = queries(), queries(export="csv"), queries(export="xlsx")
    entry.make(40)
    assert queries() == page
    assert queries(export="csv") == csv_file
    assert queries(export="xlsx") == xlsx_file


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_is_the_page_in_its_order_audited_once_and_neutralised(
    name: str, fmt: str, request: pytest.FixtureRequest, world: dict[str, Any]
) -> None:
    entry = LISTS[name]
    entry.make(5)
    client = client_for(user_for(request, entry))
    path, query = url_with(entry)
    page = client.get(path, query)
    sortable = [h["key"] for h in page.context["headers"] if h["url"]]
    sort = "-" + sortable[1]
    shown = client.get(path, {**query, "sort": sort}).context["page"]
    before = len(export_events())
    rows = export(client, path, fmt, **query, sort=sort)
    assert len(rows) == shown.paginator.count
    # The same rows in the same order as the page (the record's id is the first column).
    firsts = [str(r[entry.first_column]).removesuffix(".0") for r in rows]
    assert firsts[: len(shown.object_list)] == [
        exports.neutralise(entry.ident(row)) for row in shown.object_list
    ]
    events = export_events()
    assert len(events) == before + 1
    event = events[-1]
    assert event.object_type == "export"
    assert event.changes["format"] == fmt
    assert event.changes["rows"] == len(rows)
    assert event.changes["sort"] == sort
    assert event.actor == user_for(request, entry)
    text = json.dumps(event.changes)
    assert CANARY_NAME not in text and CANARY_A_NUMBER not in text
    cells = [str(v) for r in rows for v in r.values()]
    assert not any(c.startswith(exports.FORMULA_START) for c in cells)
    if name != "pd":  # a PD request's formula is in a name its reader may not see
        assert NEUTRALISED in cells or any(c.startswith("'=") for c in cells)
