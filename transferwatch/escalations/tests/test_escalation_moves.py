"""Every move of a notification or referral, by a role that may and one that may not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.cases.models import history
from transferwatch.conftest import client_for
from transferwatch.escalations import services
from transferwatch.escalations.models import DEFAULT_LEGAL_BASIS, DEFAULT_RECIPIENT, Escalation
from transferwatch.lib import workflow

# action, source status, the role that may, the role that may not, and what that role gets
# (403: the page with the refusal; 404: the record is outside its scope).
MOVES = [
    ("approve", "draft", "approved", "supervisor", "investigator", 403),
    ("approve", "draft", "approved", "supervisor", "leadership", 404),
    ("return_to_draft", "approved", "draft", "supervisor", "investigator", 403),
    ("send", "approved", "sent", "investigator", "leadership", 404),
    ("acknowledge", "sent", "acknowledged", "investigator", "leadership", 403),
    ("answer", "sent", "answered", "investigator", "leadership", 403),
    ("answer", "acknowledged", "answered", "supervisor", "leadership", 403),
    ("close", "answered", "closed", "investigator", "leadership", 403),
    ("close_unanswered", "sent", "closed", "supervisor", "investigator", 403),
    ("close_unanswered", "acknowledged", "closed", "supervisor", "leadership", 403),
]


def refusals(e: Escalation) -> int:
    return Event.objects.filter(
        action="escalations.escalation.refused", object_id=str(e.pk)
    ).count()


def act(user: Any, e: Escalation, action: str, text: str = "Reason given.") -> Any:
    return client_for(user).post(reverse("escalation_act", args=[e.pk, action]), {"text": text})


@pytest.mark.parametrize(("action", "source", "target", "allowed", "refused", "code"), MOVES)
def test_it_lets_the_allowed_role_move_and_refuses_the_other(
    request: pytest.FixtureRequest,
    make_escalation: Callable[..., Escalation],
    action: str,
    source: str,
    target: str,
    allowed: str,
    refused: str,
    code: int,
) -> None:
    # Leadership notices, so that DHS leadership can see the sent ones.
    e = make_escalation(kind="leadership", status=source)
    refused_user = request.getfixturevalue(refused)
    response = act(refused_user, e, action)
    assert response.status_code == code
    e.refresh_from_db()
    assert e.status == source
    assert refusals(e) == 1

    response = act(request.getfixturevalue(allowed), e, action)
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.status == target
    step = list(history(e))[-1]
    assert (step.action, step.from_status, step.to_status) == (action, source, target)
    event = Event.objects.get(action=f"escalations.escalation.{action}", object_id=str(e.pk))
    assert event.changes == {"status": {"from": source, "to": target}}
    assert "Reason given." not in str(event.changes)


@pytest.mark.parametrize(
    ("action", "wrong"),
    [
        ("approve", "sent"),
        ("return_to_draft", "draft"),
        ("send", "draft"),
        ("acknowledge", "approved"),
        ("answer", "answered"),
        ("close", "sent"),
        ("close_unanswered", "answered"),
    ],
)
def test_it_refuses_a_move_from_the_wrong_state(
    supervisor2: Any, make_escalation: Callable[..., Escalation], action: str, wrong: str
) -> None:
    e = make_escalation(status=wrong)
    response = act(supervisor2, e, action)
    assert response.status_code == 403
    assert "Nothing was changed" in response.content.decode()
    e.refresh_from_db()
    assert e.status == wrong
    assert refusals(e) == 1


def test_it_refuses_the_drafter_approving_their_own_draft(
    supervisor: Any, supervisor2: Any, make_escalation: Callable[..., Escalation]
) -> None:
    e = make_escalation(created_by=supervisor)
    page = client_for(supervisor).get(reverse("escalation_detail", args=[e.pk])).content.decode()
    assert "another supervisor must approve it" in page
    assert reverse("escalation_act", args=[e.pk, "approve"]) not in page

    response = act(supervisor, e, "approve")
    assert response.status_code == 403
    assert "may not approve their own draft" in response.content.decode()
    e.refresh_from_db()
    assert (e.status, e.approved_by) == ("draft", None)
    assert Event.objects.get(action="escalations.escalation.refused").changes["action"] == "approve"

    act(supervisor2, e, "approve")
    e.refresh_from_db()
    assert (e.status, e.approved_by) == ("approved", supervisor2)


def test_it_needs_a_reason_to_return_and_an_answer_text(
    supervisor: Any, make_escalation: Callable[..., Escalation]
) -> None:
    approved = make_escalation(status="approved")
    assert act(supervisor, approved, "return_to_draft", text="  ").status_code == 403
    approved.refresh_from_db()
    assert approved.status == "approved"
    act(supervisor, approved, "return_to_draft", text="Cite the run.")
    approved.refresh_from_db()
    assert (approved.status, approved.approved_at) == ("draft", None)

    sent = make_escalation(status="sent")
    assert act(supervisor, sent, "answer", text="").status_code == 403
    assert act(supervisor, sent, "close_unanswered", text="").status_code == 403
    act(supervisor, sent, "answer", text="DOJ opened a preliminary review.")
    sent.refresh_from_db()
    assert sent.status == "answered"
    assert sent.answer == "DOJ opened a preliminary review."
    assert sent.answered_at is not None


def test_it_freezes_the_letter_when_sent(
    investigator: Any, make_escalation: Callable[..., Escalation]
) -> None:
    e = make_escalation(status="approved")
    assert e.letter_html == ""
    act(investigator, e, "send")
    e.refresh_from_db()
    assert e.status == "sent"
    assert e.sent_at is not None
    assert "Minor-traffic arrests" in e.letter_html
    assert "DRAFT" not in e.letter_html
    # Later changes to the record do not change the letter that went out.
    Escalation.objects.filter(pk=e.pk).update(findings="Changed afterwards.")
    page = client_for(investigator).get(reverse("escalation_letter", args=[e.pk]))
    assert "Minor-traffic arrests" in page.content.decode()
    assert "Changed afterwards." not in page.content.decode()


def test_it_audits_a_move_outside_scope_at_the_service_level(
    leadership: Any, make_escalation: Callable[..., Escalation]
) -> None:
    from django.http import Http404

    e = make_escalation(kind="doj", status="sent")
    with pytest.raises(Http404):
        services.escalation_move(e, "acknowledge", leadership)
    assert Event.objects.get(action="escalations.escalation.refused").changes == {
        "action": "acknowledge",
        "reason": "outside scope",
    }


def test_it_refuses_an_unknown_action(
    supervisor: Any, make_escalation: Callable[..., Escalation]
) -> None:
    e = make_escalation()
    with pytest.raises(workflow.Refused):
        services.escalation_move(e, "delete", supervisor)


@pytest.mark.parametrize(
    ("status", "role", "offered"),
    [
        ("draft", "supervisor", ["approve"]),
        ("draft", "investigator", []),
        ("approved", "supervisor", ["return_to_draft", "send"]),
        ("approved", "investigator", ["send"]),
        ("sent", "investigator", ["acknowledge", "answer"]),
        ("sent", "supervisor", ["acknowledge", "answer", "close_unanswered"]),
        ("answered", "investigator", ["close"]),
        ("closed", "supervisor", []),
    ],
)
def test_it_offers_the_moves_of_the_state_and_role(
    request: pytest.FixtureRequest,
    make_escalation: Callable[..., Escalation],
    status: str,
    role: str,
    offered: list[str],
) -> None:
    e = make_escalation(status=status)
    user = request.getfixturevalue(role)
    html = client_for(user).get(reverse("escalation_detail", args=[e.pk])).content.decode()
    for action in services.MOVES:
        assert (reverse("escalation_act", args=[e.pk, action]) in html) == (action in offered)


@pytest.mark.parametrize(
    ("action", "status", "role"),
    [("approve", "draft", "supervisor2"), ("send", "approved", "investigator")],
)
@pytest.mark.parametrize(
    "wrong",
    [
        {"recipient": DEFAULT_RECIPIENT["leadership"]},
        {"legal_basis": DEFAULT_LEGAL_BASIS["leadership"]},
        {"recipient": "Attorney General of the State of PA"},
    ],
)
def test_it_refuses_a_doj_referral_with_another_kinds_recipient_or_basis(
    request: pytest.FixtureRequest,
    make_escalation: Callable[..., Escalation],
    action: str,
    status: str,
    role: str,
    wrong: dict[str, str],
) -> None:
    # Made directly, as if the form had been bypassed (an older draft, a script, the shell).
    e = make_escalation(kind="doj", status=status, **wrong)
    user = request.getfixturevalue(role)
    page = client_for(user).get(reverse("escalation_detail", args=[e.pk])).content.decode()
    assert reverse("escalation_act", args=[e.pk, action]) not in page
    assert "belongs to another kind of letter" in page
    response = act(user, e, action)
    assert response.status_code == 403
    assert "belongs to another kind of letter" in response.content.decode()
    e.refresh_from_db()
    assert (e.status, e.letter_html, e.sent_at) == (status, "", None)
    assert refusals(e) == 1
