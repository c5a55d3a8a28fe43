"""CRCL inquiries: plan, file, findings, recommendations, responses, closing by a supervisor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from transferwatch.audit.models import Event
from transferwatch.cases import services
from transferwatch.cases.models import Allegation, Inquiry, history
from transferwatch.cases.moves import allegation_move, inquiry_move
from transferwatch.cases.tests.conftest import PDF
from transferwatch.conftest import client_for
from transferwatch.lib.workflow import Refused


@pytest.fixture
def inquiry(triaged: Allegation, investigator: Any) -> Inquiry:
    allegation_move(triaged, "retain", investigator, investigator=investigator.pk)
    return Inquiry.objects.get(allegation=triaged)


def act(user: Any, inquiry: Inquiry, action: str, **post: Any) -> Any:
    return client_for(user).post(reverse("inquiry_act", args=[inquiry.number, action]), post)


def at_findings(inquiry: Inquiry, user: Any) -> Inquiry:
    inquiry_move(inquiry, "start", user, "Visit the jail; read the booking logs.")
    return inquiry_move(inquiry, "findings", user, "Stops of Hispanic drivers tripled.")


def test_it_starts_with_a_plan_only(db: Any, inquiry: Inquiry, investigator: Any) -> None:
    response = act(investigator, inquiry, "start", text="")
    assert response.status_code == 403 and "A reason is required" in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.status == "open"
    assert act(investigator, inquiry, "start", text="Interview the deputies.").status_code == 302
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.plan) == ("investigating", "Interview the deputies.")
    assert inquiry.step_due == timezone.localdate() + timedelta(days=120)


def test_it_hides_inquiries_from_roles_without_them_and_audits(
    db: Any, inquiry: Inquiry, analyst: Any, field_phi: Any
) -> None:
    for user in (analyst, field_phi):
        assert act(user, inquiry, "start", text="plan").status_code == 404
        url = reverse("inquiry_detail", args=[inquiry.number])
        assert client_for(user).get(url).status_code == 404
    inquiry.refresh_from_db()
    assert inquiry.status == "open"
    refused = Event.objects.filter(action="cases.inquiry.refused", object_id=str(inquiry.pk))
    assert refused.count() == 2
    assert all(e.changes["reason"] == "outside scope" for e in refused)


def test_it_keeps_a_file_of_notes_evidence_and_visits(
    db: Any, inquiry: Inquiry, investigator: Any, settings: Any
) -> None:
    inquiry_move(inquiry, "start", investigator, "plan")
    client = client_for(investigator)
    url = reverse("inquiry_entry", args=[inquiry.number])
    response = client.post(url, {"kind": "onsite_visit", "text": "Visited the jail."})
    assert response.status_code == 400
    assert "An onsite visit needs its date." in response.content.decode()
    client.post(
        url,
        {
            "kind": "onsite_visit",
            "text": "Visited.",
            "on_date": "2025-03-01",
            "place": "Norristown",
        },
    )
    pdf = SimpleUploadedFile("logs.pdf", PDF, "application/pdf")
    assert (
        client.post(url, {"kind": "evidence", "text": "Logs", "attachments": [pdf]}).status_code
        == 302
    )
    entries = list(inquiry.entries.all())
    assert [e.kind for e in entries] == ["onsite_visit", "evidence"]
    assert entries[0].place == "Norristown"
    attachment = entries[1].attachments.get()
    assert attachment.inquiry == inquiry and attachment.content_type == "application/pdf"
    page = client.get(reverse("inquiry_detail", args=[inquiry.number])).content.decode()
    assert "logs.pdf" in page and "Norristown" in page


def test_it_numbers_recommendations_and_sends_them(
    db: Any, inquiry: Inquiry, investigator: Any
) -> None:
    at_findings(inquiry, investigator)
    with pytest.raises(Refused, match="at least one recommendation"):
        inquiry_move(inquiry, "send_recommendations", investigator)
    url = reverse("inquiry_recommendation", args=[inquiry.number])
    client_for(investigator).post(url, {"text": "Train deputies on bias-free policing."})
    client_for(investigator).post(url, {"text": "Record the reason for every stop."})
    assert list(inquiry.recommendations.values_list("number", flat=True)) == [1, 2]
    assert act(investigator, inquiry, "send_recommendations").status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == "recommendations_sent"
    # No new recommendation once sent.
    with pytest.raises(Refused):
        services.add_recommendation(inquiry, investigator, "late")


def test_it_records_a_response_per_recommendation_then_closes_by_a_supervisor(
    db: Any, inquiry: Inquiry, investigator: Any, supervisor: Any
) -> None:
    at_findings(inquiry, investigator)
    services.add_recommendation(inquiry, investigator, "Train deputies.")
    services.add_recommendation(inquiry, investigator, "Record stop reasons.")
    inquiry_move(inquiry, "send_recommendations", investigator)
    act(investigator, inquiry, "respond", recommendation=1, response="concur", text="Will train.")
    with pytest.raises(Refused, match="every recommendation"):
        inquiry_move(inquiry, "responses_complete", investigator)
    response = act(investigator, inquiry, "respond", recommendation=2, response="maybe", text="x")
    assert response.status_code == 403
    act(investigator, inquiry, "respond", recommendation=2, response="non_concur", text="No.")
    assert act(investigator, inquiry, "responses_complete").status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == "response_received"
    responses = list(inquiry.recommendations.values_list("number", "response", "response_text"))
    assert responses == [(1, "concur", "Will train."), (2, "non_concur", "No.")]
    # Only a supervisor closes.
    response = act(investigator, inquiry, "close")
    assert response.status_code == 403 and "Your role may not" in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.status == "response_received"
    assert act(supervisor, inquiry, "close").status_code == 302
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.closed_by, inquiry.step_due) == ("closed", supervisor, None)


def test_it_closes_from_findings_and_reopens_with_a_reason(
    db: Any, inquiry: Inquiry, investigator: Any, supervisor: Any
) -> None:
    at_findings(inquiry, investigator)
    inquiry_move(inquiry, "close", supervisor, "No recommendation needed.")
    with pytest.raises(Refused, match="reason is required"):
        inquiry_move(inquiry, "reopen", investigator)
    with pytest.raises(Refused, match="the record is closed"):
        inquiry_move(inquiry, "findings", investigator, "more")
    inquiry = inquiry_move(inquiry, "reopen", investigator, "New booking data arrived.")
    assert (inquiry.status, inquiry.closed_at) == ("investigating", None)
    assert [s.action for s in history(inquiry)] == [
        "created", "start", "findings", "close", "reopen",
    ]  # fmt: skip


def test_it_lists_mine_all_and_overdue(
    db: Any, inquiry: Inquiry, investigator: Any, supervisor: Any
) -> None:
    client = client_for(supervisor)
    assert inquiry.number not in client.get(reverse("inquiry_list")).content.decode()
    assert inquiry.number in client.get(reverse("inquiry_list"), {"show": "all"}).content.decode()
    overdue = client.get(reverse("inquiry_list"), {"show": "overdue"}).content.decode()
    assert inquiry.number not in overdue
    mine = client_for(investigator).get(reverse("inquiry_list")).content.decode()
    assert inquiry.number in mine
    with time_machine.travel(timezone.localdate() + timedelta(days=45)):
        overdue = (
            client_for(supervisor)
            .get(reverse("inquiry_list"), {"show": "overdue"})
            .content.decode()
        )
        assert inquiry.number in overdue
