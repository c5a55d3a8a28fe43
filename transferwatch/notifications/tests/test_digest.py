"""Each user chooses: every notice at once, or one digest a day with all of them."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, make_user
from transferwatch.discretion import services as discretion
from transferwatch.notifications import services
from transferwatch.notifications.models import Message
from transferwatch.notifications.tests.conftest import give_addresses


@pytest.fixture
def daily(django_capture_on_commit_callbacks: Any) -> Callable[[], str]:
    def run() -> str:
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("notify_daily", stdout=out)
        return out.getvalue()

    return run


def test_immediate_is_the_default_and_sends_each_notice_at_once(
    pd_draft: Any,
    investigator: Any,
    field_phi: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    daily: Callable[[], str],
) -> None:
    give_addresses(field_phi)
    assert services.delivery_of(field_phi) == "immediate"
    with django_capture_on_commit_callbacks(execute=True):
        discretion.act(pd_draft, "submit", investigator)
    assert [m.to for m in mailoutbox] == [["phil@staff.example"]]
    assert "daily digests queued: 0" in daily()
    assert len(mailoutbox) == 1


def test_a_digest_user_gets_the_days_notices_in_one_message_once(
    pd_draft: Any,
    investigator: Any,
    field_phi: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    inquiry: Any,
    daily: Callable[[], str],
) -> None:
    give_addresses(field_phi)
    services.set_delivery(field_phi, "daily")
    with django_capture_on_commit_callbacks(execute=True):
        first = discretion.act(pd_draft, "submit", investigator)
        second = discretion.act(
            discretion.create(
                investigator,
                inquiry,
                person=first.person,
                transfer=first.transfer,
                bases=["profiling"],
                person_status=["witness"],
                agency_conduct="Invented.",
            ),
            "submit",
            investigator,
        )
    assert mailoutbox == []
    held = Message.objects.filter(user=field_phi, status="held")
    assert held.count() == 2

    assert "daily digests queued: 1" in daily()
    [mail] = mailoutbox
    assert mail.to == ["phil@staff.example"]
    assert mail.subject.startswith("TransferWatch: 2 notices for ")
    assert first.number in mail.body and second.number in mail.body
    assert CANARY_NAME not in mail.body and CANARY_A_NUMBER not in mail.body
    digest = Message.objects.get(kind="digest")
    assert digest.status == "sent" and digest.user == field_phi
    assert set(digest.notices.values_list("status", flat=True)) == {"digested"}

    assert "daily digests queued: 0" in daily()  # the same notices never go out twice
    assert len(mailoutbox) == 1


def test_changing_the_choice_is_audited_and_affects_only_that_user(
    field_phi: Any, pd_draft: Any, investigator: Any
) -> None:
    from transferwatch.audit.models import Event

    other = make_user("phoebe", "ice_field_reviewer", ("PHI",))
    services.set_delivery(field_phi, "daily")
    services.set_delivery(field_phi, "daily")  # no change, no second event
    [event] = Event.objects.filter(action="notifications.preference.changed")
    assert event.actor == field_phi
    assert event.changes == {"delivery": {"from": "immediate", "to": "daily"}}
    discretion.act(pd_draft, "submit", investigator)
    statuses = dict(Message.objects.values_list("user__username", "status"))
    assert statuses == {"phil": "held", "phoebe": "queued"}
    assert other.pk
