"""Production mode end to end: gunicorn (the Procfile's web process) on collected static files,
and a user signing in with a password and a code from an authenticator app.

On SQLite here (the suite runs again on PostgreSQL in CI; `make prod` uses PostgreSQL, walked
through in docs/deploy.md). Skips, saying why, without Chromium or Playwright.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from transferwatch.conftest import BROWSER_ARGS, CHROMIUM, PASSWORD, _free_port, screenshot

pytestmark = pytest.mark.browser

TOTP_KEY = secrets.token_hex(20)
WORLD = f"""
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from transferwatch.accounts.models import User
sue = User.objects.create_user("sue", password="{PASSWORD}")
sue.groups.add(Group.objects.get(name="crcl_supervisor"))
TOTPDevice.objects.create(user=sue, name="authenticator", confirmed=True, key="{TOTP_KEY}")
"""


@pytest.fixture(scope="module")
def production_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    folder = tmp_path_factory.mktemp("production-site")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(
        TRANSFERWATCH_MODE="production",
        TRANSFERWATCH_DATA_DIR=str(folder),
        DATABASE_URL=f"sqlite:///{folder}/tw.sqlite3",
        SECRET_KEY=secrets.token_urlsafe(60),
        TRANSFERWATCH_AUDIT_KEY=secrets.token_hex(32),
        ALLOWED_HOSTS="localhost",
        SECURE_SSL_REDIRECT="0",  # no TLS proxy in front of this test
        HOST="127.0.0.1",
        PORT=str(port),
    )
    tw = [sys.executable, "-m", "transferwatch.cli"]
    for args in (
        ["migrate", "--no-input"],
        ["collectstatic", "--no-input"],
        ["shell", "-c", WORLD],
    ):
        subprocess.run([*tw, *args], env=env, check=True, capture_output=True, timeout=300)
    log = (folder / "gunicorn.log").open("w")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "transferwatch.wsgi", "--config", "python:transferwatch.gunicorn_conf"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"gunicorn stopped: see {log.name}") from None
                time.sleep(0.1)
        yield f"http://localhost:{port}"
    finally:
        server.terminate()
        server.wait(timeout=40)
        log.close()
    (folder / "gunicorn.log.kept").write_text((folder / "gunicorn.log").read_text())


@pytest.fixture(scope="module")
def browser(production_site: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield launched
        launched.close()


def current_code() -> str:
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(TOTP_KEY)):06d}"


def test_a_supervisor_signs_in_with_a_second_factor_through_gunicorn(
    browser: Any, production_site: str
) -> None:
    page = browser.new_context(base_url=production_site).new_page()
    response = page.goto("/login/")
    assert response.headers["server"].startswith("gunicorn")
    assert response.headers["x-frame-options"] == "DENY"  # HSTS comes only over TLS
    page.get_by_label("Username").fill("sue")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/second-factor/" in page.url or "code" in page.content().lower(), page.url
    page.goto("/operations/")  # nothing but the code page before the code
    assert "/operations/" not in page.url.split("?")[0]
    page.get_by_label("Six-digit code").fill(current_code())
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    page.goto("/operations/")
    assert page.get_by_role("heading", name="Operations", level=1).is_visible()
    assert "Nothing interrupted." in page.content()
    screenshot(page, "production-operations")
    # Static files come from the app itself, hashed and compressed (WhiteNoise).
    css = [s for s in page.evaluate("[...document.styleSheets].map(s => s.href)") if s]
    assert css and all("/static/" in href for href in css)
    hashed = page.request.get(css[0], headers={"Accept-Encoding": "gzip"})
    assert hashed.status == 200 and "max-age=315360000" in hashed.headers["cache-control"]


def test_the_probes_answer_through_gunicorn(browser: Any, production_site: str) -> None:
    request = browser.new_context(base_url=production_site).request
    assert request.get("/healthz").json() == {"status": "ok"}
    ready = request.get("/readyz")
    assert ready.status == 200 and ready.json()["status"] == "ready"
