"""Packets from the web (queued, built by the task, downloaded), who may see them, and the
`transferwatch packet` command with its exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.conftest import client_for
from transferwatch.reports.models import Packet
from transferwatch.reports.tests.packet_data import (
    PACKET_BUILDERS,
)

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
ROLES = ["analyst", "investigator", "supervisor", "field_phi", "hq", "opla", "leadership"]
ROLES += ["auditor", "outsider"]
READERS = {"analyst", "investigator", "supervisor", "hq", "leadership"}
BUILDERS = {"analyst", "supervisor"}


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "var"
    return settings.DATA_DIR


@override_settings(TASKS=IMMEDIATE)
def test_an_analyst_builds_a_packet_and_downloads_both_files(
    packet_world: Any, analyst: Any, django_capture_on_commit_callbacks: Any, data_dir: Path
) -> None:
    client = client_for(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("packet_list"), {"quarter": "2015q3"})
    packet = Packet.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "packet_detail", args=[packet.pk]
    )
    assert (packet.status, packet.quarter, packet.created_by) == ("done", "2015Q3", analyst)
    assert packet.summary["requests"] == {"value": 30, "previous": 7}
    assert (data_dir / "packets" / packet.pdf_name).is_file()
    page = client.get(reverse("packet_detail", args=[packet.pk])).content.decode()
    assert f"PDF, {packet.pdf_pages} pages" in page
    pdf = client.get(reverse("packet_pdf", args=[packet.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    html = client.get(reverse("packet_html", args=[packet.pk]))
    assert b"Quarterly packet 2015Q3" in b"".join(html.streaming_content)
    actions = set(Event.objects.filter(object_id=str(packet.pk)).values_list("action", flat=True))
    assert {"reports.packet.queued", "reports.packet.finished", "reports.packet.opened"} <= actions


@override_settings(TASKS=DUMMY)
def test_the_page_polls_the_progress_until_the_packet_is_built(
    analyst: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("packet_list"), {"quarter": "2015Q3"})
    packet = Packet.objects.get()
    assert packet.status == "queued"
    fragment = client.get(reverse("packet_detail", args=[packet.pk]), HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert '<progress id="packet-progress"' in body and "every 1s" in body
    assert client.get(reverse("packet_pdf", args=[packet.pk])).status_code == 404  # not built


def test_a_malformed_quarter_is_refused_and_nothing_is_queued(analyst: Any) -> None:
    response = client_for(analyst).post(reverse("packet_list"), {"quarter": "2015Q5"})
    assert response.status_code == 200
    assert "is not a quarter" in response.content.decode()
    assert not Packet.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_packet_readers_see_packets(
    request: pytest.FixtureRequest, role: str, packet_world: Any
) -> None:
    user = request.getfixturevalue(role)
    packet = Packet.objects.create(quarter="2015Q3", status="done")
    client = client_for(user)
    want = 200 if role in READERS else 404
    assert client.get(reverse("packet_list")).status_code == want
    assert client.get(reverse("packet_detail", args=[packet.pk])).status_code == want
    profile = reverse("agency_profile", args=["PA0460000"])
    assert client.get(profile).status_code == want


@pytest.mark.parametrize("role", ["investigator", "hq", "leadership", "field_phi", "outsider"])
def test_only_builders_may_queue_a_packet(request: pytest.FixtureRequest, role: str) -> None:
    assert role not in BUILDERS and set(PACKET_BUILDERS) == {"crcl_analyst", "crcl_supervisor"}
    user = request.getfixturevalue(role)
    response = client_for(user).post(reverse("packet_list"), {"quarter": "2015Q3"})
    assert response.status_code == 404
    assert not Packet.objects.exists()


def test_the_command_writes_a_pdf_and_an_html_file(packet_world: Any, tmp_path: Path) -> None:
    pdf, html = tmp_path / "p.pdf", tmp_path / "p.html"
    call_command("packet", "--quarter", "2015Q3", "--out", str(pdf))
    call_command("packet", "--quarter", "2015Q3", "--out", str(html))
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert 'id="summary-requests"' in html.read_text()
    assert Event.objects.filter(action="reports.packet.written").count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--quarter", "2015Q5", "--out", "{tmp}/x.pdf"], "--quarter: '2015Q5' is not a quarter"),
        (["--quarter", "2015Q3", "--out", "{tmp}/x.docx"], "must end in .pdf or .html"),
        (["--quarter", "2015Q3", "--out", "{tmp}/no/such/x.pdf"], "does not exist"),
    ],
)
def test_the_command_exits_2_on_bad_input(
    db: Any, args: list[str], message: str, tmp_path: Path
) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("packet", *[a.format(tmp=tmp_path) for a in args])
    assert caught.value.returncode == 2
    assert message in str(caught.value)
    assert not list(tmp_path.glob("*.pdf"))


def test_the_console_script_exits_2_with_one_line_for_a_malformed_quarter(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(TRANSFERWATCH_MODE="development", TRANSFERWATCH_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "transferwatch.cli", "packet", "--quarter", "15Q3", "--out",
         str(tmp_path / "p.pdf")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "CommandError: --quarter: '15Q3' is not a quarter: write it like 2015Q3"
    ]
    assert not (tmp_path / "p.pdf").exists()
