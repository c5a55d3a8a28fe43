"""In a real browser: an investigator sends a PD request to ICE, and the Philadelphia field
reviewer's notice arrives at a local SMTP server (aiosmtpd on 127.0.0.1); the preferences page
passes axe; the header fits a 1366 px screen.

The site runs in a child process (its own SQLite database) with its mail pointed at the SMTP
server of this test process. No ORM here: the world below is made in the child.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from transferwatch.conftest import (
    BROWSER_ARGS,
    BROWSER_WORLD,
    CANARY_A_NUMBER,
    CANARY_NAME,
    CHROMIUM,
    PASSWORD,
    LocalSMTP,
    _free_port,
    axe_violations,
    screenshot,
    serve_site,
    sign_in,
)

pytestmark = pytest.mark.browser

MAIL_WORLD = """
from transferwatch.accounts.models import User
from transferwatch.cases.models import Allegation, Inquiry
from transferwatch.discretion import services as discretion
from transferwatch.transfers.models import Person, TransferRequest
for user in User.objects.all():
    user.email = user.username + "@staff.example"
    user.save(update_fields=["email"])
transfer = TransferRequest.objects.get(person__a_number="A099999999")
Person.objects.filter(pk=transfer.person_id).update(name=%(name)r, a_number=%(a_number)r)
allegation = Allegation.objects.create(agency=transfer.agency, types=["profiling_ethnicity"],
                                       source="public", channel="web")
inquiry = Inquiry.objects.create(allegation=allegation, status="investigating",
                                 investigator=User.objects.get(username="ivan"))
pd = discretion.create(User.objects.get(username="ivan"), inquiry, person=transfer.person,
                       transfer=transfer, bases=["profiling"], person_status=["victim"],
                       agency_conduct="Held for a fingerprint check after a traffic stop.")
print(pd.pk)
"""


@pytest.fixture(scope="module")
def smtp() -> Iterator[LocalSMTP]:
    server = LocalSMTP(_free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mail_site(smtp: LocalSMTP, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    world = BROWSER_WORLD % {"password": PASSWORD}
    world += MAIL_WORLD % {"name": CANARY_NAME, "a_number": CANARY_A_NUMBER}
    folder = tmp_path_factory.mktemp("mail-site")
    with serve_site(folder, world, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port)) as base:
        smtp.messages.clear()  # the world's own notices (none expected to matter here)
        yield base


@pytest.fixture(scope="module")
def browser(mail_site: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield launched
        launched.close()


def test_a_pd_request_reaching_an_area_is_received_by_the_areas_field_reviewer(
    browser: Any, mail_site: str, smtp: LocalSMTP
) -> None:
    page = sign_in(browser, mail_site, "ivan")
    page.goto("/discretion/")
    page.get_by_role("link", name="CRCL-PD-").first.click()
    page.get_by_role("button", name="Submit to ICE").click()
    page.wait_for_load_state()
    assert "Submitted" in page.content()
    for _ in range(50):
        if smtp.messages:
            break
        time.sleep(0.1)
    [(recipients, mail)] = smtp.messages
    assert recipients == ["phil@staff.example"]
    assert "a PD request is waiting for field review in your area" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "/discretion/" in body and "CRCL-PD-" in body
    assert CANARY_NAME not in body and CANARY_A_NUMBER.lstrip("A") not in body


def test_the_preferences_page_passes_axe_and_saves_the_choice(browser: Any, mail_site: str) -> None:
    page = sign_in(browser, mail_site, "phil")
    page.get_by_role("button", name="phil").click()
    page.get_by_role("link", name="E-mail notifications").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="E-mail notifications").is_visible()
    assert axe_violations(page) == []
    page.locator("label", has_text="Once a day").click()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_label("Once a day").is_checked()
    assert axe_violations(page) == []


def test_the_header_fits_a_1366_pixel_screen(browser: Any, mail_site: str) -> None:
    page = sign_in(browser, mail_site, "sue")  # the supervisor has the most menu entries
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/")
    header = page.locator("header.usa-header")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366
    box = header.bounding_box()
    assert box is not None and box["height"] < 200, box
    account = page.locator(".tw-account").bounding_box()
    assert account is not None and account["x"] + account["width"] <= 1366
    screenshot(page, "header-1366-supervisor")
    page.get_by_role("button", name="sue").click()
    assert page.get_by_role("link", name="E-mail notifications").is_visible()
    assert axe_violations(page) == []
