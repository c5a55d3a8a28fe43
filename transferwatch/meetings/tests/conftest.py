"""Meetings for the tests; who may read and who may edit them (accounts/roles.py grants it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from transferwatch.lib import workflow
from transferwatch.meetings.models import ActionItem, AgendaItem, Meeting

READERS = {"analyst", "investigator", "supervisor", "hq", "leadership"}
EDITORS = {"analyst", "investigator", "supervisor"}
ROLES = ["analyst", "investigator", "supervisor", "field_phi", "hq", "opla", "leadership"]
ROLES += ["auditor", "outsider"]


@pytest.fixture
def make_meeting(analyst: Any) -> Callable[..., Meeting]:
    """A meeting in any status, as the moves would leave it."""

    def make(
        status: str = "planned", day: date = date(2015, 10, 15), agenda: bool = True, **fields: Any
    ) -> Meeting:
        values: dict[str, Any] = {
            "quarter": "2015Q3",
            "date": day,
            "place": "CRCL, Washington DC",
            "created_by": analyst,
            "status": status,
            **fields,
        }
        m = Meeting.objects.create(**values)
        workflow.created(m, analyst)
        if agenda:
            AgendaItem.objects.create(meeting=m, position=1, title="PD requests", notes="Review.")
        if status in ("held", "minutes_approved"):
            m.minutes = "CRCL and ICE reviewed the open PD requests."
            m.save()
        return m

    return make


@pytest.fixture
def make_item() -> Callable[..., ActionItem]:
    def make(meeting: Meeting, description: str = "Send the list.", **fields: Any) -> ActionItem:
        item = ActionItem.objects.create(
            meeting=meeting, description=description, owner_text="ICE ERO HQ", **fields
        )
        workflow.created(item, meeting.created_by)
        return item

    return make
