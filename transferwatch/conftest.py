"""Named users, one per role, and a small world of records in two areas (PHI and NYC).

Tests run inside a transaction that is rolled back (pytest-django's `db`). Do not use
`transaction=True` tests: flushing would need DELETE on the audit table, which the database refuses.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from transferwatch.accounts.models import Area, User
from transferwatch.agencies.models import Agency, Facility
from transferwatch.transfers.models import Conviction, Person, TransferRequest

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_password_hashing(request: pytest.FixtureRequest, settings: Any) -> None:
    """Argon2 costs ~0.1 s per user; tests not about hashing use a fast hasher."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, role: str | None, areas: tuple[str, ...] = ()) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if areas:
        user.areas.set(Area.objects.filter(code__in=areas))
    return user


def role_user(username: str, role: str | None, areas: tuple[str, ...] = ()) -> Any:
    @pytest.fixture
    def fixture(db: Any) -> User:
        return make_user(username, role, areas)

    return fixture


analyst = role_user("ana", "crcl_analyst")
investigator = role_user("ivan", "crcl_investigator")
supervisor = role_user("sue", "crcl_supervisor")
field_phi = role_user("phil", "ice_field_reviewer", ("PHI",))
field_nyc = role_user("nia", "ice_field_reviewer", ("NYC",))
hq = role_user("harry", "ice_hq_reviewer")
opla = role_user("olga", "opla_attorney")
leadership = role_user("lee", "dhs_leadership")
auditor = role_user("audrey", "auditor")
outsider = role_user("otto", None)  # signed in, but with no role at all


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def phi_agency(db: Any) -> Agency:
    agency = Agency.objects.create(
        ori="PA0460000",
        name="Montgomery County Sheriff",
        state="PA",
        aor=Area.objects.get(code="PHI"),
        activation_date=date(2015, 3, 1),
        population=800_000,
        pop_hispanic=40_000,
    )
    Facility.objects.create(agency=agency, name="MONTGOMERY CNTY JAIL", state="PA")
    return agency


@pytest.fixture
def nyc_agency(db: Any) -> Agency:
    return Agency.objects.create(
        ori="NY0300000", name="Nassau County Police", state="NY", aor=Area.objects.get(code="NYC")
    )


# Canary values: tests check that these never reach a page unless revealed, nor a log or event.
CANARY_NAME = "Zyxwvut Canaryname"
CANARY_A_NUMBER = "099912345"


@pytest.fixture
def person(db: Any) -> Person:
    person = Person.objects.create(
        name=CANARY_NAME,
        a_number=CANARY_A_NUMBER,
        birth_date=date(1988, 4, 3),
        birth_country="GT",
        citizenship="GT",
    )
    Conviction.objects.create(
        person=person, date=date(2013, 2, 1), severity="felony", categories=["drug_trafficking"]
    )
    return person


@pytest.fixture
def phi_request(phi_agency: Agency, person: Person) -> TransferRequest:
    return TransferRequest.objects.create(
        person=person,
        request_type="detainer",
        request_date=date(2015, 8, 1),
        aor=phi_agency.aor,
        agency=phi_agency,
        facility=phi_agency.facilities.first(),
        probable_cause=["biometric_match"],
    )


@pytest.fixture
def nyc_request(nyc_agency: Agency) -> TransferRequest:
    other = Person.objects.create(name="Other Person", a_number="099954321")
    return TransferRequest.objects.create(
        person=other,
        request_type="notification",
        request_date=date(2015, 9, 1),
        aor=nyc_agency.aor,
        agency=nyc_agency,
    )


# --- E-mail ------------------------------------------------------------------------------
# Most tests use Django's locmem backend (pytest-django's `mailoutbox`); `smtp_server` is a real
# SMTP server (aiosmtpd) on a free port of 127.0.0.1, with Django's SMTP backend pointed at it.


class LocalSMTP:
    """aiosmtpd on 127.0.0.1. `messages` holds (envelope recipients, parsed message) pairs."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[tuple[list[str], Any]] = []
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server(settings: Any, caplog: pytest.LogCaptureFixture) -> Iterator[LocalSMTP]:
    caplog.set_level(logging.WARNING, logger="mail.log")  # aiosmtpd logs every command
    server = LocalSMTP(_free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    server.start()
    yield server
    server.stop()


# --- Browser tests -------------------------------------------------------------------------
# Playwright drives the system Chromium (never a downloaded browser) against a real server in a
# child process with its own SQLite database in a temporary folder: the test process's
# rolled-back transactions cannot be seen from another process. Browser tests skip cleanly when
# Chromium or Playwright is missing (`make test` installs Chromium where it can).

CHROMIUM = Path(os.environ.get("TRANSFERWATCH_CHROMIUM", "/usr/bin/chromium"))
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TEST_OUTPUT = Path(os.environ.get("TRANSFERWATCH_TEST_OUTPUT", "test-output"))

# Run in the child with Django set up: a small world for the flows the browser tests drive.
BROWSER_WORLD = """
from datetime import date
from django.contrib.auth.models import Group
from transferwatch.accounts.models import Area, User
from transferwatch.agencies.models import Agency
from transferwatch.transfers.models import Person, TransferRequest
phi = Area.objects.get_or_create(code="PHI", defaults={"name": "Philadelphia"})[0]
agency = Agency.objects.create(ori="PA0000001", name="Example Township Police Department",
                               state="PA", aor=phi, activation_date=date(2015, 1, 5))
