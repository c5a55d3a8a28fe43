"""Who may open which meeting page, and the forms that plan and edit a meeting."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.cases.models import history
from transferwatch.conftest import client_for
from transferwatch.meetings.models import ActionItem, Meeting
from transferwatch.meetings.tests.conftest import EDITORS, READERS, ROLES

# page -> the roles that get 200; every other role gets 404.
PAGES = {
    "meeting_list": READERS,
    "meeting_detail": READERS,
    "meeting_print": READERS,
    "meeting_new": EDITORS,
    "meeting_edit": EDITORS,
    "meeting_agenda": EDITORS,
    "meeting_attendees": EDITORS,
}


def url(page: str, m: Meeting) -> str:
    return reverse(page) if page in ("meeting_list", "meeting_new") else reverse(page, args=[m.pk])


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_it_gives_each_role_its_pages_and_404_for_the_rest(
    request: pytest.FixtureRequest, make_meeting: Callable[..., Meeting], role: str, page: str
) -> None:
    m = make_meeting()
    response = client_for(request.getfixturevalue(role)).get(url(page, m))
    assert response.status_code == (200 if role in PAGES[page] else 404)


def test_it_sends_anonymous_visitors_to_login(make_meeting: Callable[..., Meeting]) -> None:
    m = make_meeting()
    for page in PAGES:
        response = Client().get(url(page, m))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_lists_upcoming_and_past_meetings(hq: Any, make_meeting: Callable[..., Meeting]) -> None:
    make_meeting(day=date(2015, 7, 14), quarter="2015Q2", status="minutes_approved")
    make_meeting(day=date(2099, 1, 20), quarter="2098Q4")
    page = client_for(hq).get(reverse("meeting_list")).content.decode()
    upcoming, past = page.split("<h2>Past</h2>")
    assert "Quarterly meeting 2098Q4" in upcoming and "2015Q2" not in upcoming
    assert "Quarterly meeting 2015Q2" in past and "2098Q4" not in past
    assert "Plan a meeting" not in page  # ICE HQ reads only


def test_it_shows_readers_no_edit_buttons(
    leadership: Any, analyst: Any, make_meeting: Callable[..., Meeting]
) -> None:
    m = make_meeting()
    page = client_for(leadership).get(reverse("meeting_detail", args=[m.pk])).content.decode()
    assert "Draft the agenda" not in page and "Edit the attendees" not in page
    page = client_for(analyst).get(reverse("meeting_detail", args=[m.pk])).content.decode()
    assert "Draft the agenda" in page and "Edit the attendees" in page


def test_it_plans_a_meeting_from_the_form(analyst: Any) -> None:
    response = client_for(analyst).post(
        reverse("meeting_new"),
        {"kind": "extra", "quarter": "", "date": "2015-08-12", "place": "Video", "format": "video"},
    )
    m = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "meeting_detail", args=[m.pk]
    )
    assert (m.kind, m.quarter, m.status, m.created_by) == ("extra", "2015Q3", "planned", analyst)
    assert [s.action for s in history(m)] == ["created"]
    assert Event.objects.filter(action="meetings.meeting.created", object_id=str(m.pk)).exists()


def test_it_rejects_a_malformed_quarter(analyst: Any) -> None:
    response = client_for(analyst).post(
        reverse("meeting_new"), {"kind": "quarterly", "quarter": "2015-3", "date": "2015-10-01"}
    )
    assert response.status_code == 200
    assert "Write the quarter like 2015Q3" in response.content.decode()
    assert not Meeting.objects.exists()


def test_it_edits_the_agenda_and_keeps_staff_items_when_drafting_again(
    analyst: Any, make_meeting: Callable[..., Meeting]
) -> None:
    m = make_meeting(agenda=False)
    client = client_for(analyst)
    client.post(reverse("meeting_draft_agenda", args=[m.pk]))  # nothing open: no drafted items
    data = {
        "agenda-TOTAL_FORMS": "1",
        "agenda-INITIAL_FORMS": "0",
        "agenda-0-position": "5",
        "agenda-0-title": "Training schedule for field offices",
        "agenda-0-notes": "",
    }
    assert client.post(reverse("meeting_agenda", args=[m.pk]), data).status_code == 302
    item = m.agenda.get()
    assert (item.title, item.drafted) == ("Training schedule for field offices", False)
    client.post(reverse("meeting_draft_agenda", args=[m.pk]))
    assert list(m.agenda.values_list("title", flat=True)) == [item.title]
    actions = [s.action for s in history(m)]
    assert actions == ["created", "drafted_agenda", "edited_agenda", "drafted_agenda"]
    event = Event.objects.get(action="meetings.meeting.agenda_edited", object_id=str(m.pk))
    assert event.changes == {"fields": ["agenda"]}  # never the text


def test_it_refuses_agenda_edits_once_the_agenda_is_ready(
    analyst: Any, make_meeting: Callable[..., Meeting]
) -> None:
    m = make_meeting(status="agenda_ready")
    before = list(m.agenda.values_list("title", flat=True))
    response = client_for(analyst).post(reverse("meeting_draft_agenda", args=[m.pk]))
    assert response.status_code == 403
    assert list(m.agenda.values_list("title", flat=True)) == before
    event = Event.objects.get(action="meetings.meeting.refused", object_id=str(m.pk))
    assert event.changes["action"] == "edit_agenda"


def test_it_records_attendees_from_both_sides(
    analyst: Any, hq: Any, make_meeting: Callable[..., Meeting]
) -> None:
    m = make_meeting()
    data = {
        "attendees-TOTAL_FORMS": "2",
        "attendees-INITIAL_FORMS": "0",
        "attendees-0-side": "ice",
        "attendees-0-user": str(hq.pk),
        "attendees-1-side": "crcl",
        "attendees-1-name": "Pat Example",
        "attendees-1-organisation": "CRCL Compliance Branch",
        "attendees-1-title": "Director",
    }
    assert (
        client_for(analyst).post(reverse("meeting_attendees", args=[m.pk]), data).status_code == 302
    )
    assert m.attendees.count() == 2
    page = client_for(hq).get(reverse("meeting_detail", args=[m.pk])).content.decode()
    assert "Pat Example, Director, CRCL Compliance Branch" in page and "harry" in page
    event = Event.objects.get(action="meetings.meeting.attendees_edited", object_id=str(m.pk))
    assert "Pat Example" not in str(event.changes)


def test_it_asks_for_a_user_or_a_name_for_each_attendee(
    analyst: Any, make_meeting: Callable[..., Meeting]
) -> None:
    m = make_meeting()
    data = {
        "attendees-TOTAL_FORMS": "1",
        "attendees-INITIAL_FORMS": "0",
        "attendees-0-side": "ice",
        "attendees-0-title": "Deputy",
    }
    response = client_for(analyst).post(reverse("meeting_attendees", args=[m.pk]), data)
    assert (
        response.status_code == 200 and "Choose a user or write a name" in response.content.decode()
    )
    assert not m.attendees.exists()


def test_it_writes_minutes_and_action_items_only_once_held(
    investigator: Any, supervisor: Any, make_meeting: Callable[..., Meeting]
) -> None:
    m = make_meeting(status="agenda_ready")
    client = client_for(investigator)
    minutes = {"minutes": "ICE agreed to review the overdue requests.", "decisions": "Agreed."}
    assert client.post(reverse("meeting_minutes", args=[m.pk]), minutes).status_code == 403
    item = {"description": "Send the overdue list.", "side": "ice", "owner_text": "ERO HQ"}
    assert client.post(reverse("action_item_new", args=[m.pk]), item).status_code == 403
    assert not ActionItem.objects.exists()

    Meeting.objects.filter(pk=m.pk).update(status="held")
    assert client.post(reverse("meeting_minutes", args=[m.pk]), minutes).status_code == 302
    item["owner"] = str(supervisor.pk)
    item["due_date"] = "2015-12-01"
    assert client.post(reverse("action_item_new", args=[m.pk]), item).status_code == 302
    m.refresh_from_db()
    assert m.minutes == minutes["minutes"] and m.decisions == "Agreed."
    created = ActionItem.objects.get()
    assert (created.owner, created.owner_text, created.side) == (supervisor, "ERO HQ", "ice")
    assert [s.action for s in history(created)] == ["created"]


def test_it_refuses_an_action_item_without_owner(
    investigator: Any, make_meeting: Callable[..., Meeting]
) -> None:
    m = make_meeting(status="held")
    item = {"description": "Send the list.", "side": "ice"}
    client_for(investigator).post(reverse("action_item_new", args=[m.pk]), item)
    assert not ActionItem.objects.exists()


def test_it_prints_the_meeting(
    leadership: Any, make_meeting: Callable[..., Meeting], make_item: Callable[..., ActionItem]
) -> None:
    m = make_meeting(status="minutes_approved")
    make_item(m, "Publish the training calendar.")
    page = client_for(leadership).get(reverse("meeting_print", args=[m.pk])).content.decode()
    assert "Quarterly meeting 2015Q3" in page
    assert "CRCL and ICE reviewed the open PD requests." in page
    assert "Publish the training calendar." in page
    assert "(draft, not approved)" not in page


def test_the_meeting_page_links_the_packet_of_its_quarter(
    make_meeting: Any, analyst: Any, leadership: Any
) -> None:
    from transferwatch.reports.models import Packet

    m = make_meeting()
    page = client_for(analyst).get(f"/meetings/{m.pk}/").content.decode()
    assert "no packet built yet for this quarter" in page
    packet = Packet.objects.create(quarter="2015Q3", status="done")
    Packet.objects.create(quarter="2015Q2", status="done")
    for user in (analyst, leadership):
        page = client_for(user).get(f"/meetings/{m.pk}/").content.decode()
        assert f'href="/reports/packets/{packet.pk}/">quarterly packet</a>' in page


def test_the_packet_link_opens_the_packet_form_on_the_meetings_quarter(
    make_meeting: Any, analyst: Any
) -> None:
    m = make_meeting(quarter="2015Q3")  # the current quarter is years later
    client = client_for(analyst)
    page = client.get(reverse("meeting_detail", args=[m.pk])).content.decode()
    link = re.search(r'href="([^"]+)">no packet built yet for this quarter', page)
    assert link is not None
    form = client.get(html.unescape(link.group(1))).content.decode()
    assert re.search(r'name="quarter"[^>]* value="2015Q3"', form), "the meeting's quarter"
