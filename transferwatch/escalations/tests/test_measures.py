"""Remedial measures: every move, allowed and refused; lapsing when past due."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from transferwatch.agencies.models import Agency
from transferwatch.audit.models import Event
from transferwatch.cases.models import history
from transferwatch.conftest import client_for
from transferwatch.escalations import services
from transferwatch.escalations.models import RemedialMeasure

NEXT_MONTH = (timezone.localdate() + timedelta(days=30)).isoformat()
# action, source, target, posted fields
MOVES = [
    ("agree", "proposed", "agreed", {}),
    ("start", "agreed", "in_progress", {}),
    ("verify", "in_progress", "verified", {"evidence": "Training roster and curriculum."}),
    ("reject_evidence", "verified", "in_progress", {"text": "Roster incomplete."}),
    ("close", "verified", "closed", {}),
    ("resume", "lapsed", "in_progress", {"text": "New plan agreed.", "due_date": NEXT_MONTH}),
]


def refusals(m: RemedialMeasure) -> int:
    return Event.objects.filter(
        action="escalations.remedialmeasure.refused", object_id=str(m.pk)
    ).count()


def act(user: Any, m: RemedialMeasure, action: str, data: dict[str, str]) -> Any:
    return client_for(user).post(reverse("measure_act", args=[m.pk, action]), data)


@pytest.mark.parametrize(("action", "source", "target", "data"), MOVES)
def test_it_moves_a_measure_for_casework_roles_and_refuses_the_analyst(
    analyst: Any,
    investigator: Any,
    make_measure: Callable[..., RemedialMeasure],
    action: str,
    source: str,
    target: str,
    data: dict[str, str],
) -> None:
    m = make_measure(status=source)
    # The analyst sees measures but may not move them.
    response = act(analyst, m, action, data)
    assert response.status_code == 403
    m.refresh_from_db()
    assert m.status == source
    assert refusals(m) == 1

    response = act(investigator, m, action, data)
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == target
    assert list(history(m))[-1].action == action
    assert Event.objects.filter(
        action=f"escalations.remedialmeasure.{action}", object_id=str(m.pk)
    ).exists()


@pytest.mark.parametrize("role", ["leadership", "field_phi", "hq", "outsider"])
def test_it_hides_measures_from_roles_without_access(
    request: pytest.FixtureRequest, make_measure: Callable[..., RemedialMeasure], role: str
) -> None:
    m = make_measure()
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("measure_detail", args=[m.pk])).status_code == 404
    assert client.get(reverse("measure_list")).status_code == 404
    assert client.post(reverse("measure_act", args=[m.pk, "agree"])).status_code == 404
    m.refresh_from_db()
    assert m.status == "proposed"


def test_it_needs_evidence_to_verify(
    investigator: Any, make_measure: Callable[..., RemedialMeasure]
) -> None:
    m = make_measure(status="in_progress")
    response = act(investigator, m, "verify", {"evidence": "  "})
    assert response.status_code == 403
    assert "evidence" in response.content.decode()
    m.refresh_from_db()
    assert (m.status, m.evidence) == ("in_progress", "")
    act(investigator, m, "verify", {"evidence": "Curriculum adopted 2016-02-01."})
    m.refresh_from_db()
    assert (m.status, m.evidence) == ("verified", "Curriculum adopted 2016-02-01.")


def test_it_needs_a_future_due_date_and_a_reason_to_resume(
    investigator: Any, make_measure: Callable[..., RemedialMeasure]
) -> None:
    m = make_measure(status="lapsed", due=date(2020, 1, 1))
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert (
        act(investigator, m, "resume", {"text": "Again.", "due_date": yesterday}).status_code == 403
    )
    assert act(investigator, m, "resume", {"due_date": NEXT_MONTH}).status_code == 403
    m.refresh_from_db()
    assert (m.status, m.due_date) == ("lapsed", date(2020, 1, 1))


@pytest.mark.parametrize(
    ("action", "wrong"),
    [
        ("agree", "agreed"),
        ("start", "proposed"),
        ("verify", "agreed"),
        ("close", "in_progress"),
        ("resume", "closed"),
        ("reject_evidence", "closed"),
    ],
)
def test_it_refuses_a_move_from_the_wrong_state(
    investigator: Any, make_measure: Callable[..., RemedialMeasure], action: str, wrong: str
) -> None:
    m = make_measure(status=wrong)
    data = {"text": "x", "evidence": "x", "due_date": NEXT_MONTH}
    assert act(investigator, m, action, data).status_code == 403
    m.refresh_from_db()
    assert m.status == wrong
    assert refusals(m) == 1


def test_it_adds_a_measure(investigator: Any, phi_agency: Agency) -> None:
    response = client_for(investigator).post(
        reverse("measure_new"),
        {
            "agency": phi_agency.ori,
            "kind": "corrective_plan",
            "description": "Written policy against pretextual stops.",
            "owner": "Sheriff's office",
            "due_date": "2030-06-30",
        },
    )
    m = RemedialMeasure.objects.get()
    assert response["Location"] == reverse("measure_detail", args=[m.pk])
    assert (m.status, m.agency, m.created_by) == ("proposed", phi_agency, investigator)
    assert Event.objects.filter(action="escalations.remedialmeasure.created").exists()


@pytest.mark.parametrize("role", ["analyst", "leadership", "field_phi"])
def test_it_hides_adding_from_other_roles(request: pytest.FixtureRequest, role: str) -> None:
    user = request.getfixturevalue(role)
    assert client_for(user).get(reverse("measure_new")).status_code == 404


def test_it_lapses_overdue_measures_as_the_system(
    make_measure: Callable[..., RemedialMeasure],
) -> None:
    with time_machine.travel("2026-03-02 12:00 -0500", tick=False):
        overdue_agreed = make_measure(status="agreed", due=date(2026, 3, 1))
        overdue_running = make_measure(status="in_progress", due=date(2026, 2, 1))
        due_today = make_measure(status="in_progress", due=date(2026, 3, 2))
        proposed = make_measure(status="proposed", due=date(2026, 1, 1))
        verified = make_measure(status="verified", due=date(2026, 1, 1))

        assert services.lapse_overdue() == services.LapseResult(lapsed=2, skipped=0)
        assert services.lapse_overdue() == services.LapseResult(lapsed=0, skipped=0)

    for m, status in [
        (overdue_agreed, "lapsed"),
        (overdue_running, "lapsed"),
        (due_today, "in_progress"),
        (proposed, "proposed"),
        (verified, "verified"),
    ]:
        m.refresh_from_db()
        assert m.status == status
    events = Event.objects.filter(action="escalations.remedialmeasure.lapse")
    assert events.count() == 2
    assert {(e.actor_id, e.actor_name) for e in events} == {(None, "system")}
    step = list(history(overdue_agreed))[-1]
    assert (step.action, step.actor, step.actor_name) == ("lapse", None, "system")


def test_it_refuses_a_person_lapsing_a_measure_not_yet_due(
    investigator: Any, make_measure: Callable[..., RemedialMeasure]
) -> None:
    m = make_measure(status="in_progress")
    assert act(investigator, m, "lapse", {}).status_code == 403
    m.refresh_from_db()
    assert m.status == "in_progress"


def test_the_command_lapses_and_counts(make_measure: Callable[..., RemedialMeasure]) -> None:
    with time_machine.travel("2026-03-02 12:00 -0500", tick=False):
        make_measure(status="agreed", due=date(2026, 3, 1))
        out = StringIO()
        call_command("casework_due", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "remedial measures lapsed: 1"
    assert lines[1].startswith("allegations overdue for triage: ")
    assert lines[2].startswith("inquiries with an overdue step: ")
    assert RemedialMeasure.objects.get().status == "lapsed"


def test_the_command_exits_1_when_the_run_fails(monkeypatch: pytest.MonkeyPatch, db: Any) -> None:
    from django.core.management.base import CommandError

    def broken() -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "lapse_overdue", broken)
    with pytest.raises(CommandError) as caught:
        call_command("casework_due")
    assert caught.value.returncode == 1


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        ("proposed", ["agree"]),
        ("agreed", ["start"]),
        ("in_progress", ["verify"]),
        ("verified", ["reject_evidence", "close"]),
        ("lapsed", ["resume"]),
        ("closed", []),
    ],
)
def test_it_offers_the_moves_of_the_state(
    investigator: Any,
    analyst: Any,
    make_measure: Callable[..., RemedialMeasure],
    status: str,
    offered: list[str],
) -> None:
    m = make_measure(status=status)
    html = client_for(investigator).get(reverse("measure_detail", args=[m.pk])).content.decode()
    for action in ("agree", "start", "verify", "reject_evidence", "close", "resume", "lapse"):
        url = reverse("measure_act", args=[m.pk, action])
        assert (url in html) == (action in offered), action
    html = client_for(analyst).get(reverse("measure_detail", args=[m.pk])).content.decode()
    assert "Next steps" not in html
