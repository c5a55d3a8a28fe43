"""Who sees which notification or referral: DHS leadership only sent leadership notices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from transferwatch.conftest import client_for
from transferwatch.escalations.models import Escalation

PAGES = ["escalation_detail", "escalation_letter", "escalation_letter_pdf"]


@pytest.mark.parametrize("page", PAGES)
def test_it_shows_leadership_a_sent_notification_read_only(
    leadership: Any, make_escalation: Callable[..., Escalation], page: str
) -> None:
    e = make_escalation(kind="leadership", status="sent")
    response = client_for(leadership).get(reverse(page, args=[e.pk]))
    assert response.status_code == 200
    if page == "escalation_detail":
        html = response.content.decode()
        assert "Next steps" not in html
        assert reverse("escalation_edit", args=[e.pk]) not in html


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("doj", "sent"),
        ("state_ag", "answered"),
        ("leadership", "draft"),
        ("leadership", "approved"),
    ],
)
def test_it_hides_referrals_and_drafts_from_leadership(
    leadership: Any, make_escalation: Callable[..., Escalation], page: str, kind: str, status: str
) -> None:
    e = make_escalation(kind=kind, status=status)
    assert client_for(leadership).get(reverse(page, args=[e.pk])).status_code == 404


def test_it_lists_for_leadership_only_sent_notifications(
    leadership: Any, make_escalation: Callable[..., Escalation]
) -> None:
    sent = make_escalation(kind="leadership", status="acknowledged")
    hidden = [
        make_escalation(kind="leadership", status="draft"),
        make_escalation(kind="doj", status="sent"),
    ]
    html = client_for(leadership).get(reverse("escalation_list")).content.decode()
    assert sent.number in html
    for e in hidden:
        assert e.number not in html
    assert "Draft a notification" not in html


@pytest.mark.parametrize("role", ["investigator", "supervisor"])
def test_it_shows_crcl_casework_roles_everything(
    request: pytest.FixtureRequest, make_escalation: Callable[..., Escalation], role: str
) -> None:
    records = [make_escalation(kind="doj"), make_escalation(kind="leadership", status="sent")]
    html = client_for(request.getfixturevalue(role)).get(reverse("escalation_list")).content
    for e in records:
        assert e.number in html.decode()


@pytest.mark.parametrize("role", ["analyst", "field_phi", "hq", "opla", "auditor", "outsider"])
@pytest.mark.parametrize("page", ["escalation_list", *PAGES])
def test_it_gives_other_roles_404(
    request: pytest.FixtureRequest,
    make_escalation: Callable[..., Escalation],
    role: str,
    page: str,
) -> None:
    e = make_escalation(kind="leadership", status="sent")
    url = reverse(page) if page == "escalation_list" else reverse(page, args=[e.pk])
    assert client_for(request.getfixturevalue(role)).get(url).status_code == 404


def test_it_keeps_the_list_query_count_flat(
    supervisor: Any,
    make_escalation: Callable[..., Escalation],
    django_assert_max_num_queries: Any,
) -> None:
    for _ in range(5):
        make_escalation()
    client = client_for(supervisor)
    with django_assert_max_num_queries(12):
        client.get(reverse("escalation_list"))
