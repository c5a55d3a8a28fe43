"""Meetings for the tests, and the meeting permissions of each role.

`ROLE_PERMISSIONS` is what accounts/roles.py grants (asked for in the meetings issue); the
autouse fixture adds whatever of it the role groups lack, so these tests also run before it lands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission

from transferwatch.lib import workflow
from transferwatch.meetings.models import ActionItem, AgendaItem, Meeting

WORK_MEETINGS = (
    "meetings.view_meeting",
    "meetings.add_meeting",
    "meetings.change_meeting",
    "meetings.change_actionitem",
)
ROLE_PERMISSIONS = {
    "crcl_analyst": WORK_MEETINGS,
    "crcl_investigator": WORK_MEETINGS,
    "crcl_supervisor": (*WORK_MEETINGS, "meetings.approve_minutes"),
    "ice_hq_reviewer": ("meetings.view_meeting",),
    "dhs_leadership": ("meetings.view_meeting",),
}
READERS = {"analyst", "investigator", "supervisor", "hq", "leadership"}
EDITORS = {"analyst", "investigator", "supervisor"}
ROLES = ["analyst", "investigator", "supervisor", "field_phi", "hq", "opla", "leadership"]
ROLES += ["auditor", "outsider"]


@pytest.fixture(autouse=True)
def _meeting_permissions(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("browser") is not None:
        return  # browser tests use the child server's data and never the ORM
    request.getfixturevalue("db")
    for group_name, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=group_name)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


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
