"""Triage of allegations: every move with an allowed role, a refused role, a wrong state, scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.cases.models import Allegation, Inquiry, history
from transferwatch.cases.moves import allegation_move
from transferwatch.cases.tests.conftest import make_allegation
from transferwatch.conftest import CANARY_NAME, client_for
from transferwatch.lib.workflow import Refused


def act(user: Any, allegation: Allegation, action: str, **post: Any) -> Any:
    url = reverse("allegation_act", args=[allegation.number, action])
    return client_for(user).post(url, post)


def refused_events(allegation: Allegation) -> list[dict[str, Any]]:
    return [
        e.changes
        for e in Event.objects.filter(
            action="cases.allegation.refused", object_id=str(allegation.pk)
        )
    ]


def test_it_triages_and_sets_the_agency(db: Any, analyst: Any, nyc_agency: Any) -> None:
    allegation = make_allegation(None)
    response = act(analyst, allegation, "triage", agency=nyc_agency.ori.lower())
    assert response.status_code == 302
    allegation.refresh_from_db()
    assert (allegation.status, allegation.agency) == ("triaged", nyc_agency)
    steps = list(history(allegation))
    assert [(s.action, s.from_status, s.to_status) for s in steps] == [
        ("created", "", "received"),
        ("triage", "received", "triaged"),
    ]
    assert Event.objects.filter(action="cases.allegation.triage").exists()


def test_it_refuses_triage_to_a_role_without_it_and_audits(
    db: Any, allegation: Allegation, investigator: Any, leadership: Any, field_phi: Any
) -> None:
    # An ICE officer sees only their own reports: someone else's is a 404, audited.
    assert act(field_phi, allegation, "triage").status_code == 404
    # Leadership has no view of allegations at all: the page does not exist.
    assert act(leadership, allegation, "triage").status_code == 404
    allegation.refresh_from_db()
    assert allegation.status == "received"
    assert {"action": "triage", "reason": "outside scope"} in refused_events(allegation)


def test_it_refuses_a_role_that_sees_but_may_not_triage(
    db: Any, officer_allegation: Allegation, field_phi: Any
) -> None:
    with pytest.raises(Refused, match="your role may not"):
        allegation_move(officer_allegation, "triage", field_phi)
    officer_allegation.refresh_from_db()
    assert officer_allegation.status == "received"
    assert refused_events(officer_allegation)[-1]["reason"] == "your role may not take this action"


def test_it_refuses_a_move_from_the_wrong_state(
    db: Any, allegation: Allegation, analyst: Any
) -> None:
    response = act(analyst, allegation, "close_no_action", text="spam")
    assert response.status_code == 403
    assert "The record is unchanged" in response.content.decode()
    allegation.refresh_from_db()
    assert allegation.status == "received" and allegation.outcome_text == ""
    assert refused_events(allegation)[-1]["reason"] == "the record is received"


def test_it_links_related_allegations(db: Any, triaged: Allegation, analyst: Any) -> None:
    other = make_allegation(None, a_number="", name="Someone Else")
    act(analyst, triaged, "link", other=other.number.lower())
    triaged.refresh_from_db()
    assert triaged.status == "triaged"
    assert list(triaged.related.all()) == [other] and list(other.related.all()) == [triaged]
    # Unknown number, or itself: refused, nothing linked.
    response = act(analyst, triaged, "link", other="CRCL-A-1999-000001")
    assert response.status_code == 403 and "There is no allegation" in response.content.decode()
    with pytest.raises(Refused, match="itself"):
        allegation_move(triaged, "link", analyst, other=triaged.number)
    with pytest.raises(Refused, match="record number"):
        allegation_move(triaged, "link", analyst)


def test_it_merges_into_another_allegation(db: Any, triaged: Allegation, analyst: Any) -> None:
    target = make_allegation(None, a_number="", name="Someone Else")
    response = act(analyst, triaged, "merge", other=target.number, text="same stop")
    assert response.status_code == 302
    triaged.refresh_from_db()
    assert (triaged.status, triaged.merged_into) == ("merged", target)
    assert triaged in target.merged.all()
    page = client_for(analyst).get(reverse("allegation_detail", args=[target.number]))
    assert "Merged into this one: <a" in page.content.decode()
    # Merging a merged allegation again is refused (wrong state).
    with pytest.raises(Refused):
        allegation_move(triaged, "merge", analyst, other=target.number)


def test_it_refuses_to_merge_into_an_allegation_already_merged(
    db: Any, triaged: Allegation, analyst: Any
) -> None:
    a = make_allegation(None, a_number="", name="A Person")
    b = make_allegation(None, a_number="", name="B Person")
    allegation_move(a, "triage", analyst)
    allegation_move(a, "merge", analyst, other=b.number)
    with pytest.raises(Refused, match="was itself merged"):
        allegation_move(triaged, "merge", analyst, other=a.number)
    triaged.refresh_from_db()
    assert triaged.status == "triaged" and triaged.merged_into is None


def test_it_retains_for_an_inquiry_with_an_investigator(
    db: Any, triaged: Allegation, investigator: Any
) -> None:
    response = act(investigator, triaged, "retain", investigator=investigator.pk)
    assert response.status_code == 302
    triaged.refresh_from_db()
    assert triaged.status == "retained"
    inquiry = Inquiry.objects.get(allegation=triaged)
    assert (inquiry.status, inquiry.investigator, inquiry.agency) == (
        "open",
        investigator,
        triaged.agency,
    )
    assert inquiry.step_due is not None
    assert [s.action for s in history(inquiry)] == ["created"]


def test_it_refuses_retain_without_an_investigator_or_by_an_analyst(
    db: Any, triaged: Allegation, analyst: Any, investigator: Any, leadership: Any
) -> None:
    with pytest.raises(Refused, match="choose the investigator"):
        allegation_move(triaged, "retain", investigator, investigator=leadership.pk)
    # The analyst triages but may not open inquiries.
    with pytest.raises(Refused, match="may not open inquiries"):
        allegation_move(triaged, "retain", analyst, investigator=investigator.pk)
    assert not Inquiry.objects.exists()
    triaged.refresh_from_db()
    assert triaged.status == "triaged"


def test_it_refers_with_an_office_and_records_the_answer_later(
    db: Any, triaged: Allegation, analyst: Any, field_phi: Any
) -> None:
    response = act(analyst, triaged, "refer", office="")
    assert response.status_code == 403 and "Name the office" in response.content.decode()
    act(analyst, triaged, "refer", office="DOJ Civil Rights Division", text="pattern")
    triaged.refresh_from_db()
    assert (triaged.status, triaged.referred_to) == ("referred", "DOJ Civil Rights Division")
    with pytest.raises(Refused, match="reason is required"):
        allegation_move(triaged, "referral_answer", analyst)
    allegation_move(triaged, "referral_answer", analyst, "Opened a review.")
    triaged.refresh_from_db()
    assert triaged.referral_answer == "Opened a review." and triaged.referral_answered_at
    assert triaged.status == "referred"


def test_it_closes_with_no_action_only_with_a_reason(
    db: Any, triaged: Allegation, analyst: Any
) -> None:
    response = act(analyst, triaged, "close_no_action", text="  ")
    assert response.status_code == 403 and "A reason is required" in response.content.decode()
    act(analyst, triaged, "close_no_action", text="Not about an LEA.")
    triaged.refresh_from_db()
    assert (triaged.status, triaged.outcome_text) == ("closed_no_action", "Not about an LEA.")
    # The reason is in the history, never in the audit event.
    assert history(triaged).last().text == "Not about an LEA."
    event = Event.objects.filter(action="cases.allegation.close_no_action").get()
    assert "Not about" not in str(event.changes)


def test_it_shows_each_role_only_the_moves_it_may_take(
    db: Any, allegation: Allegation, analyst: Any
) -> None:
    page = client_for(analyst).get(reverse("allegation_detail", args=[allegation.number]))
    text = page.content.decode()
    assert reverse("allegation_act", args=[allegation.number, "triage"]) in text
    assert reverse("allegation_act", args=[allegation.number, "retain"]) not in text
    assert CANARY_NAME not in text  # masked until revealed


def test_it_offers_the_triaged_moves_with_their_fields(
    db: Any, triaged: Allegation, supervisor: Any, investigator: Any
) -> None:
    page = client_for(supervisor).get(reverse("allegation_detail", args=[triaged.number]))
    text = page.content.decode()
    for action in ("link", "merge", "retain", "refer", "close_no_action"):
        assert reverse("allegation_act", args=[triaged.number, action]) in text
    assert f'<option value="{investigator.pk}">ivan</option>' in text
    assert 'name="office"' in text and 'name="other"' in text
