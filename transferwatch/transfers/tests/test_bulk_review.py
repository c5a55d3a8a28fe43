"""The bulk classification of a release gives what one-by-one classification gives."""

from __future__ import annotations

from datetime import date
from typing import Any

from transferwatch.transfers import bulk_review, review
from transferwatch.transfers.models import Person, TransferRequest
from transferwatch.transfers.tests.test_review import DUI, FELONY, PENDING, new_request

MISDEMEANORS = [
    {"date": date(2012, 1, d), "severity": "misdemeanor", "categories": [], "incident": f"i{d}"}
    for d in (1, 2, 3)
]
SUSPENDED = {
    "date": date(2014, 5, 1), "severity": "misdemeanor", "categories": [], "sentence_days": 120,
    "suspended": True,
}  # fmt: skip
LATE = {"date": date(2015, 9, 1), "severity": "felony", "categories": []}


def make_requests(agency: Any) -> list[TransferRequest]:
    made = [
        new_request(agency, [FELONY], request_type="detainer", probable_cause=["biometric_match"]),
        new_request(agency, [FELONY, DUI], request_type="detainer"),
        new_request(agency, [DUI]),
        new_request(agency, MISDEMEANORS),
        new_request(agency, [SUSPENDED, LATE]),
        new_request(agency, [], [PENDING], request_type="detainer"),
        new_request(agency, [], details={"facts": {"gang_participation": True}}),
        new_request(agency, [], details={"facts": {"unlawful_entry": True}}),
        new_request(agency, [], details={"facts": {"final_order_date": "2014-06-01"}}),
        new_request(agency, [FELONY], request_date=date(2014, 6, 1)),  # sc-2011
        new_request(agency, [], request_date=date(2009, 5, 1)),  # before any policy
        new_request(agency, [], source="import", criminality=""),  # not enough facts
        new_request(agency, [], source="import", criminality="3", request_type="detainer"),
    ]
    with_birth = made[6].person
    Person.objects.filter(pk=with_birth.pk).update(birth_date=date(1990, 1, 1))
    return made


def outcome(ids: list[int]) -> list[Any]:
    seen = []
    for t in TransferRequest.objects.filter(pk__in=ids).order_by("pk"):
        c = t.classifications.first()
        seen.append(
            (
                t.review_status,
                t.review_due,
                t.inconsistencies,
                t.facts_missing,
                c and (c.policy, c.tier, c.priorities, c.pep_transfer_eligible, c.pep_basis,
                       c.allowed_requests, c.reasons, c.not_met, c.changes),
                [(s.action, s.from_status, s.to_status, s.data) for s in t.review_steps.all()],
            )
        )  # fmt: skip
    return seen


def test_bulk_and_one_by_one_classification_agree(phi_agency: Any) -> None:
    one = make_requests(phi_agency)
    for transfer in one:
        if review.missing_facts(transfer):
            TransferRequest.objects.filter(pk=transfer.pk).update(
                facts_missing=review.missing_facts(transfer)
            )
            continue
        try:
            review.classify_request(transfer)
        except Exception as exc:  # before any policy in force: stays received, as in bulk
            assert "no policy in force" in str(exc)
    many = make_requests(phi_agency)
    counts = bulk_review.classify_pending(
        TransferRequest.objects.filter(pk__in=[t.pk for t in many]), chunk=4
    )
    assert counts == {
        "requests": 13, "classified": 11, "queued": 7, "no_policy": 1, "no_facts": 1
    }  # fmt: skip
    expected = outcome([t.pk for t in one])
    assert outcome([t.pk for t in many]) == expected
    statuses = [row[0] for row in expected]
    assert statuses.count("in_review") == 7 and statuses.count("received") == 2
