"""The Content-Security-Policy in a real browser: nothing refused, and USWDS, htmx, the charts
and the API docs still work under it.

No ORM here: the users and records of BROWSER_WORLD (transferwatch/conftest.py) are the data.
"""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.conftest import sign_in

pytestmark = pytest.mark.browser

STAFF_PAGES = [
    "/",
    "/agencies/",
    "/agencies/PA0000001/",
    "/transfers/",
    "/cases/allegations/",
    "/cases/inquiries/",
    "/discretion/",
    "/escalations/",
    "/escalations/new/?agency=PA0000001",
    "/escalations/measures/",
    "/monitoring/",
    "/meetings/",
    "/reports/packets/",
    "/reports/agencies/PA0000001/profile/",
]
PUBLIC_PAGES = ["/login/", "/report/", "/report/status/", "/public/", "/api/docs"]


def watch(page: Any) -> list[str]:
    """Console messages about the policy (a refused script, style, font, image or frame)."""
    refused: list[str] = []

    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            refused.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: refused.append(f"{page.url}: {error}"))
    return refused


def test_staff_pages_load_with_nothing_refused(chromium: Any, live_site: str) -> None:
    page = sign_in(chromium, live_site, "sue")
    page.set_viewport_size({"width": 1400, "height": 900})
    refused = watch(page)
    for path in STAFF_PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
    # The meeting page and its printable document, and the packet's HTML document.
    page.goto("/meetings/")
    page.get_by_role("link", name="Quarterly meeting 2015Q3").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Printable version").click()
    page.wait_for_load_state("networkidle")
    page.goto("/reports/packets/")
    page.get_by_role("link", name="HTML").first.click()
    page.wait_for_load_state("networkidle")
    assert refused == []


def test_uswds_and_htmx_work_under_the_policy(chromium: Any, live_site: str) -> None:
    page = sign_in(chromium, live_site, "sue")
    page.set_viewport_size({"width": 1400, "height": 900})
    refused = watch(page)
    page.goto("/transfers/")
    page.wait_for_load_state("networkidle")
    # USWDS ran: the page is no longer hidden while loading, and the menus open.
    assert page.evaluate("document.documentElement.classList.contains('usa-js-loading')") is False
    casework = page.get_by_role("button", name="Casework")
    casework.click()
    assert casework.get_attribute("aria-expanded") == "true"
    # htmx ran, without adding a style element of its own (base.html's htmx-config).
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    # The filter form is sent by htmx, not as a page load.
    with page.expect_request(lambda r: "/transfers/" in r.url) as sent:
        page.get_by_role("button", name="Filter").click()
    assert sent.value.headers.get("hx-request") == "true"
    page.wait_for_load_state("networkidle")
    assert refused == []


def test_public_pages_and_the_api_docs_load_with_nothing_refused(
    chromium: Any, live_site: str
) -> None:
    page = chromium.new_context(base_url=live_site).new_page()
    refused = watch(page)
    for path in PUBLIC_PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
    # Swagger UI drew the operations from the schema.
    page.goto("/api/docs")
    page.wait_for_selector(".opblock", timeout=10_000)
    assert refused == []
