"""The search box: what each role finds, the jump to an exact record, and audited person matches.

Runs on SQLite and on PostgreSQL (CI runs the suite on both): the same queries give the same
answers whether names are matched by full-text search or by the SQLite fallback.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from transferwatch.agencies.models import Agency, Facility
from transferwatch.audit.models import Event
from transferwatch.cases import services as case_services
from transferwatch.cases.models import Allegation, Inquiry
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for
from transferwatch.discretion.models import PDRequest
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.meetings.models import Meeting
from transferwatch.search import services
from transferwatch.search.query import parse

SEARCH = "/search/"


def search(user: Any, q: str) -> Any:
    return client_for(user).post(SEARCH, {"q": q})


def html(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return str(response.content.decode())


def reveals(action: str = "transfers.person.revealed") -> list[Event]:
    return list(Event.objects.filter(action=action))


def public_allegation(agency: Any, **person: Any) -> Allegation:
    people = [case_services.PersonData(**person)] if person else []
    allegation, _ = case_services.create_allegation(
        case_services.AllegationData(
            source="public",
            channel="web",
            types=["profiling_ethnicity"],
            agency=agency,
            agency_text=agency.name,
            narrative="Stopped for a tail light.",
            people=people,
        ),
        None,
    )
    return allegation


@pytest.fixture
def allegation(phi_agency: Agency) -> Allegation:
    return public_allegation(
        phi_agency, name=CANARY_NAME, a_number=CANARY_A_NUMBER, birth_date=date(1988, 4, 3)
    )


@pytest.fixture
def casework(allegation: Allegation, phi_request: Any, supervisor: Any) -> dict[str, Any]:
    """One record of each numbered kind, the PD request sent to ICE."""
    inquiry = Inquiry.objects.create(allegation=allegation)
    pd = PDRequest.objects.create(
        inquiry=inquiry,
        person=phi_request.person,
        transfer=phi_request,
        aor=phi_request.aor,
        agency_conduct="Held past release.",
        created_by=supervisor,
        status="submitted",
        submitted_at=allegation.received_at,
    )
    escalation = Escalation.objects.create(
        kind="doj",
        agency=allegation.agency,
        recipient="Assistant Attorney General",
        subject="Referral",
        concerns="Pattern.",
        reasons="Findings.",
        created_by=supervisor,
    )
    measure = RemedialMeasure.objects.create(
        agency=allegation.agency,
        kind="training",
        description="Train the deputies.",
        owner="Sheriff",
        due_date=date(2026, 1, 1),
        created_by=supervisor,
    )
    meeting = Meeting.objects.create(
        quarter="2015Q3", date=date(2015, 10, 15), created_by=supervisor
    )
    return {
        "allegation": allegation,
        "inquiry": inquiry,
        "pd": pd,
        "escalation": escalation,
        "measure": measure,
        "meeting": meeting,
    }


# --- record numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "typed", "url"),
    [
        ("allegation", lambda r: r.number, lambda r: reverse("allegation_detail", args=[r.number])),
        (
            "inquiry",
            lambda r: r.number.lower(),
            lambda r: reverse("inquiry_detail", args=[r.number]),
        ),
        (
            "pd",
            lambda r: r.number.removeprefix("CRCL-"),
            lambda r: reverse("pd_detail", args=[r.pk]),
        ),
        (
            "escalation",
            lambda r: r.number.rsplit("-", 1)[0] + "-" + str(int(r.number.rsplit("-", 1)[1])),
            lambda r: reverse("escalation_detail", args=[r.pk]),
        ),
        ("measure", lambda r: f"measure {r.pk}", lambda r: reverse("measure_detail", args=[r.pk])),
        ("meeting", lambda r: r.quarter, lambda r: reverse("meeting_detail", args=[r.pk])),
    ],
)
def test_an_exact_record_number_opens_the_record(
    supervisor: Any, casework: dict[str, Any], key: str, typed: Any, url: Any
) -> None:
    record = casework[key]
    response = search(supervisor, typed(record))
    assert response.status_code == 302
    assert response["Location"] == url(record)


def test_a_year_of_numbers_is_a_list_not_a_jump(investigator: Any, phi_agency: Agency) -> None:
    first = public_allegation(phi_agency)
    second = public_allegation(phi_agency)
    page = html(search(investigator, first.number.rsplit("-", 1)[0]))
    assert first.number in page and second.number in page and "2 found" in page


def test_a_record_outside_the_users_scope_is_not_found(
    field_phi: Any, allegation: Allegation, officer_allegation: Allegation
) -> None:
    # An ICE officer sees only the allegations they reported.
    page = html(search(field_phi, allegation.number))
    assert reverse("allegation_detail", args=[allegation.number]) not in page
    assert "Nothing found" in page
    response = search(field_phi, officer_allegation.number)
    assert response["Location"] == reverse("allegation_detail", args=[officer_allegation.number])


@pytest.fixture
def officer_allegation(phi_agency: Agency, field_phi: Any) -> Allegation:
    allegation, _ = case_services.create_allegation(
        case_services.AllegationData(
            source="ice_officer", channel="ice_form", types=["systems_misuse"], agency=phi_agency
        ),
        field_phi,
    )
    return allegation


def test_a_transfer_request_by_number_within_the_reviewers_areas(
    field_phi: Any, field_nyc: Any, phi_request: Any
) -> None:
    assert search(field_phi, f"#{phi_request.pk}")["Location"] == reverse(
        "transfer_detail", args=[phi_request.pk]
    )
    page = html(search(field_nyc, f"#{phi_request.pk}"))
    assert "Nothing found" in page


def test_the_same_number_of_two_kinds_is_a_list(supervisor: Any, phi_request: Any) -> None:
    from transferwatch.transfers.models import TransferRequest

    TransferRequest.objects.filter(pk=phi_request.pk).update(id=9001)
    RemedialMeasure.objects.create(
        id=9001,
        agency=phi_request.agency,
        kind="training",
        description="Train the deputies.",
        owner="Sheriff",
        due_date=date(2026, 1, 1),
        created_by=supervisor,
    )
    page = html(search(supervisor, "#9001"))
    assert "Transfer request #9001" in page and "Remedial measure #9001" in page


def test_draft_pd_requests_are_not_found_by_ice(
    hq: Any, casework: dict[str, Any], supervisor: Any
) -> None:
    pd = casework["pd"]
    assert search(hq, pd.number).status_code == 302
    PDRequest.objects.filter(pk=pd.pk).update(status="draft", submitted_at=None)
    assert "Nothing found" in html(search(hq, pd.number))


# --- agencies and facilities ---------------------------------------------------------------


def test_agencies_by_the_start_of_words_in_their_names(
    analyst: Any, phi_agency: Agency, nyc_agency: Agency
) -> None:
    page = html(search(analyst, "montgomery sher"))
    assert "Montgomery County Sheriff" in page and "Nassau" not in page
    assert "Montgomery County Sheriff" in html(search(analyst, "SHERIFF county"))
    # Words are matched from their start, on both databases.
    assert "Nothing found" in html(search(analyst, "ontgomery"))
    assert "Nothing found" in html(search(analyst, "montgomery police"))


def test_an_agency_by_ori(analyst: Any, phi_agency: Agency) -> None:
    response = search(analyst, phi_agency.ori.lower())
    assert response["Location"] == reverse("agency_detail", args=[phi_agency.ori])
    assert "Montgomery County Sheriff" in html(search(analyst, phi_agency.ori[:5]))


def test_a_field_reviewer_finds_only_agencies_of_their_areas(
    field_nyc: Any, phi_agency: Agency, nyc_agency: Agency
) -> None:
    assert "Nothing found" in html(search(field_nyc, "montgomery"))
    assert "Nothing found" in html(search(field_nyc, phi_agency.ori))
    assert "Nassau County Police" in html(search(field_nyc, "nassau"))


def test_facilities_by_name_and_code(analyst: Any, field_phi: Any, phi_agency: Agency) -> None:
    facility = Facility.objects.get()
    Facility.objects.filter(pk=facility.pk).update(code="MONTGPA")
    page = html(search(analyst, "cnty jail"))
    assert "MONTGOMERY CNTY JAIL" in page
    assert reverse("facility_detail", args=[facility.pk]) in page
    assert "MONTGOMERY CNTY JAIL" in html(search(analyst, "montgpa"))
    # A field reviewer may not edit the crosswalk: the facility links to its agency.
    page = html(search(field_phi, "cnty jail"))
    assert reverse("agency_detail", args=[phi_agency.ori]) in page
    assert reverse("facility_detail", args=[facility.pk]) not in page


@pytest.mark.parametrize(
    ("name", "typed", "found"),
    [
        ("Wilkes-Barre City Police", "barre", True),
        ("Wilkes-Barre City Police", "wilkes barre", True),
        ("O'Brien County Sheriff", "brien", True),
        ("O'Brien County Sheriff", "o'brien", True),
        ("12th District Police", "12t district", True),
        ("Bureau 12 of Police", "bureau 2", False),
        ("Doña Ana County Sheriff", "doña", True),
        ("DOÑA ANA COUNTY", "doña ana", True),
        ("Plain Township Police", "township plain", True),
        ("Plain Township Police", "ship", False),
    ],
)
def test_name_words_match_alike_on_every_database(
    analyst: Any, name: str, typed: str, found: bool
) -> None:
    Agency.objects.create(ori="PA9999999", name=name, state="PA")
    assert (escape(name) in html(search(analyst, typed))) is found


# --- people -------------------------------------------------------------------------------


def test_a_person_by_a_number_is_found_masked_and_audited(
    investigator: Any, phi_request: Any
) -> None:
    person = phi_request.person
    for typed in ("A" + CANARY_A_NUMBER, "a 0999-123-45", CANARY_A_NUMBER[1:]):
        page = html(search(investigator, typed))
        assert f"Person {person.pk}" in page
        assert reverse("person_detail", args=[person.pk]) in page
        assert CANARY_NAME not in page and CANARY_A_NUMBER not in page and "1988" not in page
    events = reveals()
    assert len(events) == 3
    assert {(e.object_type, e.object_id, e.actor_name) for e in events} == {
        ("transfers.person", str(person.pk), "ivan")
    }
    assert events[0].changes == {"fields": ["a_number"], "via": "search"}


def test_a_person_match_is_never_a_jump(investigator: Any, phi_request: Any) -> None:
    assert search(investigator, CANARY_A_NUMBER).status_code == 200


def test_a_person_by_name_and_date_of_birth(investigator: Any, phi_request: Any) -> None:
    person = phi_request.person
    for typed in ("canaryname zyxwvut 04/03/1988", "Zyxwvut Canaryname 1988-04-03"):
        assert f"Person {person.pk}" in html(search(investigator, typed))
    assert reveals()[0].changes == {"fields": ["name", "birth_date"], "via": "search"}
    # Another date, part of a word, or one word of a two-word name: nobody.
    for typed in (
        "Zyxwvut Canaryname 1988-04-04",
        "Zyxw Canaryname 1988-04-03",
        "Zyxwvut 1988-04-03",
    ):
        assert f"Person {person.pk}" not in html(search(investigator, typed))
    assert len(reveals()) == 2
    assert len(reveals("search.people.no_match")) == 3


def test_a_search_that_finds_nobody_is_recorded_without_the_query(
    investigator: Any, phi_request: Any
) -> None:
    html(search(investigator, "A012345678"))
    (event,) = reveals("search.people.no_match")
    assert event.changes == {"by": "a_number"} and event.actor_name == "ivan"
    assert "12345678" not in str(Event.objects.values_list("changes", "object_id"))


def test_roles_that_may_not_see_people_do_not_search_them(
    analyst: Any, leadership: Any, phi_request: Any
) -> None:
    for user in (analyst, leadership):
        page = html(search(user, CANARY_A_NUMBER))
        assert "Looking people up is not part of your role" in page
        assert f"Person {phi_request.person_id}" not in page
    assert not Event.objects.filter(action__startswith="search.").exists()
    assert not reveals()


def test_a_field_reviewer_finds_people_only_in_their_areas(
    field_phi: Any, field_nyc: Any, phi_request: Any
) -> None:
    assert f"Person {phi_request.person_id}" in html(search(field_phi, CANARY_A_NUMBER))
    assert f"Person {phi_request.person_id}" not in html(search(field_nyc, CANARY_A_NUMBER))
    assert [e.actor_name for e in reveals()] == ["phil"]
    assert [e.actor_name for e in reveals("search.people.no_match")] == ["nia"]


def test_allegations_naming_the_person_are_found_for_casework(
    investigator: Any, opla: Any, allegation: Allegation
) -> None:
    page = html(search(investigator, "A" + CANARY_A_NUMBER))
    assert "Allegations naming the person" in page and allegation.number in page
    (event,) = reveals("cases.allegation.people_revealed")
    assert event.object_id == str(allegation.pk)
    assert event.changes == {"fields": ["a_number"], "via": "search"}
    # OPLA may see people, not allegations.
    assert allegation.number not in html(search(opla, CANARY_A_NUMBER))


def test_a_person_query_is_not_written_back_into_the_page(
    investigator: Any, phi_request: Any
) -> None:
    page = html(search(investigator, "Zyxwvut Canaryname 1988-04-03"))
    assert "Zyxwvut" not in page and "Canaryname" not in page


# --- the page -----------------------------------------------------------------------------


def test_get_shows_the_form_and_searches_nothing(investigator: Any, phi_request: Any) -> None:
    page = html(client_for(investigator).get(SEARCH, {"q": CANARY_A_NUMBER}))
    assert 'name="q"' in page and f"Person {phi_request.person_id}" not in page
    assert not Event.objects.filter(action__startswith="search.").exists() and not reveals()


def test_the_header_has_a_labelled_search_box_for_staff(analyst: Any, auditor: Any) -> None:
    page = html(client_for(analyst).get("/"))
    assert 'role="search"' in page and 'for="tw-search-box"' in page
    assert f'action="{SEARCH}"' in page and 'method="post"' in page
    assert "A-number" not in page.split('for="tw-search-box"')[1].split("</label>")[0]
    # The auditor has nothing to search (only the audit log).
    assert 'id="tw-search-box"' not in html(client_for(auditor).get("/"))
    assert client_for(auditor).post(SEARCH, {"q": "x"}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client: Any, db: Any) -> None:
    response = client.post(SEARCH, {"q": "CRCL-A-2025-000001"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("typed", ["", "   ", "&|!:*", "x" * 500, "'; DROP TABLE x; --"])
def test_odd_queries_answer_plainly(analyst: Any, typed: str) -> None:
    assert search(analyst, typed).status_code == 200


def test_more_than_a_page_says_so(analyst: Any) -> None:
    Agency.objects.bulk_create(
        Agency(ori=f"PA{n:07d}", name=f"Township {n} Police", state="PA") for n in range(25)
    )
    page = html(search(analyst, "township"))
    assert f"{services.LIMIT} found" in page and "Only the first 20 are shown" in page


# --- PostgreSQL: the indexes serve the queries --------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_postgresql_plans_use_the_search_indexes(analyst: Any, investigator: Any) -> None:
    agencies = services.words_filter(Agency.objects.all(), "name", parse("montgomery").words)
    people = services.Person.objects.filter(birth_date=date(1988, 4, 3))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = {}
        for name, qs in (("agency", agencies), ("person", people)):
            sql, params = qs.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plans[name] = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_agency_name_fts" in plans["agency"], plans["agency"]
    assert "search_person_birth_date" in plans["person"], plans["person"]


def test_names_with_accents_match_in_any_case_on_every_database(
    investigator: Any, phi_request: Any
) -> None:
    from transferwatch.transfers.models import Person

    Person.objects.filter(pk=phi_request.person_id).update(name="JOSÉ ÁLVAREZ NÚÑEZ")
    page = html(search(investigator, "josé álvarez 1988-04-03"))
    assert f"Person {phi_request.person_id}" in page
