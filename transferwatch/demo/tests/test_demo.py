"""`transferwatch demo` loads synth output through the importers and gives every role a user."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from transferwatch.accounts.dashboard import work_lists
from transferwatch.accounts.models import User
from transferwatch.accounts.roles import ROLES
from transferwatch.agencies.models import Agency
from transferwatch.audit.services import verify_chain
from transferwatch.cases.models import Allegation, Inquiry
from transferwatch.discretion.models import PDRequest
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.imports.models import Import
from transferwatch.imports.warehouse import store
from transferwatch.meetings.models import Meeting
from transferwatch.monitoring.models import MonitoringRun
from transferwatch.reports.models import Packet
from transferwatch.transfers.models import Person, TransferRequest


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any, db: Any) -> Path:
    settings.DATA_DIR = tmp_path / "var"
    settings.WAREHOUSE_DIR = tmp_path / "var" / "warehouse"
    return tmp_path


def test_it_loads_data_through_the_importers_and_one_user_per_role(data_dir: Path) -> None:
    out, log = StringIO(), StringIO()
    call_command("demo", stdout=out, stderr=log)
    assert Agency.objects.count() == 40
    assert store().manifest()["rows"] > 100_000
    assert TransferRequest.objects.count() == 1500
    assert set(Import.objects.values_list("kind", "status")) == {
        ("agencies", "done"),
        ("bookings", "done"),
        ("detainers", "done"),
    }
    roles = {user.role.code for user in User.objects.all() if user.role}
    assert roles == set(ROLES)
    printed = out.getvalue()
    for username in ("analyst", "field-phi", "auditor"):
        assert username in printed
        assert User.objects.get(username=username).email == f"{username}@example.org"
    # The users are printed on stdout on their own; what happened goes to stderr.
    assert "imported" not in printed and "imported" in log.getvalue()
    assert printed.rstrip().endswith("=" * 72)
    assert MonitoringRun.objects.get().status == "done"
    named = Person.objects.exclude(name="")
    assert named.exists() and all(p.a_number.startswith("0999") for p in named)
    # Casework for every role's work list, made through the lifecycle moves.
    assert "A public report to check at /report/status/" in printed
    assert Allegation.objects.filter(source="public", status="received").exists()
    assert Inquiry.objects.get().status == "investigating"
    assert PDRequest.objects.get().status == "submitted"
    assert set(Escalation.objects.values_list("kind", "status")) == {
        ("doj", "draft"),
        ("leadership", "sent"),
    }
    assert RemedialMeasure.objects.get().status == "in_progress"
    # A meeting on the last quarter of the data, with its packet built.
    meeting = Meeting.objects.get()
    assert meeting.quarter == "2016Q4" and meeting.agenda.exists()
    assert Packet.objects.get().quarter == "2016Q4"
    field = User.objects.get(username="field-phi")
    assert {w.key: w.count for w in work_lists(field)}["pd_to_decide"] == 1
    supervisor = User.objects.get(username="supervisor")
    assert {w.key: w.count for w in work_lists(supervisor)}["approvals"] == 1


def test_it_is_idempotent_and_resets_passwords(data_dir: Path) -> None:
    call_command("demo", stdout=StringIO())
    hashes = dict(User.objects.values_list("username", "password"))
    counts = (Agency.objects.count(), TransferRequest.objects.count(), store().manifest()["rows"])
    out, log = StringIO(), StringIO()
    call_command("demo", stdout=out, stderr=log)
    assert log.getvalue().count("already imported") == 3
    assert (
        Agency.objects.count(),
        TransferRequest.objects.count(),
        store().manifest()["rows"],
    ) == counts
    assert all(hashes[u] != p for u, p in User.objects.values_list("username", "password"))
    assert PDRequest.objects.count() == 1  # casework is loaded once
    assert verify_chain().ok
