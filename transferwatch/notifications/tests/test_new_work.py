"""New work in a person's queue is e-mailed to them: the record number, what waits and a link,
never a person's name or A-number."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404
from django.urls import reverse

from transferwatch.cases import services as cases
from transferwatch.cases.moves import allegation_move, inquiry_move
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, LocalSMTP, make_user
from transferwatch.discretion import services as discretion
from transferwatch.discretion.models import PDRequest
from transferwatch.escalations import services as escalations
from transferwatch.notifications.models import Message
from transferwatch.notifications.tests.conftest import give_addresses


def work(kind: str = "work") -> list[tuple[str, str]]:
    return list(
        Message.objects.filter(kind=kind).order_by("pk").values_list("user__username", "subject")
    )


def test_a_pd_request_reaching_an_area_is_mailed_to_that_areas_field_reviewers(
    pd_draft: Any,
    investigator: Any,
    field_phi: Any,
    field_nyc: Any,
    hq: Any,
    settings: Any,
    smtp_server: LocalSMTP,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.BASE_URL = "https://tw.example"
    give_addresses(field_phi, field_nyc, hq)
    with django_capture_on_commit_callbacks(execute=True):
        pd = discretion.act(pd_draft, "submit", investigator)
    [message] = Message.objects.filter(kind="work")
    assert (message.user, message.status, message.key) == (field_phi, "sent", "")
    [(recipients, mail)] = smtp_server.messages
    assert recipients == ["phil@staff.example"]
    assert mail["Subject"] == f"{pd.number}: a PD request is waiting for field review in your area"
    body = mail.get_body(("plain",)).get_content()
    assert f"Record: {pd.number}" in body
    assert f"https://tw.example{reverse('pd_detail', args=[pd.pk])}" in body
    assert reverse("notification_preferences") in body
    assert CANARY_NAME not in body and CANARY_A_NUMBER not in body


def test_sending_a_pd_request_to_hq_tells_ice_hq(
    pd_draft: Any,
    investigator: Any,
    field_phi: Any,
    hq: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    pd = discretion.act(pd_draft, "submit", investigator)
    pd = discretion.act(pd, "take_up", field_phi)
    pd = discretion.act(pd, "decide_field", field_phi, "Victim.", decision="granted")
    pd = discretion.act(pd, "to_hq", investigator)
    assert work() == [
        ("phil", f"{pd.number}: a PD request is waiting for field review in your area"),
        ("harry", f"{pd.number}: a PD request is waiting for HQ review"),
    ]


def test_a_new_allegation_is_mailed_to_the_analysts_who_triage(
    analyst: Any, investigator: Any, field_phi: Any, phi_agency: Any
) -> None:
    second = make_user("anne", "crcl_analyst")
    data = cases.AllegationData(
        source="public",
        channel="web",
        types=["profiling_ethnicity"],
        agency=phi_agency,
        narrative="Invented.",
        people=[cases.PersonData(name=CANARY_NAME, a_number=CANARY_A_NUMBER)],
    )
    allegation, _ = cases.create_allegation(data)
    what = f"{allegation.number}: an allegation is waiting for triage"
    assert work() == [("ana", what), ("anne", what)]
    # An analyst entering a report does not hear about it from themselves.
    other, _ = cases.create_allegation(data, second)
    assert work()[2:] == [("ana", f"{other.number}: an allegation is waiting for triage")]
    assert all(
        CANARY_NAME not in m.body and CANARY_A_NUMBER not in m.body for m in Message.objects.all()
    )


def test_an_inquiry_opened_by_a_supervisor_is_mailed_to_its_investigator(
    analyst: Any, supervisor: Any, investigator: Any, phi_agency: Any
) -> None:
    data = cases.AllegationData(
        source="organization", channel="phone", types=["profiling_lep"], agency=phi_agency
    )
    allegation, _ = cases.create_allegation(data, analyst)
    allegation_move(allegation, "triage", analyst)
    allegation_move(allegation, "retain", supervisor, investigator=str(investigator.pk))
    inquiry = allegation.inquiries.get()
    assert work() == [("ivan", f"{inquiry.number}: an inquiry is assigned to you")]


def test_approvals_waiting_are_mailed_to_supervisors(
    inquiry: Any, investigator: Any, supervisor: Any, phi_agency: Any
) -> None:
    from transferwatch.escalations.models import DEFAULT_LEGAL_BASIS, DEFAULT_RECIPIENT

    letter = escalations.create_escalation(
        investigator,
        {
            "agency": phi_agency,
            "kind": "doj",
            "recipient": DEFAULT_RECIPIENT["doj"],
            "legal_basis": DEFAULT_LEGAL_BASIS["doj"],
            "subject": "Referral (invented)",
            "concerns": "Invented.",
        },
    )
    inquiry_move(inquiry, "findings", investigator, "Invented findings.")
    assert work() == [
        ("sue", f"{letter.number}: a letter is drafted and waits for a supervisor's approval")
    ]


def test_a_move_that_is_refused_tells_nobody(
    pd_draft: Any, field_phi: Any, investigator: Any
) -> None:
    with pytest.raises(Http404):
        discretion.act(pd_draft, "take_up", field_phi)  # still a draft: ICE cannot see it
    PDRequest.objects.filter(pk=pd_draft.pk).update(bases=[])
    with pytest.raises(discretion.Refused, match="basis"):
        discretion.act(pd_draft, "submit", investigator)
    assert not Message.objects.exists()
