"""`make prod` itself, end to end: production mode on PostgreSQL with the Procfile's processes
(gunicorn, the worker, the scheduler) under honcho, after `transferwatch.lib.localprod`, migrate
and collectstatic, exactly as an administrator runs it (docs/deploy.md).

`make prod` runs in a process group of its own with a new environment file in a temporary folder
(new keys, data beside it, a free port through PROD_PORT) and a scratch PostgreSQL database of
its own (PROD_DATABASE_URL: the server of DATABASE_URL, the database `<name>_prod_<random>`,
dropped afterwards). A supervisor signs in with a password and an authenticator code in
Chromium, opens pages, starts a monitoring run that the worker carries out, and the probes
answer; Ctrl-C (SIGINT to the group, as a terminal sends it) then stops every process.

Runs when DATABASE_URL names a PostgreSQL server (CI's second pass) and Chromium and Playwright
are there; skips saying which is missing otherwise.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from transferwatch.analytics.synth import generate
from transferwatch.conftest import BROWSER_ARGS, CHROMIUM, PASSWORD, _free_port, screenshot

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[3]
TOTP_KEY = secrets.token_hex(20)
WORLD = """
from django.contrib.auth.models import Group
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice
from transferwatch.accounts.models import User
sue = User.objects.create_user("sue", password="{password}")
sue.groups.add(Group.objects.get(name="crcl_supervisor"))
TOTPDevice.objects.create(user=sue, name="authenticator", confirmed=True, key="{key}")
call_command("import", "agencies", "{data}/agencies.csv")
call_command("import", "bookings", "{data}/bookings.csv")
"""


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            found.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return found


def descendants(pid: int) -> set[int]:
    """Every process started under `pid`, however deep (honcho puts its children in sessions
    of their own, so a process group would miss them)."""
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@dataclass
class ProdSite:
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    started: set[int] = field(default_factory=set)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> set[int]:
        """Ctrl-C, as in the terminal; the processes still alive 60 s later (then killed)."""
        if self.process.poll() is None:
            self.started |= descendants(self.process.pid)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=60)
        deadline = time.monotonic() + 15
        while any(alive(p) for p in self.started) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = {p for p in self.started if alive(p)}
        for pid in left | ({self.process.pid} if self.process.poll() is None else set()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return left


def _scratch_database() -> tuple[str, str]:
    """(PROD_DATABASE_URL for a new database, the server's maintenance database)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("make prod needs PostgreSQL: DATABASE_URL does not name a PostgreSQL server")
    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, connect_timeout=5):
            pass
    except psycopg.Error:
        pytest.skip("make prod needs PostgreSQL: the server of DATABASE_URL does not answer")
    name = f"{parts.path.strip('/') or 'tw'}_prod_{uuid.uuid4().hex[:8]}"
    return parts._replace(path=f"/{name}").geturl(), admin


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProdSite]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    if not Path("/proc/self/stat").exists():
        pytest.skip("finding make prod's processes reads /proc (Linux)")
    make = shutil.which("make")
    if make is None or not (REPO / ".venv" / "bin" / "honcho").exists():
        pytest.skip("make prod needs make and the project's .venv (make install)")
    database, admin = _scratch_database()
    folder = tmp_path_factory.mktemp("make-prod")
    generate(
        folder / "synth", agencies=6, start=date(2021, 1, 1), end=date(2022, 12, 31), seed=3,
        plants={}, fmt="csv", bookings=3000,
    )  # fmt: skip
    port = _free_port()
    env_file = folder / "prod.env"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "DJANGO_", "TRANSFERWATCH_", "PYTEST_", "MAKE"))
        and k != "MFLAGS"
    }
    env.update(PROD_DATABASE_URL=database, PROD_PORT=str(port))
    log = folder / "make-prod.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [make, "--no-print-directory", "prod", f"PROD_ENV={env_file}"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    made = ProdSite(process, f"http://localhost:{port}", log)
    try:
        _wait_for(made, lambda: _answers(port), "gunicorn to listen", 600)
        _wait_for(made, lambda: "Starting worker" in made.output(), "the worker to start", 120)
        world = WORLD.format(password=PASSWORD, key=TOTP_KEY, data=folder / "synth")
        subprocess.run(
            [str(REPO / ".venv/bin/honcho"), "run", "-e", str(env_file),
             str(REPO / ".venv/bin/transferwatch"), "shell", "-c", world],
            cwd=REPO, env=env, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        made.started = descendants(process.pid)
        yield made
    finally:
        made.stop()
        with psycopg.connect(admin, autocommit=True) as con:
            name = urlsplit(database).path.strip("/")
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        Path(f"{log}.kept").write_bytes(log.read_bytes())


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_for(site: ProdSite, ready: Any, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if site.process.poll() is not None:
            tail = "\n".join(site.output().splitlines()[-30:])
            raise RuntimeError(f"make prod stopped before {what}:\n{tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"make prod: waited {seconds:.0f} s for {what} (see {site.log})")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def browser(site: ProdSite) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield launched
        launched.close()


def current_code() -> str:
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(TOTP_KEY)):06d}"


def test_make_prod_runs_the_procfile_in_production_mode_on_postgresql(site: ProdSite) -> None:
    output = site.output()
    assert "localprod: wrote" in output and "_prod_" in output and "created" in output
    assert "static files copied" in output
    for process in ("web.1", "worker.1", "scheduler.1"):
        assert f"{process} started" in output, process
    assert "Listening at: http://127.0.0.1:" in output
    assert '"level": "INFO"' in output  # production's JSON log lines


def test_a_supervisor_signs_in_with_a_second_factor_and_the_worker_runs_her_run(
    browser: Any, site: ProdSite
) -> None:
    context = browser.new_context(base_url=site.url)
    page = context.new_page()
    response = page.goto("/login/")
    assert response.headers["server"].startswith("gunicorn")
    page.get_by_label("Username").fill("sue")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto("/agencies/")  # nothing but the code page before the code
    assert "/agencies/" not in page.url.split("?")[0]
    page.get_by_label("Six-digit code").fill(current_code())
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    page.goto("/agencies/")
    assert page.url.endswith("/agencies/")
    assert page.get_by_role("heading", level=1).first.is_visible()
    page.goto("/monitoring/")
    page.get_by_role("button", name="Start the run").click()
    page.wait_for_url("**/monitoring/runs/*/")
    # the worker (db_worker, polling every 2 s) takes it; the page polls and reloads when done
    page.get_by_text("6 agencies,").first.wait_for(timeout=120_000)
    assert "Done" in page.content()
    screenshot(page, "make-prod-monitoring-run")
    context.close()


def test_the_probes_say_database_warehouse_and_queue_are_ready(
    browser: Any, site: ProdSite
) -> None:
    request = browser.new_context(base_url=site.url).request
    assert request.get("/healthz").json() == {"status": "ok"}
    ready = request.get("/readyz")
    assert ready.status == 200, ready.text()
    assert ready.json()["status"] == "ready"
    assert set(ready.json()["checks"]) == {"database", "warehouse", "queue"}


def test_ctrl_c_stops_every_process_make_prod_started(site: ProdSite) -> None:
    started = site.started | descendants(site.process.pid)
    assert len(started) >= 4  # honcho, gunicorn and its workers, the worker, the scheduler
    left = site.stop()
    assert not left, f"still running after Ctrl-C: {sorted(left)}"
    assert site.process.returncode is not None
    assert not _answers(int(site.url.rsplit(":", 1)[1]))
    assert "sending SIGTERM to worker.1" in site.output()
