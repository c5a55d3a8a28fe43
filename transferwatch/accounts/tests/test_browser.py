"""The sign-in page and each role's home page in a real browser, checked with axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.conftest import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_page_has_no_serious_accessibility_violations(
    chromium: Any, live_site: str
) -> None:
    page = chromium.new_context(base_url=live_site).new_page()
    page.goto("/login/")
    screenshot(page, "login")
    assert axe_violations(page) == []


@pytest.mark.parametrize("username", ["ivan", "sue", "ana", "phil", "harry", "lee"])
def test_each_role_signs_in_to_an_accessible_home_page(
    chromium: Any, live_site: str, username: str
) -> None:
    page = sign_in(chromium, live_site, username)
    assert page.url.rstrip("/") == live_site, page.url
    screenshot(page, f"home-{username}")
    found = axe_violations(page)
    assert found == [], [(v["id"], v["help"]) for v in found]
