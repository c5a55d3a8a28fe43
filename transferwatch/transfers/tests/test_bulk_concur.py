"""Concur with many requests of the review queue at once: confirm first, then one by one."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.conftest import client_for
from transferwatch.transfers import review
from transferwatch.transfers.models import TransferRequest
from transferwatch.transfers.tests.test_review import new_request


def queue_up(agency: Any, n: int) -> list[TransferRequest]:
    out = []
    for _ in range(n):
        transfer = new_request(agency, [])  # a non-priority person: queued for review
        review.classify_request(transfer)
        transfer.refresh_from_db()
        assert transfer.review_status == "in_review"
        out.append(transfer)
    return out


def post(user: Any, **data: Any) -> Any:
    return client_for(user).post(reverse("review_bulk"), data)


def test_it_asks_for_confirmation_and_changes_nothing_before(
    phi_agency: Any, field_phi: Any
) -> None:
    queued = queue_up(phi_agency, 3)
    client = client_for(field_phi)
    before = Event.objects.count()
    response = client.post(
        reverse("review_bulk"), {"action": "concur", "ids": [t.pk for t in queued]}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Nothing has changed yet" in page
    assert all(f"#{t.pk}" in page for t in queued)
    assert Event.objects.count() == before
    assert set(TransferRequest.objects.values_list("review_status", flat=True)) == {"in_review"}


def test_it_concurs_one_by_one_audited_and_reports_refusals(
    phi_agency: Any, nyc_agency: Any, field_phi: Any
) -> None:
    queued = queue_up(phi_agency, 3)
    decided = queue_up(phi_agency, 1)[0]
    review.act(decided, "concur", field_phi)
    elsewhere = queue_up(nyc_agency, 1)[0]
    ids = [t.pk for t in queued] + [decided.pk, elsewhere.pk, 999_999]
    response = post(field_phi, action="concur", ids=ids, confirmed="yes", text="batch")
    page = response.content.decode()
    assert response.status_code == 200 and "3 done, 3 refused" in page
    assert "The request is decided" in page
    assert page.count(review.UNSEEN.capitalize()) == 2  # another area and no such request
    for t in queued:
        t.refresh_from_db()
        assert (t.review_status, t.decision) == ("decided", "concur")
        assert t.review_steps.last().text == "batch"
    elsewhere.refresh_from_db()
    assert elsewhere.review_status == "in_review"
    concurs = Event.objects.filter(action="transfers.review.concur")
    assert sorted(int(e.object_id) for e in concurs) == sorted(
        [t.pk for t in queued] + [decided.pk]
    )
    refused = Event.objects.filter(action="transfers.review.refused")
    assert sorted(int(e.object_id) for e in refused) == sorted([decided.pk, elsewhere.pk])


@pytest.mark.parametrize("who", ["investigator", "opla", "hq", "auditor"])
def test_roles_that_do_not_review_get_a_404(
    request: pytest.FixtureRequest, phi_agency: Any, who: str
) -> None:
    queued = queue_up(phi_agency, 1)
    user = request.getfixturevalue(who)
    assert post(user, action="concur", ids=[queued[0].pk], confirmed="yes").status_code == 404
    queued[0].refresh_from_db()
    assert queued[0].review_status == "in_review"


def test_only_plain_moves_may_be_taken_in_bulk(phi_agency: Any, field_phi: Any) -> None:
    queued = queue_up(phi_agency, 1)
    response = post(field_phi, action="refer_opla", ids=[queued[0].pk], confirmed="yes")
    assert response.status_code == 302
    queued[0].refresh_from_db()
    assert queued[0].review_status == "in_review"


def test_the_queue_offers_a_selection_in_constant_queries(
    phi_agency: Any, field_phi: Any, django_assert_max_num_queries: Any
) -> None:
    queue_up(phi_agency, 2)
    client = client_for(field_phi)
    client.get(reverse("review_queue"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("review_queue"))
    queue_up(phi_agency, 8)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("review_queue")).content.decode()
    assert len(many) == len(few)
    assert page.count('name="ids"') == 10


def test_the_confirmation_page_reads_in_constant_queries(phi_agency: Any, field_phi: Any) -> None:
    small, large = queue_up(phi_agency, 2), queue_up(phi_agency, 10)
    client = client_for(field_phi)
    counts = []
    for batch in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            client.post(reverse("review_bulk"), {"ids": [t.pk for t in batch]})
        counts.append(len(ctx))
    assert counts[0] == counts[1]
