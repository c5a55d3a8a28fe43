"""The request-rates table and chart of the agency page pass axe-core in a real browser.

The page is rendered by the test client first (the ORM is done before Playwright's event loop
starts) and then loaded into the system Chromium as HTML, without the site's stylesheets: the
structure, names and roles are checked, the colours are the browser's defaults.
"""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.analytics.synth import Summary
from transferwatch.conftest import BROWSER_ARGS, CHROMIUM, axe_violations, client_for
from transferwatch.monitoring import services
from transferwatch.monitoring.tests.conftest import significant_ori

pytestmark = pytest.mark.browser


def test_the_agency_pages_request_rates_are_accessible(analyst: Any, warehouse: Summary) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    services.execute(services.queue(None))
    ori = significant_ori()
    html = client_for(analyst).get(f"/agencies/{ori}/").content.decode()
    assert f'id="request-rates-{ori}"' in html
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html)
            chart = page.get_by_role("img", name=f"ICE requests per 100 bookings of {ori}")
            assert chart.count() == 1
            table = page.locator(f"#request-rates-{ori}")
            assert table.get_by_role("rowheader").count() >= 4
            found = axe_violations(page)
        finally:
            browser.close()
    assert found == [], [(v["id"], v["help"], [n["html"] for n in v["nodes"]]) for v in found]
