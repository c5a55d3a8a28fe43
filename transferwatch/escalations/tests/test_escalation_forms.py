"""Drafting and editing a notification or referral."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from transferwatch.agencies.models import Agency
from transferwatch.audit.models import Event
from transferwatch.cases.models import Inquiry, history
from transferwatch.conftest import client_for
from transferwatch.escalations.models import DEFAULT_LEGAL_BASIS, DEFAULT_RECIPIENT, Escalation

POST = {
    "agency": "PA0460000",
    "kind": "doj",
    "recipient": "",
    "subject": "Pattern of pretextual arrests",
    "concerns": "Minor-offence arrests used as a pretext.",
    "reasons": "Arrest shares jumped after activation.",
    "findings": "Hispanic drivers' share of minor-traffic arrests doubled.",
    "legal_basis": "",
}


def test_it_drafts_with_the_kind_defaults_and_links_evidence(
    investigator: Any, phi_agency: Agency, inquiry: Inquiry
) -> None:
    client = client_for(investigator)
    page = client.get(reverse("escalation_new") + "?kind=doj&agency=PA0460000").content.decode()
    assert "Civil Rights Division" in page  # recipient prefilled
    assert "12601" in page  # legal basis prefilled
    assert inquiry.number in page  # the agency's inquiries offered as evidence
    assert "describe patterns" in page.lower()

    response = client.post(
        reverse("escalation_new") + "?agency=PA0460000", {**POST, "inquiries": [inquiry.pk]}
    )
    e = Escalation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("escalation_detail", args=[e.pk])
    assert (e.status, e.kind, e.agency, e.created_by) == ("draft", "doj", phi_agency, investigator)
    assert e.recipient.startswith("Assistant Attorney General, Civil Rights Division")
    assert e.legal_basis == DEFAULT_LEGAL_BASIS["doj"]
    assert list(e.inquiries.all()) == [inquiry]
    assert [s.action for s in history(e)] == ["created"]
    assert Event.objects.filter(action="escalations.escalation.created").count() == 1


def test_it_names_the_state_for_a_state_attorney_general(
    investigator: Any, phi_agency: Agency
) -> None:
    client_for(investigator).post(reverse("escalation_new"), {**POST, "kind": "state_ag"})
    assert Escalation.objects.get().recipient == "Attorney General of the State of PA"


def test_it_refuses_an_a_number_in_the_form(investigator: Any, phi_agency: Agency) -> None:
    response = client_for(investigator).post(
        reverse("escalation_new"), {**POST, "findings": "As with A-123-456-789, arrests rose."}
    )
    assert response.status_code == 200
    assert "looks like an A-number" in response.content.decode()
    assert not Escalation.objects.exists()


def test_it_refuses_evidence_of_another_agency(
    investigator: Any, phi_agency: Agency, nyc_agency: Agency, inquiry: Inquiry
) -> None:
    Inquiry.objects.filter(pk=inquiry.pk).update(agency=nyc_agency)
    response = client_for(investigator).post(
        reverse("escalation_new"), {**POST, "inquiries": [inquiry.pk]}
    )
    assert response.status_code == 200
    assert not Escalation.objects.exists()


@pytest.mark.parametrize(
    "role", ["analyst", "leadership", "field_phi", "hq", "auditor", "outsider"]
)
def test_it_hides_drafting_from_other_roles(request: pytest.FixtureRequest, role: str) -> None:
    user = request.getfixturevalue(role)
    assert client_for(user).get(reverse("escalation_new")).status_code == 404


def test_it_edits_a_draft_only(
    investigator: Any, make_escalation: Callable[..., Escalation]
) -> None:
    e = make_escalation()
    client = client_for(investigator)
    fields = ("recipient", "concerns", "reasons", "findings", "legal_basis")
    data = {name: getattr(e, name) for name in fields} | {"subject": "A sharper subject"}
    response = client.post(reverse("escalation_edit", args=[e.pk]), data)
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.subject == "A sharper subject"
    event = Event.objects.get(action="escalations.escalation.updated")
    assert event.changes == {"fields": ["subject"]}
    assert [s.action for s in history(e)] == ["created", "edited"]

    approved = make_escalation(status="approved")
    response = client.post(reverse("escalation_edit", args=[approved.pk]), data)
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.subject != "A sharper subject"


def test_it_hides_editing_from_leadership(
    leadership: Any, make_escalation: Callable[..., Escalation]
) -> None:
    e = make_escalation(kind="leadership", status="sent")
    assert client_for(leadership).get(reverse("escalation_edit", args=[e.pk])).status_code == 404


def test_it_addresses_a_referral_to_doj_when_the_kind_was_changed_on_the_page(
    investigator: Any, phi_agency: Agency
) -> None:
    # The page opened on the default kind prefills the leadership recipient and basis; the
    # drafter then picks "DOJ referral" in the dropdown and posts the prefilled text unchanged.
    client = client_for(investigator)
    page = client.get(reverse("escalation_new") + "?agency=PA0460000").content.decode()
    assert DEFAULT_RECIPIENT["leadership"] in page
    response = client.post(
        reverse("escalation_new") + "?agency=PA0460000",
        {
            **POST,
            "kind": "doj",
            "recipient": DEFAULT_RECIPIENT["leadership"],
            "legal_basis": DEFAULT_LEGAL_BASIS["leadership"].replace(" (", "\r\n("),
        },
    )
    assert response.status_code == 302
    e = Escalation.objects.get()
    assert e.recipient == DEFAULT_RECIPIENT["doj"]
    assert e.legal_basis == DEFAULT_LEGAL_BASIS["doj"]


def test_it_keeps_a_recipient_and_basis_written_for_the_kind(
    investigator: Any, phi_agency: Agency
) -> None:
    own = {"recipient": "Chief, Special Litigation Section", "legal_basis": "Title VI."}
    client_for(investigator).post(reverse("escalation_new"), {**POST, **own})
    e = Escalation.objects.get()
    assert (e.recipient, e.legal_basis) == (own["recipient"], own["legal_basis"])


def test_it_corrects_another_kinds_recipient_when_a_draft_is_edited(
    investigator: Any, make_escalation: Callable[..., Escalation]
) -> None:
    e = make_escalation(kind="doj", recipient=DEFAULT_RECIPIENT["leadership"])
    fields = ("recipient", "subject", "concerns", "reasons", "findings", "legal_basis")
    data = {name: getattr(e, name) for name in fields}
    response = client_for(investigator).post(reverse("escalation_edit", args=[e.pk]), data)
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.recipient == DEFAULT_RECIPIENT["doj"]
