"""Facilities to agencies: the page, confirming and changing links, federal prisons, the counts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from transferwatch.accounts.models import Area
from transferwatch.agencies.crosswalk import CrosswalkRefused, coverage, set_facility_agency
from transferwatch.agencies.models import Agency, Facility
from transferwatch.audit.models import Event
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for
from transferwatch.transfers.models import TransferRequest

LIST = reverse("facility_list")


def requests_at(facility: Facility | None, agency: Agency | None, n: int, **extra: Any) -> None:
    area = Area.objects.get(code="PHI")
    TransferRequest.objects.bulk_create(
        TransferRequest(
            request_type="detainer",
            request_date=date(2015, 8, 1),
            aor=area,
            agency=agency,
            facility=facility,
            **{"source": "import", **extra},
        )
        for _ in range(n)
    )


@pytest.fixture
def world(phi_agency: Agency, nyc_agency: Agency, phi_request: TransferRequest) -> dict[str, Any]:
    """A suggested jail with 4 requests (1 entered by hand), an unmatched jail, a federal prison."""
    jail = phi_agency.facilities.get()  # suggested (the default), holds phi_request
    requests_at(jail, phi_agency, 2)
    # Entered by hand for another agency: keeps its agency whatever happens to the facility.
    requests_at(jail, nyc_agency, 1, source="manual")
    bucks = Facility.objects.create(name="BUCKS CNTY JAIL", code="BUCKSPA", state="PA")
    requests_at(bucks, None, 5)
    federal = Facility.objects.create(name="LEWISBURG U.S. PEN", state="PA", kind="federal")
    requests_at(federal, None, 3)
    requests_at(None, None, 1)
    return {"jail": jail, "bucks": bucks, "federal": federal}


# ---------------------------------------------------------------- who may open the page


@pytest.mark.parametrize("role", ["analyst", "supervisor"])
def test_crcl_analysts_and_supervisors_open_the_page(
    request: pytest.FixtureRequest, role: str, world: dict[str, Any]
) -> None:
    client = client_for(request.getfixturevalue(role))
    assert client.get(LIST).status_code == 200
    assert client.get(world["bucks"].get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "role", ["investigator", "field_phi", "hq", "opla", "leadership", "outsider"]
)
def test_other_roles_get_404_and_change_nothing(
    request: pytest.FixtureRequest, role: str, world: dict[str, Any], nyc_agency: Agency
) -> None:
    client = client_for(request.getfixturevalue(role))
    url = world["bucks"].get_absolute_url()
    assert client.get(LIST).status_code == 404
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "set", "agency": nyc_agency.ori}).status_code == 404
    world["bucks"].refresh_from_db()
    assert world["bucks"].agency is None
    assert not Event.objects.filter(action__startswith="agencies.facility").exists()


def test_anonymous_visitors_are_sent_to_login(world: dict[str, Any]) -> None:
    response = Client().get(LIST)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------- the counts


def test_the_unmatched_count_equals_the_detainers_without_an_agency(
    analyst: Any, world: dict[str, Any]
) -> None:
    counts = coverage(TransferRequest.objects.all())
    at_unmatched = TransferRequest.objects.filter(
        agency__isnull=True, facility__agency__isnull=True, facility__isnull=False
    ).exclude(facility__kind="federal")
    assert counts.unmatched_facilities == 1
    assert counts.unmatched_requests == at_unmatched.count() == 5
    assert counts.suggested_facilities == 1 and counts.suggested_requests == 4
    assert (counts.federal_facilities, counts.federal_requests) == (1, 3)
    assert counts.no_facility_requests == 1 and counts.stale_requests == 0
    without = TransferRequest.objects.filter(agency__isnull=True).count()
    assert counts.requests_without_agency == without == 5 + 3 + 1
    page = client_for(analyst).get(LIST).content.decode()
    assert "1 facility, 5 detainers left out of monitoring" in page
    assert "1 suggested link awaiting confirmation" in page
    assert "9 transfer requests (detainers and ICE's other requests) have no agency" in page


def test_the_counts_follow_a_link(analyst: Any, world: dict[str, Any], phi_agency: Agency) -> None:
    set_facility_agency(world["bucks"], phi_agency, actor=analyst)
    counts = coverage(TransferRequest.objects.all())
    assert (counts.unmatched_facilities, counts.unmatched_requests) == (0, 0)
    assert counts.requests_without_agency == 3 + 1


# ---------------------------------------------------------------- confirming and changing


def test_it_confirms_a_suggestion(analyst: Any, world: dict[str, Any], phi_agency: Agency) -> None:
    jail = world["jail"]
    # A request imported before the facility was linked: confirming gives it the agency.
    requests_at(jail, None, 1)
    response = client_for(analyst).post(
        jail.get_absolute_url(), {"action": "confirm", "shown": "PA0460000"}
    )
    assert response.status_code == 302 and response["Location"] == jail.get_absolute_url()
    jail.refresh_from_db()
    assert (jail.agency, jail.agency_source) == (phi_agency, "confirmed")
    assert jail.agency_confirmed_by == analyst and jail.agency_confirmed_at is not None
    assert not TransferRequest.objects.filter(facility=jail, agency__isnull=True).exists()
    event = Event.objects.get(action__startswith="agencies.facility")
    assert event.action == "agencies.facility.agency_confirmed"
    assert event.changes == {
        "agency": {"from": "PA0460000", "to": "PA0460000"},
        "agency_source": {"from": "suggested", "to": "confirmed"},
        "requests_moved": 1,
    }
    assert event.actor == analyst and event.object_id == str(jail.pk)


def test_it_refuses_to_confirm_an_agency_that_changed_since_the_page_was_drawn(
    analyst: Any, world: dict[str, Any], nyc_agency: Agency
) -> None:
    jail = world["jail"]
    response = client_for(analyst).post(
        jail.get_absolute_url(), {"action": "confirm", "shown": "PA0090000"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["agency"] == [
        "The agency changed since you opened the page: now Montgomery County Sheriff (PA0460000)."
    ]
    jail.refresh_from_db()
    assert jail.agency_source == "suggested"
    assert not Event.objects.filter(action__startswith="agencies.facility").exists()


def test_it_changes_the_agency_and_moves_the_requests(
    analyst: Any, world: dict[str, Any], phi_agency: Agency, nyc_agency: Agency
) -> None:
    jail = world["jail"]
    other = Agency.objects.create(ori="PA0090000", name="Bucks County Sheriff", state="PA")
    response = client_for(analyst).post(
        jail.get_absolute_url(), {"action": "set", "agency": "pa0090000"}
    )
    assert response.status_code == 302
    jail.refresh_from_db()
    assert (jail.agency, jail.agency_source) == (other, "confirmed")
    at_jail = TransferRequest.objects.filter(facility=jail)
    assert at_jail.filter(agency=other).count() == 3  # phi_request and the two imported
    assert at_jail.filter(agency=nyc_agency, source="manual").count() == 1  # kept
    assert not TransferRequest.objects.filter(agency=phi_agency).exists()
    event = Event.objects.get(action="agencies.facility.agency_changed")
    assert event.changes["agency"] == {"from": "PA0460000", "to": "PA0090000"}
    assert event.changes["requests_moved"] == 3
    text = str(event.changes)
    assert CANARY_NAME not in text and CANARY_A_NUMBER not in text


def test_it_links_an_unmatched_facility_by_name_of_any_state(
    analyst: Any, world: dict[str, Any], nyc_agency: Agency
) -> None:
    bucks = world["bucks"]
    client = client_for(analyst)
    response = client.post(
        bucks.get_absolute_url(), {"action": "set", "agency": "nassau county police"}
    )
    assert response.status_code == 302
    bucks.refresh_from_db()
    assert bucks.agency == nyc_agency
    assert TransferRequest.objects.filter(facility=bucks, agency=nyc_agency).count() == 5
    event = Event.objects.get(action="agencies.facility.agency_changed")
    assert event.changes["agency"] == {"from": None, "to": "NY0300000"}
    page = client.get(response["Location"]).content.decode()
    assert "now linked to Nassau County Police (NY0300000); 5 transfer requests moved" in page


def test_it_accepts_the_name_and_ori_the_suggestions_show(
    analyst: Any, world: dict[str, Any], phi_agency: Agency
) -> None:
    bucks = world["bucks"]
    client_for(analyst).post(bucks.get_absolute_url(), {"action": "set", "agency": str(phi_agency)})
    bucks.refresh_from_db()
    assert bucks.agency == phi_agency


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("PA9999999", "No agency has the ORI PA9999999."),
        ("Nowhere Police", "No agency has that ORI or name."),
        ("county", "Several agencies match: Nassau County Police (NY0300000); Montgomery"),
        ("", "This field is required."),
    ],
)
def test_it_names_a_bad_agency_on_the_field_and_changes_nothing(
    analyst: Any, world: dict[str, Any], typed: str, error: str
) -> None:
    bucks = world["bucks"]
    response = client_for(analyst).post(
        bucks.get_absolute_url(), {"action": "set", "agency": typed}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["agency"][0].startswith(error)
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "Nothing was changed" in html
    bucks.refresh_from_db()
    assert bucks.agency is None and bucks.agency_source == "suggested"
    assert not Event.objects.filter(action__startswith="agencies.facility").exists()


def test_it_clears_an_agency(analyst: Any, world: dict[str, Any], nyc_agency: Agency) -> None:
    jail = world["jail"]
    client_for(analyst).post(jail.get_absolute_url(), {"action": "clear"})
    jail.refresh_from_db()
    assert jail.agency is None and jail.agency_source == "confirmed"
    at_jail = TransferRequest.objects.filter(facility=jail)
    assert at_jail.filter(agency__isnull=True).count() == 3
    assert at_jail.filter(agency=nyc_agency).count() == 1
    event = Event.objects.get(action="agencies.facility.agency_cleared")
    assert event.changes["agency"] == {"from": "PA0460000", "to": None}
    assert event.changes["requests_moved"] == 3
    # Decided: no longer counted as awaiting a match.
    assert coverage(TransferRequest.objects.all()).suggested_facilities == 0


# ---------------------------------------------------------------- federal prisons


def test_it_refuses_to_link_a_federal_prison(analyst: Any, world: dict[str, Any]) -> None:
    federal = world["federal"]
    response = client_for(analyst).post(
        federal.get_absolute_url(), {"action": "set", "agency": "PA0460000"}
    )
    assert response.status_code == 200
    error = response.context["form"].errors["agency"][0]
    assert error.startswith("LEWISBURG U.S. PEN is a federal prison")
    assert "never linked to a local agency" in response.content.decode()
    federal.refresh_from_db()
    assert federal.agency is None
    assert not TransferRequest.objects.filter(facility=federal, agency__isnull=False).exists()
    assert not Event.objects.filter(action__startswith="agencies.facility").exists()


def test_the_function_refuses_a_federal_prison_with_a_code(
    analyst: Any, world: dict[str, Any], phi_agency: Agency
) -> None:
    with pytest.raises(CrosswalkRefused) as refused:
        set_facility_agency(world["federal"], phi_agency, actor=analyst)
    assert refused.value.code == "federal"


# ---------------------------------------------------------------- the list


def test_it_filters_by_link_state_and_name_or_code(analyst: Any, world: dict[str, Any]) -> None:
    client = client_for(analyst)

    def listed(**query: str) -> list[str]:
        page = client.get(LIST, query).context["page"]
        return sorted(f.name for f in page.object_list)

    assert listed(link="unmatched") == ["BUCKS CNTY JAIL"]
    assert listed(link="suggested") == ["MONTGOMERY CNTY JAIL"]
    assert listed(link="federal") == ["LEWISBURG U.S. PEN"]
    assert listed(link="confirmed") == []
    assert listed(q="bucksPA") == ["BUCKS CNTY JAIL"]
    assert listed(q="lewisburg") == ["LEWISBURG U.S. PEN"]
    assert listed(state="ny") == []
    assert len(listed(state="pa")) == 3
    response = client.get(LIST, {"state": "Pennsylvania"})
    assert "Use the two-letter state code" in response.content.decode()
    assert not response.context["page"].object_list


def test_it_sorts_by_each_column(analyst: Any, world: dict[str, Any]) -> None:
    client = client_for(analyst)

    def order(sort: str) -> list[str]:
        return [f.name for f in client.get(LIST, {"sort": sort}).context["page"].object_list]

    assert order("-requests") == ["BUCKS CNTY JAIL", "MONTGOMERY CNTY JAIL", "LEWISBURG U.S. PEN"]
    assert order("requests")[0] == "LEWISBURG U.S. PEN"
    assert order("name") == ["BUCKS CNTY JAIL", "LEWISBURG U.S. PEN", "MONTGOMERY CNTY JAIL"]
    assert order("-without")[0] == "BUCKS CNTY JAIL"
    assert order("nonsense") == order("-requests")
    html = client.get(LIST, {"sort": "name", "link": "unmatched"}).content.decode()
    assert 'aria-sort="ascending"' in html and "?sort=-name&amp;link=unmatched" in html


def test_it_confirms_from_the_list_and_returns_to_it(
    analyst: Any, world: dict[str, Any], phi_agency: Agency
) -> None:
    client = client_for(analyst)
    html = client.get(LIST, {"link": "suggested"}).content.decode()
    assert 'Confirm<span class="usa-sr-only"> Montgomery County Sheriff for' in html
    back = f"{LIST}?link=suggested"
    jail = world["jail"]
    response = client.post(
        jail.get_absolute_url(), {"action": "confirm", "shown": "PA0460000", "next": back}
    )
    assert response["Location"] == back
    jail.refresh_from_db()
    assert jail.agency_source == "confirmed"
    # A return address on another site is ignored.
    response = client.post(
        jail.get_absolute_url(),
        {"action": "confirm", "shown": "PA0460000", "next": "https://example.com/"},
    )
    assert response["Location"] == jail.get_absolute_url()


def test_the_list_runs_a_fixed_number_of_queries(analyst: Any, world: dict[str, Any]) -> None:
    client = client_for(analyst)
    client.get(LIST)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(LIST).status_code == 200
        return len(context)

    one = queries()
    agency = Agency.objects.get(ori="PA0460000")
    Facility.objects.bulk_create(
        Facility(name=f"JAIL {i}", state="PA", agency=agency if i % 2 else None) for i in range(30)
    )
    assert queries() == one


def test_it_pages_the_list(analyst: Any, world: dict[str, Any]) -> None:
    Facility.objects.bulk_create(Facility(name=f"JAIL {i:03d}", state="OH") for i in range(60))
    client = client_for(analyst)
    first = client.get(LIST, {"state": "OH", "sort": "name"})
    assert len(first.context["page"].object_list) == 50
    assert "page=2" in first.content.decode()
    second = client.get(LIST, {"state": "OH", "sort": "name", "page": "2"})
    names = [f.name for f in second.context["page"].object_list]
    assert names[0] == "JAIL 050" and len(names) == 10


# ---------------------------------------------------------------- the agency page


def test_the_agency_page_lists_its_facilities(
    analyst: Any, investigator: Any, world: dict[str, Any], phi_agency: Agency
) -> None:
    url = reverse("agency_detail", args=[phi_agency.ori])
    html = client_for(analyst).get(url).content.decode()
    assert world["jail"].get_absolute_url() in html and LIST in html
    assert "MONTGOMERY CNTY JAIL" in html
    # Investigators see the facilities, without the links to the analysts' page.
    html = client_for(investigator).get(url).content.decode()
    assert "MONTGOMERY CNTY JAIL" in html and world["jail"].get_absolute_url() not in html
