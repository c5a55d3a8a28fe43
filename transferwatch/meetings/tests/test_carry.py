"""Open action items are carried from meeting to meeting until done, and the chain is visible."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.cases.models import history
from transferwatch.conftest import client_for
from transferwatch.lib import workflow
from transferwatch.meetings import services
from transferwatch.meetings.models import ActionItem, Meeting


def plan(user: Any, day: str, quarter: str) -> Meeting:
    client = client_for(user)
    response = client.post(
        reverse("meeting_new"),
        {"kind": "quarterly", "quarter": quarter, "date": day, "format": "video"},
    )
    assert response.status_code == 302
    return Meeting.objects.get(quarter=quarter)


def test_it_carries_open_items_along_the_chain_until_done(
    analyst: Any,
    investigator: Any,
    make_meeting: Callable[..., Meeting],
    make_item: Callable[..., ActionItem],
) -> None:
    first = make_meeting(status="minutes_approved", day=date(2015, 7, 14), quarter="2015Q2")
    a = make_item(first, "Share the detainer statistics of the PHI area.")
    b = make_item(first, "Confirm the training dates.", status="done")
    c = make_item(first, "Review the overdue PD requests.", due_date=date(2015, 9, 1))

    second = plan(analyst, "2015-10-15", "2015Q3")
    a2, c2 = second.action_items.order_by("pk")
    assert (a2.carried_from, c2.carried_from) == (a, c)
    assert (a2.description, c2.due_date, c2.owner_text) == (a.description, c.due_date, c.owner_text)
    for old in (a, c):
        old.refresh_from_db()
        assert old.status == "carried"
        assert [s.action for s in history(old)] == ["created", "carry"]
        assert Event.objects.filter(
            action="meetings.actionitem.carry", object_id=str(old.pk)
        ).exists()
    b.refresh_from_db()
    assert b.status == "done" and not hasattr(b, "carried_to")
    assert [s.action for s in history(a2)] == ["created"]

    client_for(investigator).post(reverse("action_item_act", args=[a2.pk, "done"]))
    third = plan(analyst, "2016-01-20", "2015Q4")
    (c3,) = third.action_items.all()
    assert c3.chain() == [c, c2, c3] and c3.origin.meeting == first
    a2.refresh_from_db()
    assert a2.status == "done"  # a done item stops the chain

    page = client_for(analyst).get(reverse("meeting_detail", args=[third.pk])).content.decode()
    assert "Carried from" in page and "Quarterly meeting 2015Q3" in page
    assert "first raised at Quarterly meeting 2015Q2" in page
    page = client_for(analyst).get(reverse("meeting_detail", args=[first.pk])).content.decode()
    assert "Continued at" in page and f"#item-{c2.pk}" in page

    services.draft_agenda(third, analyst)
    titles = list(third.agenda.values_list("title", flat=True))
    assert "Action items carried from the last meeting (1)" in titles


def test_it_carries_items_added_after_the_next_meeting_was_planned(
    analyst: Any, make_meeting: Callable[..., Meeting], make_item: Callable[..., ActionItem]
) -> None:
    first = make_meeting(status="held", day=date(2015, 7, 14), quarter="2015Q2")
    second = plan(analyst, "2015-10-15", "2015Q3")
    assert not second.action_items.exists()
    late = make_item(first, "Send the corrected list.")
    page = client_for(analyst).get(reverse("meeting_detail", args=[second.pk])).content.decode()
    assert "1 open action item added after this meeting was planned" in page
    response = client_for(analyst).post(reverse("meeting_carry", args=[second.pk]))
    assert response.status_code == 302
    late.refresh_from_db()
    assert late.status == "carried" and late.carried_to.meeting == second


def test_it_refuses_planning_to_roles_that_only_read(
    hq: Any, leadership: Any, make_meeting: Callable[..., Meeting]
) -> None:
    for user in (hq, leadership):
        response = client_for(user).post(
            reverse("meeting_new"), {"kind": "quarterly", "quarter": "2015Q3", "date": "2015-10-15"}
        )
        assert response.status_code == 404
        with pytest.raises(workflow.Refused):
            services.create_meeting(user, {"quarter": "2015Q3", "date": date(2015, 10, 15)})
    assert not Meeting.objects.exists()


def test_it_carries_nothing_to_the_first_meeting(analyst: Any) -> None:
    m = plan(analyst, "2015-10-15", "2015Q3")
    assert not m.action_items.exists() and m.previous() is None
