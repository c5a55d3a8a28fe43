"""Reports that do not name the person affected: taken, marked, and honest about where they lead.

Without a name or A-number CRCL can still look into the agency's conduct, but it cannot ask ICE
for discretion for that person or find their transfer request; the form says so (English and
Spanish), staff see it on the allegation, and the moves that need a person say why they cannot
be taken.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.test import Client
from django.urls import reverse

from transferwatch.api.models import ApiToken
from transferwatch.cases import services
from transferwatch.cases.models import Allegation
from transferwatch.cases.moves import allegation_move
from transferwatch.cases.tests.conftest import make_allegation, report_data
from transferwatch.conftest import client_for
from transferwatch.discretion.models import PDRequest

NO_PERSON = {"subject_name": "", "subject_a_number": "", "subject_birth_date": ""}


def anonymous(agency: Any = None, **kwargs: Any) -> Allegation:
    return make_allegation(agency, name="", a_number="", birth_date=None, **kwargs)


def test_the_form_takes_a_report_without_the_name_of_the_person_affected(
    db: Any, phi_agency: Any
) -> None:
    response = Client().post(reverse("report"), report_data(**NO_PERSON))
    assert response.status_code == 302, response.content.decode()[:2000]
    allegation = Allegation.objects.get()
    assert allegation.is_anonymous
    assert not allegation.people.exists()  # no empty row standing for "someone"


def test_an_a_number_alone_is_not_anonymous(db: Any) -> None:
    Client().post(reverse("report"), report_data(subject_name="", subject_birth_date=""))
    allegation = Allegation.objects.get()
    assert not allegation.is_anonymous
    assert allegation.people.get().name == ""


def test_the_form_says_what_a_report_without_a_name_can_lead_to(db: Any) -> None:
    page = Client().get(reverse("report")).content.decode()
    name_label = page.split('for="id_subject_name"')[1].split("</label>")[0]
    assert "required" not in name_label  # no asterisk
    assert "You do not need to give your name or the name of the person affected." in page
    assert "can still look into how the police department, sheriff's office or jail acted" in page
    assert "cannot ask ICE to consider prosecutorial discretion for that person" in page
    assert 'aria-describedby="person-anonymous-hint"' in page


def test_the_spanish_form_says_it_too(db: Any) -> None:
    page = Client().get(reverse("report"), {"lang": "es"}).content.decode()
    assert "No necesita dar su nombre ni el nombre de la persona afectada." in page
    assert "no podemos pedirle a ICE que considere la discreción procesal para esa persona" in page
    assert "cannot ask ICE" not in page


def test_the_api_takes_an_allegation_without_people_or_with_empty_ones(
    db: Any, field_phi: Any, phi_agency: Any
) -> None:
    _, token = ApiToken.issue(field_phi, "test system")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    body = {
        "agency_ori": phi_agency.ori,
        "types": ["profiling_ethnicity"],
        "narrative": "Stopped at a checkpoint; no name given.",
        "people": [{"name": " ", "a_number": ""}],
    }
    response = client.post("/api/allegations", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    allegation = Allegation.objects.get(number=response.json()["number"])
    assert allegation.is_anonymous and not allegation.people.exists()


def test_a_monitoring_allegation_is_not_called_anonymous(db: Any, phi_agency: Any) -> None:
    allegation = make_allegation(phi_agency, source="crcl_monitoring", channel="monitoring")
    allegation.people.all().delete()
    assert not Allegation.objects.get(pk=allegation.pk).is_anonymous


def test_staff_see_that_the_allegation_is_anonymous_and_why_no_transfer_is_suggested(
    db: Any, phi_agency: Any, investigator: Any, phi_request: Any
) -> None:
    allegation = anonymous(phi_agency)
    page = client_for(investigator).get(reverse("allegation_detail", args=[allegation.number]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Anonymous report" in text
    assert "No name or A-number of the person affected was given" in text
    assert "No transfer request can be suggested" in text
    # An identified report says none of this.
    named = make_allegation(phi_agency)
    text = client_for(investigator).get(reverse("allegation_detail", args=[named.number]))
    assert "Anonymous report" not in text.content.decode()


def test_the_duplicate_check_and_triage_cope_with_an_empty_name(
    db: Any, phi_agency: Any, nyc_agency: Any, analyst: Any
) -> None:
    # An empty name with the same birth date is not "the same person".
    a = make_allegation(nyc_agency, name="", a_number="", birth_date=date(1988, 4, 3))
    b = make_allegation(None, name="", a_number="", birth_date=date(1988, 4, 3), encounter=None)
    same_incident = anonymous(nyc_agency, encounter=date(2025, 1, 11))
    found = {d.allegation.number: d.reasons for d in services.possible_duplicates(a)}
    assert found == {same_incident.number: ("same agency, encounter within 3 days",)}
    assert b.number not in found
    assert services.transfer_suggestions(a) == []
    page = client_for(analyst).get(reverse("allegation_detail", args=[a.number]))
    assert page.status_code == 200 and "Possible duplicates" in page.content.decode()
    triaged = allegation_move(a, "triage", analyst, agency=phi_agency.ori)
    assert triaged.status == "triaged" and triaged.agency == phi_agency


def test_a_pd_request_for_an_anonymous_allegation_says_why_it_cannot_be_made(
    db: Any, phi_agency: Any, analyst: Any, investigator: Any, phi_request: Any
) -> None:
    allegation = allegation_move(anonymous(phi_agency), "triage", analyst)
    allegation_move(allegation, "retain", investigator, investigator=investigator.pk)
    inquiry = allegation.inquiries.get()
    client = client_for(investigator)
    inquiry_page = client.get(reverse("inquiry_detail", args=[inquiry.number])).content.decode()
    assert "was reported without a name or A-number" in inquiry_page
    assert f'href="{reverse("pd_new")}?inquiry={inquiry.pk}"' not in inquiry_page
    url = f"{reverse('pd_new')}?inquiry={inquiry.pk}"
    page = client.get(url).content.decode()
    assert "was reported without a name or A-number" in page
    assert "Save the draft" not in page  # no form that can only fail
    posted = client.post(
        url,
        {"person": phi_request.person_id, "bases": ["profiling"], "agency_conduct": "Stopped."},
    )
    text = posted.content.decode()
    assert posted.status_code == 200 and not PDRequest.objects.exists()
    assert "Select a valid choice" not in text
    assert "was reported without a name or A-number" in text
    # Once the person's transfer request is linked, the request can be made.
    services.link_transfer(allegation, phi_request, investigator)
    inquiry_page = client.get(reverse("inquiry_detail", args=[inquiry.number])).content.decode()
    assert f'href="{reverse("pd_new")}?inquiry={inquiry.pk}"' in inquiry_page
    assert "Save the draft" in client.get(url).content.decode()
