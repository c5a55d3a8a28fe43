"""The Facilities page in a real browser: summary, sorting, a refused crosswalk upload, axe-core.

No ORM here: BROWSER_WORLD (transferwatch/conftest.py) is the data; it holds no facility, so
the upload names its row as unknown.
"""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.conftest import TEST_OUTPUT, axe_violations, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_an_analyst_finds_the_facilities_page_and_it_is_accessible(
    chromium: Any, live_site: str
) -> None:
    page = sign_in(chromium, live_site, "ana")
    page.goto("/agencies/")
    page.get_by_role("link", name="Facilities and their agencies").click()
    page.wait_for_load_state()
    assert page.get_by_role(
        "heading", name="Facilities and the agencies that run them"
    ).is_visible()
    assert page.get_by_text("0 facilities, 0 detainers left out of monitoring").is_visible()
    page.get_by_role("link", name="Facility (sort ascending)").click()
    page.wait_for_load_state()
    assert "sort=name" in page.url
    page.get_by_role("link", name="Facility (sort descending)").click()
    page.wait_for_load_state()
    assert "sort=-name" in page.url
    screenshot(page, "facility-list")
    found = axe_violations(page)
    assert found == [], [(v["id"], v["help"], [n["html"] for n in v["nodes"]]) for v in found]


def test_a_crosswalk_with_an_unknown_facility_changes_nothing(
    chromium: Any, live_site: str
) -> None:
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    crosswalk = TEST_OUTPUT / "crosswalk-unknown.csv"
    crosswalk.write_text("facility_code,ori\nNOSUCHPA,PA0000001\n", encoding="utf-8")
    page = sign_in(chromium, live_site, "ana")
    page.goto("/agencies/facilities/")
    page.get_by_label("Crosswalk file (CSV)").set_input_files(str(crosswalk))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_load_state()
    assert page.get_by_text("1 row of 1 invalid (1 problem); nothing imported").is_visible()
    assert page.get_by_text(
        "crosswalk-unknown.csv, row 2, column facility_code: no facility has this code"
    ).is_visible()
    screenshot(page, "facility-crosswalk-refused")
    found = axe_violations(page)
    assert found == [], [(v["id"], v["help"], [n["html"] for n in v["nodes"]]) for v in found]
