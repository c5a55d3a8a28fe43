"""The PD request lifecycle: every move with an allowed role, and refusals that change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.http import Http404

from transferwatch.audit.models import Event
from transferwatch.cases.models import history
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME
from transferwatch.discretion import services
from transferwatch.discretion.models import FIELD_REVIEW_DAYS, PDRequest
from transferwatch.discretion.tests.conftest import STATES, make_pd, refusals


def actions(pd: PDRequest) -> list[str]:
    return [step.action for step in history(pd)]


def test_it_goes_to_a_final_field_decision_without_hq_review(
    investigator: Any, field_phi: Any, inquiry: Any, phi_request: Any
) -> None:
    with time_machine.travel("2026-03-02 14:00 -0500", tick=False) as traveller:
        pd = walk_to_final(investigator, field_phi, inquiry, phi_request, traveller)
    assert pd.status == "final" and pd.final_decision == "granted"
    assert pd.days_to_final == 17
    assert actions(pd) == ["created", "submit", "take_up", "decide_field", "finalize"]
    events = Event.objects.filter(object_type="discretion.pdrequest", object_id=str(pd.pk))
    assert {e.action for e in events} >= {
        "discretion.pdrequest.created",
        "discretion.pdrequest.submit",
        "discretion.pdrequest.decide_field",
        "discretion.pdrequest.finalize",
    }
    # The reasons are in the history, never in the audit trail.
    assert all("Victim" not in str(e.changes) for e in events)


def walk_to_final(
    investigator: Any, field_phi: Any, inquiry: Any, phi_request: Any, traveller: Any
) -> PDRequest:
    draft = make_pd(investigator, inquiry, phi_request)
    assert draft.status == "draft" and draft.submitted_at is None
    pd = services.act(draft, "submit", investigator)
    assert pd.status == "submitted"
    assert pd.due_at == pd.submitted_at + timedelta(days=FIELD_REVIEW_DAYS)
    pd = services.act(pd, "take_up", field_phi)
    assert pd.status == "field_review"
    pd = services.act(pd, "decide_field", field_phi, "Victim of the stop.", decision="granted")
    assert pd.status == "field_decided" and pd.field_decision == "granted"
    assert pd.field_decided_by == field_phi and pd.field_decided_at is not None
    assert pd.field_decision_text == "Victim of the stop."
    traveller.move_to("2026-03-20 09:00 -0400")
    return services.act(pd, "finalize", field_phi)


def test_it_goes_to_hq_when_crcl_asked_from_the_start(
    investigator: Any, field_phi: Any, hq: Any, inquiry: Any, phi_request: Any
) -> None:
    pd = make_pd(investigator, inquiry, phi_request, hq_review_requested=True)
    pd = services.act(pd, "submit", investigator)
    pd = services.act(pd, "take_up", field_phi)
    pd = services.act(pd, "decide_field", field_phi, "No basis.", decision="denied")
    with pytest.raises(services.Refused, match="HQ review"):
        services.act(pd, "finalize", field_phi)
    pd.refresh_from_db()
    assert pd.status == "field_decided" and pd.final_decision == ""
    # ICE HQ takes it up itself (CRCL could also send it: see the next test).
    pd = services.act(pd, "to_hq", hq)
    pd = services.act(pd, "decide_hq", hq, "Profiling shown.", decision="partly_granted")
    assert pd.status == "hq_decided" and pd.hq_decided_by == hq
    with pytest.raises(services.Refused, match="role"):
        services.act(pd, "finalize", field_phi)
    pd = services.act(pd, "finalize", hq)
    assert pd.status == "final" and pd.final_decision == "partly_granted"
    assert pd.field_decision == "denied"


def test_crcl_may_ask_for_hq_review_after_the_field_decision(
    field_decided: PDRequest, investigator: Any, hq: Any
) -> None:
    assert not field_decided.hq_review_requested
    pd = services.act(field_decided, "to_hq", investigator, "We disagree.")
    assert pd.status == "hq_review" and pd.hq_review_requested
    pd = services.act(pd, "decide_hq", hq, "Agreed with CRCL.", decision="granted")
    pd = services.act(pd, "finalize", hq)
    assert pd.final_decision == "granted" and pd.field_decision == "granted"
    assert actions(pd)[-3:] == ["to_hq", "decide_hq", "finalize"]


def test_ice_hq_may_choose_to_take_over_before_the_field_decides(
    in_field_review: PDRequest, hq: Any
) -> None:
    pd = services.act(in_field_review, "to_hq", hq, "National significance.")
    assert pd.status == "hq_review" and not pd.hq_review_requested
    pd = services.act(pd, "decide_hq", hq, "Declined.", decision="denied")
    pd = services.act(pd, "finalize", hq)
    assert pd.final_decision == "denied" and pd.field_decision == ""


def test_ice_hq_may_choose_to_review_a_field_decision(field_decided: PDRequest, hq: Any) -> None:
    pd = services.act(field_decided, "to_hq", hq)
    assert pd.status == "hq_review" and not pd.hq_review_requested


@pytest.mark.parametrize("state", [s for s in STATES if s not in ("final", "withdrawn")])
def test_crcl_may_withdraw_before_the_final_determination(
    request: pytest.FixtureRequest, state: str, investigator: Any
) -> None:
    pd = request.getfixturevalue(STATES[state])
    assert pd.status == state
    pd = services.act(pd, "withdraw", investigator, "The person was released.")
    assert pd.status == "withdrawn" and actions(pd)[-1] == "withdraw"
    assert history(pd).last().text == "The person was released."


# (state, action, role, decision, text, why): each refused, audited, nothing changed.
REFUSED = [
    ("draft", "take_up", "investigator", None, "", "role"),
    ("submitted", "submit", "investigator", None, "", "submitted to ice"),
    ("submitted", "take_up", "investigator", None, "", "role"),
    ("submitted", "take_up", "hq", None, "", "role"),
    ("submitted", "take_up", "opla", None, "", "role"),
    ("submitted", "decide_field", "field_phi", "granted", "ok", "submitted to ice"),
    ("submitted", "finalize", "field_phi", None, "", "submitted to ice"),
    ("field_review", "decide_field", "hq", "granted", "ok", "role"),
    ("field_review", "decide_field", "investigator", "granted", "ok", "role"),
    ("field_review", "decide_field", "field_phi", "granted", "", "reason is required"),
    ("field_review", "decide_field", "field_phi", "maybe", "ok", "choose a decision"),
    ("field_review", "decide_field", "field_phi", "", "ok", "choose a decision"),
    ("field_review", "to_hq", "investigator", None, "", "once the field decision"),
    ("field_review", "to_hq", "field_phi", None, "", "role"),
    ("field_review", "finalize", "field_phi", None, "", "in field review"),
    ("field_decided", "to_hq", "field_phi", None, "", "role"),
    ("field_decided", "to_hq", "opla", None, "", "role"),
    ("field_decided", "finalize", "investigator", None, "", "role"),
    ("field_decided", "finalize", "hq", None, "", "role"),
    ("field_decided", "finalize", "opla", None, "", "role"),
    ("field_decided", "decide_hq", "hq", "granted", "ok", "field decision recorded"),
    ("field_decided", "decide_field", "field_phi", "denied", "again", "field decision recorded"),
    ("hq_review", "decide_hq", "field_phi", "granted", "ok", "role"),
    ("hq_review", "decide_hq", "investigator", "granted", "ok", "role"),
    ("hq_review", "decide_hq", "hq", "granted", "", "reason is required"),
    ("hq_review", "finalize", "hq", None, "", "in hq review"),
    ("hq_decided", "finalize", "field_phi", None, "", "role"),
    ("hq_decided", "finalize", "investigator", None, "", "role"),
    ("hq_decided", "decide_hq", "hq", "denied", "again", "hq decision recorded"),
    ("final", "withdraw", "investigator", None, "too late", "final determination"),
    ("final", "finalize", "field_phi", None, "", "final determination"),
    ("final", "to_hq", "hq", None, "", "final determination"),
    ("withdrawn", "submit", "investigator", None, "", "withdrawn"),
    ("withdrawn", "withdraw", "investigator", None, "again", "withdrawn"),
    ("submitted", "withdraw", "investigator", None, "", "reason is required"),
    ("submitted", "withdraw", "field_phi", None, "no", "role"),
    ("submitted", "withdraw", "hq", None, "no", "role"),
    ("field_review", "no_such_move", "investigator", None, "", "not a move"),
]


@pytest.mark.parametrize(("state", "action", "role", "decision", "text", "why"), REFUSED)
def test_it_refuses_a_wrong_role_or_state_and_changes_nothing(
    request: pytest.FixtureRequest,
    state: str,
    action: str,
    role: str,
    decision: str | None,
    text: str,
    why: str,
) -> None:
    pd = request.getfixturevalue(STATES[state])
    user = request.getfixturevalue(role)
    before = PDRequest.objects.filter(pk=pd.pk).values().get()
    steps = history(pd).count()
    with pytest.raises(services.Refused) as refused:
        services.act(pd, action, user, text, decision)
    assert why in str(refused.value).lower()
    assert PDRequest.objects.filter(pk=pd.pk).values().get() == before
    assert history(pd).count() == steps
    assert refusals(pd)[0]["action"] == action


def test_a_field_reviewer_of_another_area_gets_a_404_that_is_audited(
    submitted: PDRequest, field_nyc: Any
) -> None:
    for action in ("take_up", "decide_field", "withdraw"):
        with pytest.raises(Http404):
            services.act(submitted, action, field_nyc, "x", "granted")
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert [r["reason"] for r in refusals(submitted)] == ["outside scope"] * 3
    event = Event.objects.filter(action="discretion.pdrequest.refused").first()
    assert event is not None and event.actor == field_nyc


@pytest.mark.parametrize("role", ["field_phi", "hq", "opla"])
def test_drafts_are_invisible_to_ice(request: pytest.FixtureRequest, role: str, draft: Any) -> None:
    user = request.getfixturevalue(role)
    assert not PDRequest.objects.visible_to(user).exists()
    with pytest.raises(Http404):
        services.act(draft, "take_up", user)
    assert refusals(draft)[0]["reason"] == "outside scope"


@pytest.mark.parametrize("role", ["analyst", "leadership", "auditor", "outsider"])
def test_roles_outside_pd_work_see_nothing(
    request: pytest.FixtureRequest, role: str, submitted: Any
) -> None:
    user = request.getfixturevalue(role)
    assert not PDRequest.objects.visible_to(user).exists()
    with pytest.raises(Http404):
        services.act(submitted, "withdraw", user, "x")


def test_the_inquiry_must_be_open_to_create_or_submit(
    draft: PDRequest, investigator: Any, inquiry: Any, phi_request: Any
) -> None:
    inquiry.status = "closed"
    inquiry.save()
    with pytest.raises(services.Refused, match="closed"):
        make_pd(investigator, inquiry, phi_request)
    with pytest.raises(services.Refused, match="closed"):
        services.act(draft, "submit", investigator)
    assert PDRequest.objects.count() == 1


def test_only_crcl_may_create(field_phi: Any, hq: Any, inquiry: Any, phi_request: Any) -> None:
    for user in (field_phi, hq):
        with pytest.raises(services.Refused):
            make_pd(user, inquiry, phi_request)
    assert not PDRequest.objects.exists()


def test_no_personal_data_reaches_the_audit_trail(final: PDRequest) -> None:
    for event in Event.objects.all():
        assert CANARY_NAME not in str(event.changes) and CANARY_A_NUMBER not in str(event.changes)
    assert CANARY_NAME not in str(final)
