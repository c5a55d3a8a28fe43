"""The packet pages, an agency profile and the public report in a real browser, checked with
axe-core (no serious or critical violations), with screenshots under the test output folder.

The live site's world (conftest BROWSER_WORLD, "packet world" block) holds one built packet of
2015Q2. Browser test modules never touch the ORM.
"""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.conftest import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.browser


def _accessible(page: Any) -> None:
    found = axe_violations(page)
    assert found == [], [(v["id"], v["help"]) for v in found]


def test_the_packet_pages_are_accessible_and_show_no_person(chromium: Any, live_site: str) -> None:
    page = sign_in(chromium, live_site, "ana")
    page.goto("/reports/packets/")
    assert page.get_by_role("heading", name="Quarterly packets").is_visible()
    assert page.get_by_role("button", name="Build the packet").is_visible()
    screenshot(page, "packet-list")
    _accessible(page)
    page.get_by_role("link", name="2015Q2").first.click()
    page.wait_for_load_state()
    assert "Done" in page.locator("#packet-status").inner_text()
    screenshot(page, "packet-detail")
    _accessible(page)
    page.get_by_role("link", name="Open the packet (HTML)").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Quarterly packet 2015Q2").is_visible()
    text = page.locator("body").inner_text()
    assert "Canary Browser-Person" not in text and "099999999" not in text
    screenshot(page, "packet-2015Q2")
    _accessible(page)


def test_leadership_reads_packets_but_may_not_build_one(chromium: Any, live_site: str) -> None:
    page = sign_in(chromium, live_site, "lee")
    page.goto("/reports/packets/")
    assert page.get_by_role("heading", name="Quarterly packets").is_visible()
    assert page.get_by_role("button", name="Build the packet").count() == 0


def test_the_agency_profile_is_accessible(chromium: Any, live_site: str) -> None:
    page = sign_in(chromium, live_site, "sue")
    page.goto("/reports/agencies/PA0000001/profile/")
    heading = page.get_by_role("heading", name="Example Township Police Department (PA0000001)")
    assert heading.is_visible()
    assert "Canary Browser-Person" not in page.locator("body").inner_text()
    screenshot(page, "agency-profile")
    _accessible(page)


def test_the_public_report_is_accessible_without_signing_in(chromium: Any, live_site: str) -> None:
    page = chromium.new_context(base_url=live_site).new_page()
    page.goto("/public/")
    assert page.get_by_role("heading", level=1).count() == 1
    screenshot(page, "public-report")
    _accessible(page)
