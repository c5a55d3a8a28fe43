"""Creating a PD request from an inquiry: person and transfer from the allegation, area, facts."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from transferwatch.accounts.models import Area
from transferwatch.audit.models import Event
from transferwatch.cases.models import InvolvedPerson
from transferwatch.conftest import CANARY_NAME, client_for
from transferwatch.discretion.models import PDRequest
from transferwatch.transfers.models import Person


def new_url(inquiry: Any) -> str:
    return reverse("pd_new") + f"?inquiry={inquiry.pk}"


def body(**fields: Any) -> dict[str, Any]:
    data = {
        "bases": ["profiling", "policy_violation"],
        "person_status": ["witness"],
        "agency_conduct": "Arrested at a checkpoint set up outside a church.",
        "hq_review_requested": "on",
    }
    data.update(fields)
    return data


def test_an_investigator_drafts_a_request_from_the_transfer(
    investigator: Any, inquiry: Any, phi_request: Any
) -> None:
    client = client_for(investigator)
    page = client.get(new_url(inquiry)).content.decode()
    assert f"Person {phi_request.person_id}" in page and CANARY_NAME not in page
    response = client.post(
        new_url(inquiry), body(person=phi_request.person_id, transfer=phi_request.pk)
    )
    assert response.status_code == 302
    pd = PDRequest.objects.get()
    assert response["Location"] == reverse("pd_detail", args=[pd.pk])
    assert pd.status == "draft" and pd.aor.code == "PHI" and pd.transfer == phi_request
    assert pd.bases == ["profiling", "policy_violation"] and pd.person_status == ["witness"]
    assert pd.hq_review_requested and pd.created_by == investigator and pd.inquiry == inquiry
    assert pd.number.startswith("CRCL-PD-")


def test_a_person_involved_without_a_transfer_needs_the_area(supervisor: Any, inquiry: Any) -> None:
    other = Person.objects.create(name="Involved Only")
    InvolvedPerson.objects.create(allegation=inquiry.allegation, person=other)
    client = client_for(supervisor)
    response = client.post(new_url(inquiry), body(person=other.pk))
    assert response.status_code == 200 and "Choose the area" in response.content.decode()
    response = client.post(new_url(inquiry), body(person=other.pk, aor="NYC"))
    assert response.status_code == 302
    pd = PDRequest.objects.get()
    assert pd.aor == Area.objects.get(code="NYC") and pd.transfer is None


def test_it_refuses_a_transfer_of_another_person_or_a_person_not_linked(
    investigator: Any, inquiry: Any, phi_request: Any, nyc_request: Any
) -> None:
    other = Person.objects.create(name="Involved Only")
    InvolvedPerson.objects.create(allegation=inquiry.allegation, person=other)
    client = client_for(investigator)
    response = client.post(new_url(inquiry), body(person=other.pk, transfer=phi_request.pk))
    assert "about another person" in response.content.decode()
    response = client.post(new_url(inquiry), body(person=nyc_request.person_id, aor="NYC"))
    assert "Select a valid choice" in response.content.decode()
    assert not PDRequest.objects.exists()


def test_it_needs_a_basis_and_what_the_agency_did(
    investigator: Any, inquiry: Any, phi_request: Any
) -> None:
    response = client_for(investigator).post(
        new_url(inquiry),
        body(person=phi_request.person_id, transfer=phi_request.pk, bases=[], agency_conduct=""),
    )
    assert response.status_code == 200
    assert response.content.decode().count("This field is required") == 2
    assert not PDRequest.objects.exists()


def test_a_closed_inquiry_takes_no_request(
    investigator: Any, inquiry: Any, phi_request: Any
) -> None:
    inquiry.status = "closed"
    inquiry.save()
    client = client_for(investigator)
    assert client.get(new_url(inquiry)).status_code == 409
    response = client.post(
        new_url(inquiry), body(person=phi_request.person_id, transfer=phi_request.pk)
    )
    assert response.status_code == 409 and not PDRequest.objects.exists()


@pytest.mark.parametrize("role", ["field_phi", "hq", "opla", "analyst", "leadership", "outsider"])
def test_only_crcl_casework_may_draft(
    request: pytest.FixtureRequest, role: str, inquiry: Any
) -> None:
    assert client_for(request.getfixturevalue(role)).get(new_url(inquiry)).status_code == 404


@pytest.mark.parametrize("query", ["", "?inquiry=", "?inquiry=CRCL-I"])
def test_it_says_where_pd_requests_start_without_an_inquiry(investigator: Any, query: str) -> None:
    response = client_for(investigator).get(reverse("pd_new") + query)
    page = response.content.decode()
    assert response.status_code == 400
    assert "PD requests start from an inquiry" in page
    assert f'href="{reverse("inquiry_list")}"' in page
    assert not PDRequest.objects.exists()


def test_it_needs_an_existing_inquiry(investigator: Any) -> None:
    client = client_for(investigator)
    assert client.get(reverse("pd_new") + "?inquiry=999999").status_code == 404


def test_crcl_corrects_a_draft_and_the_change_is_audited(
    supervisor: Any, draft: PDRequest, phi_request: Any
) -> None:
    client = client_for(supervisor)
    url = reverse("pd_edit", args=[draft.pk])
    assert "Stopped for a broken tail light" in client.get(url).content.decode()
    response = client.post(
        url,
        body(person=phi_request.person_id, transfer=phi_request.pk, agency_conduct="Corrected."),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.agency_conduct == "Corrected." and draft.status == "draft"
    event = Event.objects.get(action="discretion.pdrequest.updated")
    assert "agency_conduct" in event.changes["fields"] and "Corrected" not in str(event.changes)


def test_only_a_draft_can_be_edited(
    investigator: Any, submitted: PDRequest, phi_request: Any
) -> None:
    client = client_for(investigator)
    url = reverse("pd_edit", args=[submitted.pk])
    assert client.get(url).status_code == 302
    client.post(url, body(person=phi_request.person_id, transfer=phi_request.pk))
    submitted.refresh_from_db()
    assert submitted.agency_conduct.startswith("Stopped")


@pytest.mark.parametrize("role", ["field_phi", "hq", "opla", "analyst"])
def test_ice_and_others_cannot_edit(
    request: pytest.FixtureRequest, role: str, submitted: PDRequest
) -> None:
    url = reverse("pd_edit", args=[submitted.pk])
    assert client_for(request.getfixturevalue(role)).get(url).status_code == 404
