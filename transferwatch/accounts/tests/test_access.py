"""Who may open which page: every role against every page, and area scoping of field reviewers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from transferwatch.conftest import client_for

ROLES = [
    "analyst",
    "investigator",
    "supervisor",
    "field_phi",
    "hq",
    "opla",
    "leadership",
    "auditor",
    "outsider",
]

PEOPLE_READERS = {"investigator", "supervisor", "field_phi", "hq", "opla"}
TRANSFER_READERS = PEOPLE_READERS | {"analyst"}
AGENCY_READERS = TRANSFER_READERS | {"leadership"}
AGENCY_EDITORS = {"analyst", "supervisor"}

# page -> roles that get 200; every other role gets 404.
PAGES = {
    "agency_list": AGENCY_READERS,
    "agency_detail": AGENCY_READERS,
    "agency_edit": AGENCY_EDITORS,
    "agency_create": AGENCY_EDITORS,
    "facility_list": AGENCY_EDITORS,
    "transfer_list": TRANSFER_READERS,
    "transfer_detail": TRANSFER_READERS,
    "person_detail": PEOPLE_READERS,
    "audit_log": {"auditor"},
    "import_list": AGENCY_EDITORS,
    "review_queue": {"field_phi", "opla"},
    "allegation_list": {"analyst", "investigator", "supervisor", "field_phi", "hq"},
    "allegation_new": {"analyst", "investigator", "supervisor"},
    "allegation_report": {"field_phi", "hq"},
    "inquiry_list": {"investigator", "supervisor"},
    "pd_list": {"investigator", "supervisor", "field_phi", "hq", "opla"},
    "escalation_list": {"investigator", "supervisor", "leadership"},
    "measure_list": {"analyst", "investigator", "supervisor"},
    "meeting_list": {"analyst", "investigator", "supervisor", "hq", "leadership"},
    "meeting_new": {"analyst", "investigator", "supervisor"},
    "outbox": {"supervisor"},
}


def url_for(page: str, phi_request: Any) -> str:
    if page in ("agency_detail", "agency_edit"):
        return reverse(page, args=[phi_request.agency.ori])
    if page == "transfer_detail":
        return reverse(page, args=[phi_request.pk])
    if page == "person_detail":
        return reverse(page, args=[phi_request.person_id])
    return reverse(page)


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_it_gives_each_role_its_pages_and_404_for_the_rest(
    request: pytest.FixtureRequest, role: str, page: str, phi_request: Any
) -> None:
    user = request.getfixturevalue(role)
    response = client_for(user).get(url_for(page, phi_request))
    assert response.status_code == (200 if role in PAGES[page] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_every_role_a_home_page(request: pytest.FixtureRequest, role: str) -> None:
    user = request.getfixturevalue(role)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    if user.role:
        assert user.role.label in response.content.decode()


def test_it_sends_anonymous_visitors_to_login(phi_request: Any) -> None:
    for page in PAGES:
        response = Client().get(url_for(page, phi_request))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_hides_another_areas_transfer_request_from_a_field_reviewer(
    field_phi: Any, phi_request: Any, nyc_request: Any
) -> None:
    client = client_for(field_phi)
    assert client.get(reverse("transfer_detail", args=[phi_request.pk])).status_code == 200
    assert client.get(reverse("transfer_detail", args=[nyc_request.pk])).status_code == 404
    assert client.get(reverse("person_detail", args=[nyc_request.person_id])).status_code == 404
    assert client.get(reverse("agency_detail", args=[nyc_request.agency.ori])).status_code == 404


def test_it_lists_only_the_field_reviewers_own_areas(
    field_phi: Any, field_nyc: Any, phi_request: Any, nyc_request: Any
) -> None:
    phi_page = client_for(field_phi).get(reverse("transfer_list")).content.decode()
    nyc_page = client_for(field_nyc).get(reverse("transfer_list")).content.decode()
    assert f"#{phi_request.pk}<" in phi_page and f"#{nyc_request.pk}<" not in phi_page
    assert f"#{nyc_request.pk}<" in nyc_page and f"#{phi_request.pk}<" not in nyc_page


def test_it_lists_what_the_detail_pages_allow(
    field_phi: Any, hq: Any, phi_request: Any, nyc_request: Any
) -> None:
    """The list's queryset and the detail's access check agree, request by request."""
    from transferwatch.transfers.models import TransferRequest

    for user in (field_phi, hq):
        listed = set(TransferRequest.objects.visible_to(user).values_list("pk", flat=True))
        client = client_for(user)
        for transfer in TransferRequest.objects.all():
            status = client.get(reverse("transfer_detail", args=[transfer.pk])).status_code
            assert (status == 200) == (transfer.pk in listed)


def test_it_ignores_a_field_reviewers_filter_for_another_area(
    field_phi: Any, phi_request: Any, nyc_request: Any
) -> None:
    response = client_for(field_phi).get(reverse("transfer_list"), {"aor": "NYC"})
    page = response.content.decode()
    assert f"#{nyc_request.pk}<" not in page
    assert "Select a valid choice" in page
