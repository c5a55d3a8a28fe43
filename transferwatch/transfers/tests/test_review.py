"""The review of transfer requests: classification on entry, the queue, every move and refusals."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.conftest import client_for, make_user
from transferwatch.transfers import bulk_review, review
from transferwatch.transfers.models import Charge, Conviction, Person, TransferRequest


@pytest.fixture
def officer_phi(db: Any) -> Any:
    user = make_user("oscar", "ice_field_reviewer", ("PHI",))
    user.title = "immigration_officer"
    user.save()
    return user


@pytest.fixture
def fod_phi(db: Any) -> Any:
    user = make_user("fiona", "ice_field_reviewer", ("PHI",))
    user.title = "ice_fod"
    user.save()
    return user


def new_request(
    agency: Any,
    convictions: list[dict[str, Any]] = (),
    charges: list[dict[str, Any]] = (),
    **fields: Any,
) -> TransferRequest:  # type: ignore[assignment]
    person = Person.objects.create()
    for c in convictions:
        Conviction.objects.create(person=person, **c)
    for c in charges:
        Charge.objects.create(person=person, **c)
    values = {
        "request_type": "notification",
        "request_date": date(2015, 8, 1),
        "aor": agency.aor,
        "agency": agency,
    }
    values.update(fields)
    return TransferRequest.objects.create(person=person, **values)


FELONY = {"date": date(2013, 2, 1), "severity": "felony", "categories": ["burglary"]}
DUI = {"date": date(2014, 2, 1), "severity": "misdemeanor", "categories": ["dui"]}
PENDING = {"date": date(2015, 7, 30), "severity": "felony", "categories": []}


def test_a_request_consistent_with_the_priorities_is_closed(phi_agency: Any) -> None:
    transfer = new_request(
        phi_agency, [FELONY], request_type="detainer", probable_cause=["biometric_match"]
    )
    classification = review.classify_request(transfer)
    transfer.refresh_from_db()
    assert (classification.policy, classification.tier, classification.priorities) == (
        "pep-2014",
        1,
        ["1(d)"],
    )
    assert transfer.review_status == "closed" and transfer.inconsistencies == []
    reason = classification.reasons[0]
    assert (
        reason["clause"] == "1(d)" and "felony" in reason["text"] and "2013-02-01" in reason["text"]
    )


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        (
            {"convictions": [DUI], "request_type": "detainer"},
            "a detainer without a probable-cause basis",
        ),
        ({"convictions": [], "charges": [PENDING]}, "a request based only on pending charges"),
        ({"convictions": []}, "a non-priority person, with no federal-interest finding recorded"),
        (
            {"convictions": [], "request_type": "detainer", "probable_cause": ["statements"]},
            "a detainer for a person not eligible for a PEP transfer",
        ),
    ],
)
def test_an_inconsistent_request_goes_to_the_queue_with_a_due_date(
    phi_agency: Any, officer_phi: Any, facts: dict[str, Any], why: str
) -> None:
    transfer = new_request(phi_agency, facts.pop("convictions"), facts.pop("charges", []), **facts)
    review.classify_request(transfer)
    transfer.refresh_from_db()
    assert transfer.review_status == "in_review" and transfer.review_due is not None
    assert why in transfer.inconsistencies
    assert list(review.queue_for(officer_phi)) == [transfer]


@pytest.fixture
def queued(phi_agency: Any) -> TransferRequest:
    transfer = new_request(
        phi_agency, [DUI]
    )  # 2(b): a priority, but not a PEP transfer basis? it is.
    transfer.request_type = "detainer"
    transfer.save()
    review.classify_request(transfer)
    transfer.refresh_from_db()
    assert transfer.review_status == "in_review"
    return transfer


def events(action: str) -> int:
    return Event.objects.filter(action=action).count()


def test_concur_then_close(queued: Any, officer_phi: Any) -> None:
    review.act(queued, "concur", officer_phi)
    assert queued.review_status == "decided" and queued.decision == "concur"
    review.act(queued, "close", officer_phi)
    queued.refresh_from_db()
    assert queued.review_status == "closed"
    assert events("transfers.review.concur") == 1 and events("transfers.review.close") == 1
    assert [s.action for s in queued.review_steps.all()] == [
        "classified",
        "queued",
        "concur",
        "close",
    ]


def test_return_and_correct_reclassifies(queued: Any, officer_phi: Any) -> None:
    review.act(queued, "return", officer_phi, "no probable-cause basis given")
    assert queued.review_status == "returned"
    queued.probable_cause = ["biometric_match"]
    queued.save()
    review.act(queued, "correct", officer_phi, "biometric match added by the issuing office")
    queued.refresh_from_db()
    assert queued.review_status == "closed" and queued.classifications.count() == 2


def test_only_the_titles_the_policy_names_grant_an_exception(
    queued: Any, officer_phi: Any, fod_phi: Any
) -> None:
    with pytest.raises(review.ReviewRefused, match="may be granted only by: CBP Director"):
        review.act(queued, "exception", officer_phi, "compelling factors")
    assert events("transfers.review.refused") == 1
    queued.refresh_from_db()
    assert queued.review_status == "in_review"
    review.act(queued, "exception", fod_phi, "eligible for relief")
    assert queued.decision == "exception"


def test_any_immigration_officer_may_grant_a_priority_3_exception(
    phi_agency: Any, officer_phi: Any
) -> None:
    transfer = new_request(phi_agency, [], request_type="notification")
    transfer.details = {"facts": {"final_order_date": "2014-09-15"}}
    transfer.save()
    review.classify_request(transfer)
    transfer.refresh_from_db()
    assert transfer.classifications.first().tier == 3 and transfer.review_status == "in_review"
    review.act(transfer, "exception", officer_phi, "no threat to the integrity of the system")
    assert transfer.decision == "exception"


def test_a_federal_interest_needs_a_field_office_director_and_a_reason(
    phi_agency: Any, officer_phi: Any, fod_phi: Any
) -> None:
    transfer = new_request(phi_agency, [])
    review.classify_request(transfer)
    with pytest.raises(review.ReviewRefused, match="Field Office Director"):
        review.act(transfer, "federal_interest", officer_phi, "important")
    with pytest.raises(review.ReviewRefused, match="reason is required"):
        review.act(transfer, "federal_interest", fod_phi, "  ")
    with pytest.raises(review.ReviewRefused, match="needs a federal-interest finding"):
        review.act(transfer, "exception", fod_phi, "no")
    review.act(transfer, "federal_interest", fod_phi, "witness in a federal prosecution")
    assert transfer.decision == "federal_interest"


def test_opla_gives_legal_advice(queued: Any, officer_phi: Any, opla: Any) -> None:
    review.act(queued, "refer_opla", officer_phi, "is the conviction final?")
    with pytest.raises(review.ReviewRefused, match="your role"):
        review.act(queued, "opla_advice", officer_phi, "it is")
    review.act(queued, "opla_advice", opla, "the conviction is final")
    assert queued.review_status == "in_review"
    assert list(review.queue_for(opla)) == []


def test_discretion_records_its_factors(queued: Any, officer_phi: Any) -> None:
    with pytest.raises(review.ReviewRefused, match="factor"):
        review.act(queued, "discretion", officer_phi, "long residence")
    review.act(
        queued,
        "discretion",
        officer_phi,
        "long residence",
        {"factors": ["length_of_time_in_us", "family_community_ties"]},
    )
    step = queued.review_steps.last()
    assert step.data == {"factors": ["length_of_time_in_us", "family_community_ties"]}


def test_a_reviewer_of_another_area_is_refused_and_nothing_changes(
    queued: Any, field_nyc: Any, hq: Any
) -> None:
    for user in (field_nyc, hq):
        with pytest.raises(review.ReviewRefused):
            review.act(queued, "concur", user)
    queued.refresh_from_db()
    assert queued.review_status == "in_review" and queued.decision == ""
    assert events("transfers.review.refused") == 2


def test_a_move_from_the_wrong_state_is_refused(queued: Any, officer_phi: Any) -> None:
    with pytest.raises(review.ReviewRefused, match="in review"):
        review.act(queued, "close", officer_phi)


def test_reopening_after_new_facts_shows_what_changed(
    phi_agency: Any, officer_phi: Any, fod_phi: Any
) -> None:
    transfer = new_request(phi_agency, [])
    review.classify_request(transfer)
    review.act(transfer, "federal_interest", fod_phi, "national security referral")
    review.act(transfer, "close", officer_phi)
    Conviction.objects.create(person=transfer.person, **FELONY)
    review.act(transfer, "reopen", officer_phi, "felony conviction found")
    latest = transfer.classifications.first()
    assert latest.tier == 1 and latest.changes["tier"] == {"from": None, "to": 1}
    assert latest.changes["priorities"] == {"added": ["1(d)"], "removed": []}


def test_classify_pending_handles_an_import_in_batches(phi_agency: Any) -> None:
    for _ in range(7):
        new_request(
            phi_agency, [FELONY], request_type="detainer", probable_cause=["biometric_match"]
        )
    new_request(phi_agency, [])
    old = new_request(phi_agency, [], request_date=date(2009, 5, 1))
    counts = bulk_review.classify_pending(TransferRequest.objects.all(), chunk=3)
    # 7 consistent detainers closed, 1 non-priority queued, 1 dated before any policy in force
    assert counts == {
        "requests": 9, "classified": 8, "queued": 1, "no_policy": 1, "no_facts": 0
    }  # fmt: skip
    old.refresh_from_db()
    assert old.review_status == "received" and not old.classifications.exists()
    assert events("transfers.review.classified_batch") == 3


def test_the_queue_page_lists_overdue_first(queued: Any, officer_phi: Any, phi_agency: Any) -> None:
    later = new_request(phi_agency, [])
    review.classify_request(later)
    TransferRequest.objects.filter(pk=queued.pk).update(review_due=date(2000, 1, 1))
    html = client_for(officer_phi).get(reverse("review_queue")).content.decode()
    assert html.index(f"#{queued.pk}<") < html.index(f"#{later.pk}<") and "Overdue" in html


def test_the_detail_page_offers_the_allowed_actions_and_shows_refusals(
    queued: Any, officer_phi: Any, analyst: Any
) -> None:
    client = client_for(officer_phi)
    html = client.get(reverse("transfer_detail", args=[queued.pk])).content.decode()
    assert "Concur with the request" in html
    assert reverse("transfer_act", args=[queued.pk, "federal_interest"]) not in html
    assert "(not you: only an ICE Field Office Director may find" in html
    assert f"<title>Transfer request #{queued.pk} · TransferWatch</title>" in html
    assert "Sent for review because" in html
    response = client.post(
        reverse("transfer_act", args=[queued.pk, "federal_interest"]), {"text": "x"}
    )
    assert response.status_code == 403 and "Field Office Director" in response.content.decode()
    response = client.post(
        reverse("transfer_act", args=[queued.pk, "discretion"]), {"text": "long residence"}
    )
    assert response.status_code == 403 and ">long residence</textarea>" in response.content.decode()
    response = client.post(reverse("transfer_act", args=[queued.pk, "concur"]))
    assert response.status_code == 302
    assert client_for(analyst).get(reverse("review_queue")).status_code == 404
    assert (
        client_for(analyst).post(reverse("transfer_act", args=[queued.pk, "close"])).status_code
        == 403
    )
