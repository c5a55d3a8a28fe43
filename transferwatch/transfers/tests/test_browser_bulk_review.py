"""A field reviewer concurs with 20 requests of the review queue at once, in a real browser.

No ORM here: the 20 queued requests of BAL and their reviewer `fern` are in BROWSER_WORLD
(transferwatch/conftest.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.conftest import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_reviewer_concurs_with_twenty_requests_at_once(chromium: Any, live_site: str) -> None:
    page = sign_in(chromium, live_site, "fern")
    page.goto("/transfers/review/")
    assert page.get_by_text("20 requests waiting.").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "bulk-review-queue")
    boxes = page.locator("input[name=ids]")
    assert boxes.count() == 20
    # USWDS draws the box on the label; the input itself sits off screen.
    labels = page.locator("label[for^=pick-]")
    for i in range(20):
        labels.nth(i).click()
    assert page.locator("input[name=ids]:checked").count() == 20
    page.get_by_role("button", name="Concur with the selected requests…").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Concur with the request: 20 requests").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Note for each request's history (optional)").fill("Reviewed as a batch.")
    page.get_by_role("button", name="Concur with the request: 20 requests").click()
    page.wait_for_load_state()
    assert page.get_by_role(
        "heading", name="Concur with the request: 20 done, 0 refused"
    ).is_visible()
    assert page.get_by_role("list", name="Requests decided").get_by_role("listitem").count() == 20
    assert axe_violations(page) == []
    screenshot(page, "bulk-review-result")
    # Each request carries its own step, by the reviewer named with her title.
    page.get_by_role("list", name="Requests decided").get_by_role("link").first.click()
    assert page.get_by_text("Fern Example, Supervisory Immigration Officer").first.is_visible()
    page.goto("/transfers/review/")
    assert page.locator("input[name=ids]").count() == 0
