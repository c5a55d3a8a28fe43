"""Sending an inquiry's recommendations e-mails them to the component as a text file
(issue 14, defect 8), and the outbox keeps the message."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from transferwatch.cases import services
from transferwatch.cases.models import Allegation, Inquiry
from transferwatch.cases.moves import allegation_move, inquiry_move
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for
from transferwatch.lib.workflow import Refused
from transferwatch.notifications.models import Message


@pytest.fixture
def at_findings(triaged: Allegation, investigator: Any) -> Inquiry:
    allegation_move(triaged, "retain", investigator, investigator=investigator.pk)
    inquiry = Inquiry.objects.get(allegation=triaged)
    inquiry_move(inquiry, "start", investigator, "Visit the jail; read the booking logs.")
    inquiry_move(inquiry, "findings", investigator, "Stops of Hispanic drivers tripled.")
    services.add_recommendation(inquiry, investigator, "Train deputies on bias-free policing.")
    services.add_recommendation(inquiry, investigator, "Record the reason for every stop.")
    return inquiry


def test_sending_the_recommendations_emails_them_to_the_component(
    at_findings: Inquiry,
    investigator: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    inquiry = at_findings
    url = reverse("inquiry_act", args=[inquiry.number, "send_recommendations"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(investigator).post(url).status_code == 302
    message = Message.objects.get(kind="recommendations", object_id=inquiry.pk)
    assert (message.status, message.record_number) == ("sent", inquiry.number)
    assert message.to == ["crcl-recommendations@ice.example"]

    [mail] = mailoutbox
    assert mail.to == ["crcl-recommendations@ice.example"]
    assert inquiry.number in mail.subject and inquiry.number in mail.body
    [(name, content, mimetype)] = mail.attachments
    assert (name, mimetype) == (f"{inquiry.number}-recommendations.txt", "text/plain")
    assert "Recommendation 1\nTrain deputies on bias-free policing." in content
    assert "Recommendation 2\nRecord the reason for every stop." in content
    for text in (mail.subject, mail.body, content):
        assert CANARY_NAME not in text and CANARY_A_NUMBER not in text


def test_without_an_address_for_the_component_nothing_is_sent(
    at_findings: Inquiry, investigator: Any, settings: Any
) -> None:
    settings.MAIL_TO = {}
    with pytest.raises(Refused, match="component=ADDRESS"):
        inquiry_move(at_findings, "send_recommendations", investigator)
    at_findings.refresh_from_db()
    assert at_findings.status == "findings"
    assert not Message.objects.exists()
