"""Staff lists in a real browser: an export downloaded and opened (CSV parsed, XLSX read back),
sorting by a column header, and axe-core on every list with sort headers and export links.

No ORM here: BROWSER_WORLD (transferwatch/conftest.py) is the data: one PHI transfer request for
the person "Canary Browser-Person", whom the analyst may not reveal and the investigator may.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import fastexcel
import pytest

from transferwatch.conftest import TEST_OUTPUT, axe_violations, screenshot, sign_in

pytestmark = pytest.mark.browser

CANARY = "Canary Browser-Person"


def download(page: Any, link: str) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    done = info.value
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    path = TEST_OUTPUT / done.suggested_filename
    done.save_as(str(path))
    return path


def test_an_analyst_downloads_the_transfer_requests_masked_as_csv_and_excel(
    chromium: Any, live_site: str
) -> None:
    page = sign_in(chromium, live_site, "ana")
    page.goto("/transfers/")
    page.get_by_label("Type").select_option("detainer")
    page.get_by_label("To").fill("2015-12-31")  # other browser tests add requests of 2016
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**request_type=detainer**")
    page.get_by_role("link", name="Date (sort ascending)").click()
    page.wait_for_load_state()
    assert "sort=date" in page.url and "request_type=detainer" in page.url
    header = page.get_by_role("columnheader", name="Date (sort descending)")
    assert header.get_attribute("aria-sort") == "ascending"
    assert page.get_by_text("are masked; the download is recorded in the audit log").is_visible()

    path = download(page, "Download as CSV")
    assert path.name.startswith("transfer-requests-") and path.suffix == ".csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["Area"] == "PHI" and rows[0]["Type"].startswith("Detainer")
    assert rows[0]["Name"] == "••••••" and CANARY not in path.read_text(encoding="utf-8-sig")

    path = download(page, "Download as Excel (.xlsx)")
    assert path.suffix == ".xlsx"
    frame = fastexcel.read_excel(path.read_bytes()).load_sheet(0).to_polars()
    assert frame.height == 1
    assert frame["Area"].to_list() == ["PHI"] and frame["Name"].to_list() == ["••••••"]
    assert str(frame["Date"].to_list()[0]).startswith("2015-06-01")


def test_an_investigator_may_reveal_and_the_file_holds_the_name(
    chromium: Any, live_site: str
) -> None:
    page = sign_in(chromium, live_site, "ivan")
    page.goto("/transfers/")
    assert page.get_by_text("recorded in the audit log as access to personal data").is_visible()
    path = download(page, "Download as Excel (.xlsx)")
    frame = fastexcel.read_excel(path.read_bytes()).load_sheet(0).to_polars()
    names = frame["Name"].to_list()
    assert CANARY in names
    assert frame["A-number"].to_list()[names.index(CANARY)] == "A099999999"


LISTS = [
    ("ana", "/transfers/?sort=-area", "transfer-list"),
    ("phil", "/transfers/review/?sort=-due", "review-queue-sorted"),
    ("ana", "/agencies/?sort=-requests", "agency-list-sorted"),
    ("ana", "/agencies/facilities/", "facility-list-export"),
    ("ivan", "/cases/allegations/?sort=status", "allegation-list"),
    ("ivan", "/cases/inquiries/?show=all&sort=-due", "inquiry-list"),
    ("ivan", "/discretion/?sort=-days", "pd-list"),
    ("sue", "/escalations/?sort=kind", "letter-list"),
    ("sue", "/escalations/measures/?sort=-due", "measure-list"),
    ("sue", "/outbox/?sort=-attempts", "outbox-sorted"),
]


@pytest.mark.parametrize(("user", "url", "name"), LISTS)
def test_every_sortable_list_is_accessible(
    chromium: Any, live_site: str, user: str, url: str, name: str
) -> None:
    page = sign_in(chromium, live_site, user)
    page.goto(url)
    assert page.locator("th[aria-sort]").count() == 1
    assert page.get_by_role("link", name="Download as CSV").is_visible()
    screenshot(page, name)
    found = axe_violations(page)
    assert found == [], [(v["id"], v["help"], [n["html"] for n in v["nodes"]]) for v in found]
