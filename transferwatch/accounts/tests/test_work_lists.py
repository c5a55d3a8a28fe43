"""'Assigned to you' and 'Waiting for your decision': the home page lists and their full pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from transferwatch.accounts.dashboard import work_lists
from transferwatch.conftest import client_for
from transferwatch.escalations.models import RemedialMeasure
from transferwatch.lib import workflow
from transferwatch.transfers import review
from transferwatch.transfers.tests.test_review import new_request


def measure(agency: Any, user: Any) -> RemedialMeasure:
    m = RemedialMeasure.objects.create(
        agency=agency,
        kind="training",
        description="Train patrol officers on the priorities.",
        owner="Chief of Police",
        due_date=timezone.localdate() + timedelta(days=30),
        created_by=user,
    )
    workflow.created(m, user)
    return m


def queued(agency: Any) -> Any:
    transfer = new_request(agency, [])
    review.classify_request(transfer)
    return transfer


def lists(user: Any) -> dict[str, Any]:
    return {w.key: w for w in work_lists(user)}


def test_a_field_reviewer_sees_the_requests_of_their_areas_waiting_for_review(
    phi_agency: Any, nyc_agency: Any, field_phi: Any, field_nyc: Any
) -> None:
    phi = queued(phi_agency)
    mine = lists(field_phi)["transfers_to_review"]
    assert (mine.count, mine.group) == (1, "decide")
    assert mine.items[0]["label"] == f"Transfer request #{phi.pk}"
    assert lists(field_nyc)["transfers_to_review"].count == 0
    page = client_for(field_phi).get("/").content.decode()
    assert "Waiting for your decision" in page and f"Transfer request #{phi.pk}" in page


def test_opla_sees_the_requests_referred_for_advice(
    phi_agency: Any, field_phi: Any, opla: Any, investigator: Any
) -> None:
    transfer = queued(phi_agency)
    review.act(transfer, "refer_opla", field_phi, "is the conviction final?")
    assert lists(opla)["transfers_to_advise"].count == 1
    assert "transfers_to_advise" not in lists(investigator)


def test_what_is_assigned_to_an_investigator_has_a_full_page(
    phi_agency: Any, investigator: Any, supervisor: Any
) -> None:
    for _ in range(7):
        measure(phi_agency, investigator)
    measure(phi_agency, supervisor)
    mine = lists(investigator)["my_measures"]
    assert (mine.count, len(mine.items), mine.group) == (7, 5, "assigned")
    home = client_for(investigator).get("/").content.decode()
    assert "Assigned to you" in home and "/work/my_measures/" in home and "All 7" in home
    full = client_for(investigator).get("/work/my_measures/").content.decode()
    assert full.count(">Remedial measure #") == 7
    assert lists(supervisor)["my_measures"].count == 1


def test_a_list_not_of_the_users_role_is_a_404(
    investigator: Any, auditor: Any, outsider: Any
) -> None:
    assert client_for(investigator).get("/work/approvals/").status_code == 404
    assert client_for(auditor).get("/work/my_measures/").status_code == 404
    assert client_for(outsider).get("/work/transfers_to_review/").status_code == 404


def count_queries(user: Any, url: str) -> int:
    client = client_for(user)
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_lists_read_in_constant_queries(
    phi_agency: Any, investigator: Any, field_phi: Any
) -> None:
    measure(phi_agency, investigator)
    queued(phi_agency)
    before = [
        count_queries(investigator, "/"),
        count_queries(investigator, "/work/my_measures/"),
        count_queries(field_phi, "/"),
        count_queries(field_phi, "/work/transfers_to_review/"),
    ]
    for _ in range(6):
        measure(phi_agency, investigator)
        queued(phi_agency)
    after = [
        count_queries(investigator, "/"),
        count_queries(investigator, "/work/my_measures/"),
        count_queries(field_phi, "/"),
        count_queries(field_phi, "/work/transfers_to_review/"),
    ]
    assert after == before
