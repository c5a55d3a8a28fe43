"""A person's identifying fields are masked until revealed, and each reveal is audited."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for


def test_it_masks_identifying_fields_by_default(investigator: Any, phi_request: Any) -> None:
    page = client_for(investigator).get(reverse("person_detail", args=[phi_request.person_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert CANARY_NAME not in html and CANARY_A_NUMBER not in html and "1988" not in html
    assert "Reveal identifying details" in html


def test_it_reveals_them_on_request(investigator: Any, phi_request: Any) -> None:
    url = reverse("person_reveal", args=[phi_request.person_id])
    html = client_for(investigator).post(url).content.decode()
    assert CANARY_NAME in html and CANARY_A_NUMBER in html and "1988-04-03" in html


def test_it_reveals_just_the_fragment_for_htmx(investigator: Any, phi_request: Any) -> None:
    url = reverse("person_reveal", args=[phi_request.person_id])
    response = client_for(investigator).post(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="identity"') and CANARY_NAME in html


def test_it_does_not_reveal_on_get(investigator: Any, phi_request: Any) -> None:
    url = reverse("person_reveal", args=[phi_request.person_id])
    response = client_for(investigator).get(url)
    assert response.status_code == 405
    assert not Event.objects.filter(action="transfers.person.revealed").exists()


def test_it_refuses_a_reveal_outside_the_reviewers_area(field_nyc: Any, phi_request: Any) -> None:
    url = reverse("person_reveal", args=[phi_request.person_id])
    assert client_for(field_nyc).post(url).status_code == 404
    assert not Event.objects.filter(action="transfers.person.revealed").exists()


def test_it_refuses_a_reveal_to_analysts(analyst: Any, phi_request: Any) -> None:
    url = reverse("person_reveal", args=[phi_request.person_id])
    assert client_for(analyst).post(url).status_code == 404


def test_it_never_shows_a_name_on_transfer_pages(analyst: Any, phi_request: Any) -> None:
    client = client_for(analyst)
    for url in (reverse("transfer_list"), reverse("transfer_detail", args=[phi_request.pk])):
        html = client.get(url).content.decode()
        assert CANARY_NAME not in html and CANARY_A_NUMBER not in html


def test_it_names_people_by_number_in_strings(person: Any) -> None:
    assert CANARY_NAME not in str(person) and CANARY_NAME not in repr(person)
