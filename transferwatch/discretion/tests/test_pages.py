"""The PD pages: who may open them, scoping, masked person with audited reveal, moves by button."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for
from transferwatch.discretion.models import PDRequest
from transferwatch.discretion.tests.conftest import make_pd, refusals

PD_READERS = {"investigator", "supervisor", "field_phi", "hq", "opla"}
OTHERS = {"analyst", "leadership", "auditor", "outsider"}


@pytest.mark.parametrize("role", sorted(PD_READERS | OTHERS))
def test_it_gives_the_list_and_detail_to_pd_roles_only(
    request: pytest.FixtureRequest, role: str, submitted: PDRequest
) -> None:
    client = client_for(request.getfixturevalue(role))
    expected = 200 if role in PD_READERS else 404
    assert client.get(reverse("pd_list")).status_code == expected
    assert client.get(reverse("pd_detail", args=[submitted.pk])).status_code == expected


def test_it_sends_anonymous_visitors_to_login(submitted: PDRequest) -> None:
    for url in (reverse("pd_list"), reverse("pd_detail", args=[submitted.pk])):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_field_reviewer_lists_only_the_requests_of_their_area(
    field_phi: Any, submitted: PDRequest, nyc_pd: PDRequest, second_draft: Any
) -> None:
    page = client_for(field_phi).get(reverse("pd_list")).content.decode()
    assert "PD requests of my area" in page
    assert submitted.number in page
    assert nyc_pd.number not in page and second_draft.number not in page


def test_it_hides_drafts_from_ice(hq: Any, opla: Any, field_phi: Any, draft: PDRequest) -> None:
    for user in (hq, opla, field_phi):
        client = client_for(user)
        assert draft.number not in client.get(reverse("pd_list")).content.decode()
        assert client.get(reverse("pd_detail", args=[draft.pk])).status_code == 404


def test_crcl_lists_drafts_and_every_area(
    investigator: Any, draft: PDRequest, nyc_pd: PDRequest
) -> None:
    page = client_for(investigator).get(reverse("pd_list")).content.decode()
    assert draft.number in page and nyc_pd.number in page


def test_it_filters_by_status_awaiting_and_area(
    investigator: Any, draft: PDRequest, nyc_pd: PDRequest
) -> None:
    client = client_for(investigator)
    page = client.get(reverse("pd_list"), {"status": "draft"}).content.decode()
    assert draft.number in page and nyc_pd.number not in page
    page = client.get(reverse("pd_list"), {"awaiting": "on"}).content.decode()
    assert draft.number not in page and nyc_pd.number in page
    page = client.get(reverse("pd_list"), {"aor": "PHI"}).content.decode()
    assert draft.number in page and nyc_pd.number not in page


def test_it_ignores_a_field_reviewers_filter_for_another_area(
    field_phi: Any, nyc_pd: PDRequest
) -> None:
    page = client_for(field_phi).get(reverse("pd_list"), {"aor": "NYC"}).content.decode()
    assert nyc_pd.number not in page and "Select a valid choice" in page


def test_the_list_shows_time_to_final_and_a_fixed_number_of_queries(
    investigator: Any, final: PDRequest, nyc_pd: PDRequest, inquiry: Any, phi_request: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(investigator)
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("pd_list")).content.decode()
    assert "mean 0.0, median 0.0" in page and "Final determination: 1" in page
    for _ in range(5):
        make_pd(investigator, inquiry, phi_request)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("pd_list")).content.decode()
    assert page.count("CRCL-PD-") == 7 and len(many) == len(few)


def test_the_detail_masks_the_person_until_an_audited_reveal(
    field_phi: Any, submitted: PDRequest
) -> None:
    client = client_for(field_phi)
    page = client.get(reverse("pd_detail", args=[submitted.pk])).content.decode()
    assert CANARY_NAME not in page and CANARY_A_NUMBER not in page and "1988" not in page
    assert "Stopped for a broken tail light" in page  # the facts shared with ICE
    response = client.post(reverse("pd_reveal", args=[submitted.pk]))
    page = response.content.decode()
    assert CANARY_NAME in page and CANARY_A_NUMBER in page
    event = Event.objects.get(action="transfers.person.revealed")
    assert event.object_id == str(submitted.person_id) and event.actor == field_phi
    assert event.changes["pd"] == submitted.pk and CANARY_NAME not in str(event.changes)


def test_the_reveal_answers_htmx_with_the_fragment(investigator: Any, submitted: PDRequest) -> None:
    response = client_for(investigator).post(
        reverse("pd_reveal", args=[submitted.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="identity"') and CANARY_NAME in html


@pytest.mark.parametrize("role", ["field_nyc", "analyst", "leadership"])
def test_the_reveal_is_404_outside_scope_or_role(
    request: pytest.FixtureRequest, role: str, submitted: PDRequest
) -> None:
    response = client_for(request.getfixturevalue(role)).post(
        reverse("pd_reveal", args=[submitted.pk])
    )
    assert response.status_code == 404 and CANARY_NAME not in response.content.decode()
    assert not Event.objects.filter(action="transfers.person.revealed").exists()


def test_a_field_reviewer_of_another_area_gets_404_and_it_is_audited(
    field_nyc: Any, submitted: PDRequest
) -> None:
    client = client_for(field_nyc)
    assert client.get(reverse("pd_detail", args=[submitted.pk])).status_code == 404
    response = client.post(reverse("pd_act", args=[submitted.pk, "take_up"]))
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert [r["action"] for r in refusals(submitted)] == ["take_up", "view"]
    assert all(r["reason"] == "outside scope" for r in refusals(submitted))


def test_it_shows_each_user_the_moves_they_may_take(
    field_phi: Any, investigator: Any, hq: Any, submitted: PDRequest
) -> None:
    url = reverse("pd_detail", args=[submitted.pk])
    field_page = client_for(field_phi).get(url).content.decode()
    crcl_page = client_for(investigator).get(url).content.decode()
    hq_page = client_for(hq).get(url).content.decode()
    take_up = reverse("pd_act", args=[submitted.pk, "take_up"])
    withdraw = reverse("pd_act", args=[submitted.pk, "withdraw"])
    assert take_up in field_page and withdraw not in field_page
    assert withdraw in crcl_page and take_up not in crcl_page
    # The next moves name whose move it is (issue 14, part 4).
    assert "Take up for field review: waiting for an ICE ERO field reviewer" in crcl_page
    assert "<li>Take up for field review</li>" in field_page
    assert "What you can do now" not in hq_page


def test_the_field_reviewer_decides_through_the_page(
    field_phi: Any, investigator: Any, submitted: PDRequest
) -> None:
    client = client_for(field_phi)
    client.post(reverse("pd_act", args=[submitted.pk, "take_up"]))
    response = client.post(
        reverse("pd_act", args=[submitted.pk, "decide_field"]),
        {"decision": "partly_granted", "text": "Witness in the county case."},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "field_decided" and submitted.field_decision == "partly_granted"
    page = client_for(investigator).get(reverse("pd_detail", args=[submitted.pk])).content.decode()
    assert "Discretion exercised in part" in page and "Witness in the county case." in page
    assert "Take up for field review" in page  # the history names each step
    assert "Send to HQ review" in page  # CRCL may ask for HQ review now


def test_a_refused_move_shows_why_and_keeps_what_was_typed(
    field_phi: Any, investigator: Any, in_field_review: PDRequest
) -> None:
    response = client_for(field_phi).post(
        reverse("pd_act", args=[in_field_review.pk, "decide_field"]),
        {"decision": "", "text": "Typed reasons"},
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Choose a decision" in page and "Typed reasons" in page
    response = client_for(investigator).post(
        reverse("pd_act", args=[in_field_review.pk, "decide_field"]),
        {"decision": "granted", "text": "x"},
    )
    assert response.status_code == 403 and "Your role may not" in response.content.decode()
    in_field_review.refresh_from_db()
    assert in_field_review.status == "field_review"


def test_an_unknown_move_is_404(investigator: Any, submitted: PDRequest) -> None:
    response = client_for(investigator).post(reverse("pd_act", args=[submitted.pk, "explode"]))
    assert response.status_code == 404


def test_the_detail_links_the_inquiry_for_crcl_only(
    investigator: Any, field_phi: Any, submitted: PDRequest
) -> None:
    link = reverse("inquiry_detail", args=[submitted.inquiry.number])
    crcl_page = client_for(investigator).get(reverse("pd_detail", args=[submitted.pk]))
    ice_page = client_for(field_phi).get(reverse("pd_detail", args=[submitted.pk]))
    assert f'href="{link}"' in crcl_page.content.decode()
    assert f'href="{link}"' not in ice_page.content.decode()
    assert submitted.inquiry.number in ice_page.content.decode()
