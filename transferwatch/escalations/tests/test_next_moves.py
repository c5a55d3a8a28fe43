"""Every record says what the user can do now and whose move it is otherwise."""

from __future__ import annotations

from typing import Any

from transferwatch.conftest import client_for
from transferwatch.lib.next_moves import roles_with


def page(user: Any, url: str) -> str:
    response = client_for(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_draft_letter_waits_for_a_supervisor_other_than_the_drafter(
    make_escalation: Any, investigator: Any, supervisor: Any, supervisor2: Any
) -> None:
    e = make_escalation(created_by=supervisor)
    url = f"/escalations/{e.pk}/"
    assert "Approve: waiting for a CRCL supervisor" in page(investigator, url)
    assert "(not you: the drafter may not approve their own draft" in page(supervisor, url)
    other = page(supervisor2, url)
    assert "You can now:" in other and "Approve: waiting for" not in other


def test_a_measure_in_progress_is_verified_by_casework_staff(
    make_measure: Any, investigator: Any, analyst: Any
) -> None:
    m = make_measure(status="in_progress")
    url = f"/escalations/measures/{m.pk}/"
    assert "Verify with evidence" in page(investigator, url).split("What happens next")[1]
    seen = page(analyst, url)
    assert "Verify with evidence: waiting for a CRCL investigator or a CRCL supervisor" in seen


def test_a_closed_measure_says_no_further_move(make_measure: Any, investigator: Any) -> None:
    m = make_measure(status="closed")
    assert "No further move is possible" in page(investigator, f"/escalations/measures/{m.pk}/")


def test_roles_are_named_with_their_article() -> None:
    assert roles_with("escalations.approve_escalation") == "a CRCL supervisor"
    assert roles_with("transfers.advise_transferrequest") == "an OPLA attorney"
