"""Sending a letter e-mails it, as its PDF, to the address configured for its kind (issue 14,
defect 8): over a real SMTP conversation, with the message kept in the outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from transferwatch.conftest import LocalSMTP, client_for
from transferwatch.escalations.models import Escalation
from transferwatch.escalations.tests.conftest import FINDINGS
from transferwatch.notifications.models import Message


def send(user: Any, e: Escalation, callbacks: Any) -> Any:
    with callbacks(execute=True):
        return client_for(user).post(reverse("escalation_act", args=[e.pk, "send"]))


def test_sending_a_letter_emails_its_pdf_to_the_kinds_address(
    make_escalation: Callable[..., Escalation],
    investigator: Any,
    smtp_server: LocalSMTP,
    django_capture_on_commit_callbacks: Any,
) -> None:
    e = make_escalation(kind="doj", status="approved")
    assert send(investigator, e, django_capture_on_commit_callbacks).status_code == 302
    e.refresh_from_db()
    message = Message.objects.get(kind="letter", object_id=e.pk)
    assert (message.status, message.record_number) == ("sent", e.number)
    assert message.to == ["crt-referrals@doj.example"]
    assert message.record_url == reverse("escalation_detail", args=[e.pk])

    [(recipients, mail)] = smtp_server.messages
    assert recipients == ["crt-referrals@doj.example"]
    assert e.number in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert e.number in body and "PA0460000" in body
    assert FINDINGS not in body  # the letter's content travels in the letter only
    [pdf] = mail.iter_attachments()
    assert pdf.get_filename() == f"{e.number}.pdf"
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")


def test_a_state_ag_notice_goes_to_the_attorney_general_of_the_agencys_state(
    make_escalation: Callable[..., Escalation],
    investigator: Any,
    settings: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MAIL_TO = {"state_ag": "ag@state.example", "state_ag:PA": "ag@pa.example"}
    e = make_escalation(kind="state_ag", status="approved", recipient="Attorney General of PA")
    send(investigator, e, django_capture_on_commit_callbacks)
    [mail] = mailoutbox
    assert mail.to == ["ag@pa.example"]


def test_a_kind_without_an_address_cannot_be_sent_and_the_page_says_what_to_set(
    make_escalation: Callable[..., Escalation],
    investigator: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MAIL_TO = {"leadership": "leadership@dhs.example"}
    e = make_escalation(kind="doj", status="approved")
    response = send(investigator, e, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert "doj=ADDRESS to TRANSFERWATCH_MAIL_TO" in response.content.decode()
    e.refresh_from_db()
    assert e.status == "approved"
    assert not Message.objects.exists()
