"""Delivery through a real SMTP conversation on 127.0.0.1: sent, failed, sent again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from transferwatch.audit.models import Event
from transferwatch.conftest import LocalSMTP
from transferwatch.notifications import services
from transferwatch.notifications.models import Message
from transferwatch.notifications.tests.conftest import PDF


def test_it_delivers_the_message_with_its_attachment(
    smtp_server: LocalSMTP, queue_one: Callable[..., Message]
) -> None:
    message = queue_one()
    assert (message.status, message.attempts, message.failure) == ("sent", 1, "")
    assert (
        message.sent_at is not None
        and message.record_number == "Montgomery County Sheriff (PA0460000)"
    )
    [(recipients, mail)] = smtp_server.messages
    assert recipients == ["office@agency.example"]
    assert mail["Subject"] == "A test letter"
    assert mail.get_body(("plain",)).get_content().strip() == "The letter is attached."
    [attachment] = mail.iter_attachments()
    assert attachment.get_filename() == "letter.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    sent = Event.objects.get(action="notifications.message.sent", object_id=str(message.pk))
    assert sent.changes == {"kind": "letter", "attempt": 1}


def test_a_server_that_is_down_is_recorded_and_a_retry_delivers(
    smtp_server: LocalSMTP,
    queue_one: Callable[..., Message],
    supervisor: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    smtp_server.stop()
    message = queue_one()
    assert message.status == "failed" and message.sent_at is None
    assert message.failure == "ConnectionRefusedError (errno 111)"
    assert "office@agency.example" not in message.failure
    failed = Event.objects.get(action="notifications.message.failed", object_id=str(message.pk))
    assert failed.changes["failure"] == message.failure

    smtp_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        services.retry(message.pk, supervisor)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.failure) == ("sent", 2, "")
    [(_, mail)] = smtp_server.messages
    assert [a.get_filename() for a in mail.iter_attachments()] == ["letter.pdf"]
    retried = Event.objects.get(action="notifications.message.retried", object_id=str(message.pk))
    assert retried.actor == supervisor


def test_nothing_is_kept_or_sent_when_the_move_rolls_back(
    smtp_server: LocalSMTP, phi_agency: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.queue("letter", phi_agency, subject="s", body="b", to=["a@b.example"])
        raise RuntimeError("the move failed")
    assert not Message.objects.exists()
    assert smtp_server.messages == []


def test_a_staff_recipient_without_an_address_is_a_failure_that_says_so(
    queue_one: Callable[..., Message], investigator: Any, mailoutbox: list[Any]
) -> None:
    message = queue_one(to=[], user=investigator, attachments=[])
    assert (message.status, message.failure) == ("failed", "no e-mail address to send to")
    assert mailoutbox == []


@pytest.mark.parametrize("status", ["queued", "sent"])
def test_only_a_failed_message_is_sent_again(
    queue_one: Callable[..., Message], supervisor: Any, status: str
) -> None:
    message = queue_one()
    Message.objects.filter(pk=message.pk).update(status=status)
    with pytest.raises(services.Refused, match="not failed"):
        services.retry(message.pk, supervisor)
    refused = Event.objects.get(action="notifications.message.refused", object_id=str(message.pk))
    assert refused.changes["action"] == "retry"