for name, role, areas in [("ivan", "crcl_investigator", [phi]), ("sue", "crcl_supervisor", []),
                          ("ana", "crcl_analyst", []), ("phil", "ice_field_reviewer", [phi]),
                          ("harry", "ice_hq_reviewer", []), ("lee", "dhs_leadership", [])]:
    user = User.objects.create_user(name, password="%(password)s")
    user.groups.add(Group.objects.get(name=role))
    user.areas.set(areas)
person = Person.objects.create(name="Canary Browser-Person", a_number="A099999999")
TransferRequest.objects.create(person=person, agency=agency, aor=phi, request_type="detainer",
                               request_date=date(2015, 6, 1))
# --- meetings world ---
from transferwatch.meetings import services as meeting_services
from transferwatch.meetings.models import ActionItem, Attendee, Meeting
ana = User.objects.get(username="ana")
q2 = meeting_services.create_meeting(ana, {"quarter": "2015Q2", "date": date(2015, 7, 14),
                                           "format": "video", "place": "Video conference"})
Meeting.objects.filter(pk=q2.pk).update(status="minutes_approved", minutes="Reviewed Q2.")
ActionItem.objects.create(meeting=q2, description="Share the detainer figures by area.",
                          side="ice", owner_text="ICE ERO HQ", due_date=date(2015, 9, 30))
q3 = meeting_services.create_meeting(ana, {"quarter": "2015Q3", "date": date(2015, 10, 15),
                                           "format": "in_person", "place": "CRCL, Washington DC"})
Attendee.objects.create(meeting=q3, side="crcl", user=ana, title="Analyst")
Attendee.objects.create(meeting=q3, side="ice", name="Pat Example", organisation="ICE ERO",
                        title="Deputy Assistant Director")
# --- meetings world ---
# --- packet world ---
# A packet of 2015Q2 (HTML only).
from transferwatch.reports import packet as packet_content
from transferwatch.reports import services as packet_services
from transferwatch.reports.quarters import Quarter
q2_packet = Quarter.parse("2015Q2")
built = packet_services.mark_running(packet_services.queue(None, q2_packet))
packet_services.finish(built, packet_content.build(q2_packet, pdf=False))
# --- packet world ---
# --- bulk review world ---
# 20 requests of a non-priority person in the review queue of BAL, which only `fern` reviews.
from transferwatch.transfers import review
bal = Area.objects.get_or_create(code="BAL", defaults={"name": "Baltimore"})[0]
bal_agency = Agency.objects.create(ori="MD0000001", name="Example County Sheriff", state="MD",
                                   aor=bal, activation_date=date(2015, 1, 5))
fern = User.objects.create_user("fern", password="%(password)s", first_name="Fern",
                                last_name="Example", job_title="Supervisory Immigration Officer")
fern.groups.add(Group.objects.get(name="ice_field_reviewer"))
fern.areas.set([bal])
for day in range(1, 21):
    queued = TransferRequest.objects.create(person=Person.objects.create(), agency=bal_agency,
                                            aor=bal, request_type="notification",
                                            request_date=date(2016, 3, day))
    review.classify_request(queued)
# --- bulk review world ---
# --- search world ---
# An allegation to find by its number, and an auditor to read the access records.
from transferwatch.cases.models import Allegation
Allegation.objects.create(source="mail", channel="mail", agency=agency, agency_text=agency.name,
                          types=["profiling_ethnicity"])
audrey = User.objects.create_user("audrey", password="%(password)s")
audrey.groups.add(Group.objects.get(name="auditor"))
# --- search world ---
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve_site(folder: Path, world: str, **environment: str) -> Iterator[str]:
    """A TransferWatch server in a child process (SQLite in `folder`, the `world` script run
    first, `environment` added to its variables); yields its base URL, stops it after."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(TRANSFERWATCH_MODE="development", TRANSFERWATCH_DATA_DIR=str(folder), **environment)
    tw = [sys.executable, "-m", "transferwatch.cli"]
    subprocess.run([*tw, "migrate", "--no-input"], env=env, check=True, capture_output=True)
    subprocess.run([*tw, "shell", "-c", world], env=env, check=True, capture_output=True)
    port = _free_port()
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [*tw, "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("the test server stopped: see " + str(log.name)) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a TransferWatch server in a child process (SQLite, fresh data folder)."""
    world = BROWSER_WORLD % {"password": PASSWORD}
    with serve_site(tmp_path_factory.mktemp("live-site"), world) as base:
        yield base


@pytest.fixture(scope="module")
def chromium(live_site: str) -> Iterator[Any]:
    """The system Chromium, for one test module at a time.

    Playwright's sync API keeps an event loop running while it is open, and Django refuses ORM
    calls while a loop runs in the thread: closing it after each module keeps the ORM tests that
    follow working. Browser test modules never touch the ORM themselves.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield browser
        browser.close()


def sign_in(browser: Any, base: str, username: str) -> Any:
    """A new browser page signed in as `username` (demo users have no second factor here)."""
    page = browser.new_context(base_url=base).new_page()
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def screenshot(page: Any, name: str) -> Path:
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    path = TEST_OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page (axe bundled, offline)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
