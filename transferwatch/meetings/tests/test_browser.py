"""A meeting page in a real browser: drafting the agenda, carried items, axe-core, screenshots.

No ORM here: the meetings of BROWSER_WORLD (transferwatch/conftest.py) are the data.
"""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.conftest import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_meeting_page_drafts_its_agenda_and_is_accessible(chromium: Any, live_site: str) -> None:
    page = sign_in(chromium, live_site, "ana")
    page.goto("/meetings/")
    page.get_by_role("link", name="Quarterly meeting 2015Q3").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Quarterly meeting 2015Q3", level=1).is_visible()
    # The open item of the Q2 meeting was carried when the Q3 meeting was created.
    assert page.get_by_text("Share the detainer figures by area.").is_visible()
    assert page.get_by_role("link", name="Quarterly meeting 2015Q2").first.is_visible()
    page.get_by_role("button", name="Draft the agenda from open records").click()
    page.wait_for_load_state()
    assert page.get_by_text("Action items carried from the last meeting (1)").is_visible()
    assert page.get_by_text("Transfer-request review, 2015Q2").count() == 0
    assert "Canary Browser-Person" not in page.content()
    screenshot(page, "meeting-detail")
    found = axe_violations(page)
    assert found == [], [(v["id"], v["help"]) for v in found]

    page.get_by_role("link", name="Printable version").click()
    page.wait_for_load_state()
    screenshot(page, "meeting-print")
    found = axe_violations(page)
    assert found == [], [(v["id"], v["help"]) for v in found]


def test_ice_hq_reads_the_meeting_without_edit_buttons(chromium: Any, live_site: str) -> None:
    page = sign_in(chromium, live_site, "harry")
    page.goto("/meetings/")
    page.get_by_role("link", name="Quarterly meeting 2015Q3").click()
    page.wait_for_load_state()
    assert page.get_by_text("Pat Example, Deputy Assistant Director, ICE ERO").is_visible()
    assert page.get_by_role("button", name="Draft the agenda from open records").count() == 0
    screenshot(page, "meeting-detail-ice-hq")
    found = axe_violations(page)
    assert found == [], [(v["id"], v["help"]) for v in found]
