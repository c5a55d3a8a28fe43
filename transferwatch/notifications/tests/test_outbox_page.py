"""The outbox page: what was sent, to whom, when, and failures with a retry (supervisors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.conftest import LocalSMTP, client_for
from transferwatch.notifications.models import Message


@pytest.fixture
def failed(queue_one: Callable[..., Message], smtp_server: LocalSMTP) -> Message:
    """A message that failed because the SMTP server was down (it is up again afterwards)."""
    smtp_server.stop()
    message = queue_one(subject="Referral CRCL-E-2026-000001")
    assert message.status == "failed"
    smtp_server.start()
    return message


def test_a_supervisor_sees_what_was_sent_to_whom_and_what_failed(
    queue_one: Callable[..., Message], failed: Message, supervisor: Any
) -> None:
    queue_one(subject="Recommendations CRCL-I-2026-000001")
    page = client_for(supervisor).get(reverse("outbox")).content.decode()
    assert "Recommendations CRCL-I-2026-000001" in page and "Referral CRCL-E-2026-000001" in page
    assert "office@agency.example" in page and "letter.pdf" in page
    assert "ConnectionRefusedError" in page and "Send again" in page
    only_failed = client_for(supervisor).get(reverse("outbox"), {"status": "failed"})
    assert "Recommendations CRCL-I" not in only_failed.content.decode()


def test_the_outbox_is_in_the_navigation_of_supervisors_only(
    supervisor: Any, investigator: Any
) -> None:
    assert reverse("outbox") in client_for(supervisor).get(reverse("home")).content.decode()
    assert reverse("outbox") not in client_for(investigator).get(reverse("home")).content.decode()


@pytest.mark.parametrize("role", ["investigator", "analyst", "leadership", "auditor", "outsider"])
def test_other_roles_get_404(request: pytest.FixtureRequest, failed: Message, role: str) -> None:
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("outbox")).status_code == 404
    assert client.post(reverse("outbox_retry", args=[failed.pk])).status_code == 404
    failed.refresh_from_db()
    assert failed.attempts == 1


def test_a_supervisor_sends_a_failed_message_again_and_it_is_audited(
    failed: Message,
    supervisor: Any,
    smtp_server: LocalSMTP,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(supervisor).post(reverse("outbox_retry", args=[failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 2)
    [(recipients, _)] = smtp_server.messages
    assert recipients == ["office@agency.example"]
    event = Event.objects.get(action="notifications.message.retried", object_id=str(failed.pk))
    assert event.actor == supervisor and event.changes == {"kind": "letter"}


def test_the_page_does_not_grow_queries_with_messages(
    queue_one: Callable[..., Message], supervisor: Any
) -> None:
    client = client_for(supervisor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("outbox")).status_code == 200
        return len(captured)

    queue_one()
    one = queries()
    for _ in range(5):
        queue_one(to=["other@agency.example"])
    assert queries() == one
