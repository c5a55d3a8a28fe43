"""Every move of a meeting and an action item, by a role that may and one that may not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from transferwatch.audit.models import Event
from transferwatch.cases.models import history
from transferwatch.conftest import client_for
from transferwatch.meetings.models import ActionItem, Meeting

# action, source, target, the role that may, the role that may not, and what it gets
# (403: the page with the refusal; 404: meetings do not exist for that role).
MOVES = [
    ("prepare_agenda", "planned", "agenda_ready", "analyst", "hq", 403),
    ("prepare_agenda", "planned", "agenda_ready", "investigator", "field_phi", 404),
    ("reopen_agenda", "agenda_ready", "planned", "supervisor", "leadership", 403),
    ("hold", "agenda_ready", "held", "investigator", "hq", 403),
    ("hold", "agenda_ready", "held", "analyst", "opla", 404),
    ("approve_minutes", "held", "minutes_approved", "supervisor", "analyst", 403),
    ("approve_minutes", "held", "minutes_approved", "supervisor", "investigator", 403),
    ("approve_minutes", "held", "minutes_approved", "supervisor", "outsider", 404),
]


def refusals(obj: Any) -> list[dict[str, Any]]:
    label = obj._meta.label_lower
    events = Event.objects.filter(action=f"{label}.refused", object_id=str(obj.pk))
    return list(events.order_by("seq").values_list("changes", flat=True))


def act(user: Any, m: Meeting, action: str, text: str = "Reason given.") -> Any:
    return client_for(user).post(reverse("meeting_act", args=[m.pk, action]), {"text": text})


@pytest.mark.parametrize(("action", "source", "target", "allowed", "refused", "code"), MOVES)
def test_it_lets_the_allowed_role_move_and_refuses_the_other(
    request: pytest.FixtureRequest,
    make_meeting: Callable[..., Meeting],
    action: str,
    source: str,
    target: str,
    allowed: str,
    refused: str,
    code: int,
) -> None:
    m = make_meeting(status=source)
    response = act(request.getfixturevalue(refused), m, action)
    assert response.status_code == code
    m.refresh_from_db()
    assert m.status == source
    assert len(refusals(m)) == 1

    allowed_user = request.getfixturevalue(allowed)
    response = act(allowed_user, m, action)
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == target
    step = list(history(m))[-1]
    assert (step.action, step.from_status, step.to_status) == (action, source, target)
    assert step.actor == allowed_user
    event = Event.objects.get(action=f"meetings.meeting.{action}", object_id=str(m.pk))
    assert event.changes == {"status": {"from": source, "to": target}}


@pytest.mark.parametrize(
    ("action", "wrong"),
    [
        ("prepare_agenda", "agenda_ready"),
        ("reopen_agenda", "held"),
        ("hold", "planned"),
        ("hold", "minutes_approved"),
        ("approve_minutes", "agenda_ready"),
        ("approve_minutes", "minutes_approved"),
    ],
)
def test_it_refuses_a_move_from_the_wrong_state(
    supervisor: Any, make_meeting: Callable[..., Meeting], action: str, wrong: str
) -> None:
    m = make_meeting(status=wrong)
    response = act(supervisor, m, action)
    assert response.status_code == 403
    m.refresh_from_db()
    assert m.status == wrong
    assert refusals(m)[0]["reason"] == f"the record is {m.get_status_display().lower()}"


def test_it_needs_an_agenda_before_it_is_ready(
    analyst: Any, make_meeting: Callable[..., Meeting]
) -> None:
    m = make_meeting(agenda=False)
    assert act(analyst, m, "prepare_agenda").status_code == 403
    assert "the agenda is empty" in refusals(m)[0]["reason"]
    m.refresh_from_db()
    assert m.status == "planned"


def test_it_needs_a_reason_to_reopen_the_agenda(
    analyst: Any, make_meeting: Callable[..., Meeting]
) -> None:
    m = make_meeting(status="agenda_ready")
    assert act(analyst, m, "reopen_agenda", text=" ").status_code == 403
    assert refusals(m)[0]["reason"] == "a reason is required"


def test_it_refuses_to_hold_a_meeting_before_its_day(
    analyst: Any, make_meeting: Callable[..., Meeting]
) -> None:
    m = make_meeting(status="agenda_ready", day=timezone.localdate() + timedelta(days=3))
    assert act(analyst, m, "hold").status_code == 403
    m.refresh_from_db()
    assert m.status == "agenda_ready" and m.held_at is None


def test_it_approves_only_written_minutes_and_records_the_approver(
    supervisor: Any, make_meeting: Callable[..., Meeting]
) -> None:
    m = make_meeting(status="held")
    m.minutes = ""
    m.save()
    assert act(supervisor, m, "approve_minutes").status_code == 403
    Meeting.objects.filter(pk=m.pk).update(minutes="Discussed.")
    assert act(supervisor, m, "approve_minutes").status_code == 302
    m.refresh_from_db()
    assert m.approved_by == supervisor and m.approved_at is not None


# Action items ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allowed", "refused", "code"),
    [("investigator", "hq", 403), ("analyst", "leadership", 403), ("supervisor", "field_phi", 404)],
)
def test_it_lets_crcl_mark_an_action_item_done(
    request: pytest.FixtureRequest,
    make_meeting: Callable[..., Meeting],
    make_item: Callable[..., ActionItem],
    allowed: str,
    refused: str,
    code: int,
) -> None:
    item = make_item(make_meeting(status="held"))
    url = reverse("action_item_act", args=[item.pk, "done"])
    assert client_for(request.getfixturevalue(refused)).post(url).status_code == code
    item.refresh_from_db()
    assert item.status == "open" and item.done_at is None
    assert len(refusals(item)) == 1

    assert client_for(request.getfixturevalue(allowed)).post(url).status_code == 302
    item.refresh_from_db()
    assert item.status == "done" and item.done_at is not None
    assert [s.action for s in history(item)] == ["created", "done"]
    event = Event.objects.get(action="meetings.actionitem.done", object_id=str(item.pk))
    assert event.changes == {"status": {"from": "open", "to": "done"}}


def test_it_refuses_to_carry_an_item_by_hand_or_close_it_twice(
    analyst: Any, make_meeting: Callable[..., Meeting], make_item: Callable[..., ActionItem]
) -> None:
    item = make_item(make_meeting(status="held"))
    client = client_for(analyst)
    assert client.post(reverse("action_item_act", args=[item.pk, "carry"])).status_code == 403
    item.refresh_from_db()
    assert item.status == "open"
    assert client.post(reverse("action_item_act", args=[item.pk, "done"])).status_code == 302
    assert client.post(reverse("action_item_act", args=[item.pk, "done"])).status_code == 403
    assert [r["action"] for r in refusals(item)] == ["carry", "done"]
