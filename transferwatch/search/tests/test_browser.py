"""The header's search box in a real browser: a record number, an A-number (audited), axe-core,
the header at 1366 px, and a search without JavaScript."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from transferwatch.conftest import PASSWORD, axe_violations, screenshot, sign_in

pytestmark = pytest.mark.browser

CANARY_NAME = "Canary Browser-Person"  # the browser world's person (conftest.BROWSER_WORLD)


def header_search(page: Any, text: str) -> None:
    box = page.get_by_role("search", name="Search TransferWatch").get_by_role("searchbox")
    box.fill(text)
    box.press("Enter")
    page.wait_for_load_state()


def assert_accessible(page: Any) -> None:
    found = axe_violations(page)
    assert found == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in found]


def test_a_record_number_opens_the_record(chromium: Any, live_site: str) -> None:
    page = sign_in(chromium, live_site, "ivan")
    header_search(page, f"CRCL-A-{date.today().year}")
    assert page.url.endswith("/search/")
    allegations = page.get_by_role("region", name="Allegations found (scrolls sideways)")
    number = allegations.get_by_role("link").first.inner_text()
    assert re.fullmatch(r"CRCL-A-\d{4}-\d{6}", number)
    screenshot(page, "search-year-of-allegations")
    assert_accessible(page)
    header_search(page, number.lower().replace("crcl-", ""))
    assert page.url.endswith(f"/cases/allegations/{number}/"), page.url
    assert page.get_by_role("heading", level=1).inner_text().find(number) >= 0


def test_an_a_number_finds_the_person_masked_and_the_match_is_audited(
    chromium: Any, live_site: str
) -> None:
    page = sign_in(chromium, live_site, "ivan")
    header_search(page, "a 0999-999-99")
    people = page.get_by_role("region", name="People found (scrolls sideways)")
    link = people.get_by_role("link")
    assert re.fullmatch(r"Person \d+", link.inner_text())
    html = page.content()
    assert CANARY_NAME not in html and "099999999" not in html
    assert "recorded in the audit log" in html
    screenshot(page, "search-a-number")
    assert_accessible(page)
    person = link.inner_text().split()[1]
    link.click()
    page.get_by_role("button", name="Reveal identifying details").click()
    page.get_by_text(CANARY_NAME).wait_for()

    auditor = sign_in(chromium, live_site, "audrey")
    auditor.goto(f"/audit/?access_only=on&object_type=transfers.person&object_id={person}")
    rows = auditor.get_by_role("row").filter(has_text="transfers.person.revealed")
    text = " ".join(rows.all_inner_texts())
    assert rows.count() >= 2 and "ivan" in text and "search" in text, text


def test_the_header_fits_at_1366_px_with_the_search_box(chromium: Any, live_site: str) -> None:
    page = chromium.new_context(base_url=live_site, viewport={"width": 1366, "height": 768})
    page = page.new_page()
    page.goto("/login/")
    page.get_by_label("Username").fill("sue")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    box = page.get_by_role("searchbox", name=re.compile("Record number"))
    assert box.is_visible()
    bounds = box.bounding_box()
    assert bounds["x"] + bounds["width"] <= 1366
    tops = page.eval_on_selector_all(
        ".usa-nav__primary > li",
        "items => items.map(i => Math.round(i.getBoundingClientRect().top))",
    )
    assert len(tops) >= 6 and len(set(tops)) == 1, tops  # one row of navigation
    screenshot(page, "header-1366")


def test_search_works_without_javascript(chromium: Any, live_site: str) -> None:
    context = chromium.new_context(
        base_url=live_site, java_script_enabled=False, viewport={"width": 1366, "height": 768}
    )
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Username").fill("phil")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    header_search(page, "example township")
    assert page.url.endswith("/search/")
    assert page.get_by_role("link", name="Example Township Police Department").is_visible()
    context.close()
