"""The transfer request list: filters, htmx partial, paging, and a fixed number of queries."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from transferwatch.conftest import client_for
from transferwatch.transfers.models import TransferRequest


def listed(html: str, *requests: Any) -> list[bool]:
    return [f"#{r.pk}<" in html for r in requests]


def test_it_filters_by_type_area_agency_and_date(
    hq: Any, phi_request: Any, nyc_request: Any
) -> None:
    client = client_for(hq)
    url = reverse("transfer_list")
    assert listed(
        client.get(url, {"request_type": "detainer"}).content.decode(), phi_request, nyc_request
    ) == [True, False]
    assert listed(client.get(url, {"aor": "NYC"}).content.decode(), phi_request, nyc_request) == [
        False,
        True,
    ]
    assert listed(
        client.get(url, {"agency": "pa0460000"}).content.decode(), phi_request, nyc_request
    ) == [True, False]
    html = client.get(url, {"date_from": "2015-08-15", "date_to": "2015-12-31"}).content.decode()
    assert listed(html, phi_request, nyc_request) == [False, True]


def test_it_explains_a_bad_filter(hq: Any, phi_request: Any) -> None:
    html = (
        client_for(hq)
        .get(reverse("transfer_list"), {"date_from": "2016-01-01", "date_to": "2015-01-01"})
        .content.decode()
    )
    assert "The end date is before the start date." in html
    assert listed(html, phi_request) == [False] and "No requests shown" in html
    html = (
        client_for(hq).get(reverse("transfer_list"), {"date_from": "31/31/2015"}).content.decode()
    )
    assert "Enter a valid date." in html


def test_it_returns_only_the_results_to_htmx(hq: Any, phi_request: Any) -> None:
    response = client_for(hq).get(reverse("transfer_list"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="transfer-search"') and "<html" not in html
    assert "autofocus" in html  # focus moves to the new result count


def test_it_lists_with_a_fixed_number_of_queries(hq: Any, phi_request: Any) -> None:
    """No query per row: the count for one request equals the count for twenty-nine."""
    client = client_for(hq)
    client.get(reverse("transfer_list"))  # warm the session

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            client.get(reverse("transfer_list"))
        return len(context)

    one = queries()
    for day in range(1, 29):
        TransferRequest.objects.create(
            person=phi_request.person,
            request_type="notification",
            request_date=date(2015, 2, day),
            aor=phi_request.aor,
            agency=phi_request.agency,
            facility=phi_request.facility,
        )
    assert queries() == one <= 12


def test_it_pages_long_lists_keeping_the_filters(hq: Any, phi_request: Any) -> None:
    TransferRequest.objects.bulk_create(
        TransferRequest(
            person=phi_request.person,
            request_type="notification",
            request_date=date(2015, 3, 1),
            aor=phi_request.aor,
        )
        for _ in range(60)
    )
    html = (
        client_for(hq)
        .get(reverse("transfer_list"), {"request_type": "notification"})
        .content.decode()
    )
    assert "page 1 of 2" in html
    assert "request_type=notification&amp;page=2" in html


def test_it_shows_filter_errors_in_the_htmx_swap(hq: Any, phi_request: Any) -> None:
    response = client_for(hq).get(
        reverse("transfer_list"),
        {"date_from": "2016-01-01", "date_to": "2015-01-01"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "The end date is before the start date." in html and "No requests shown" in html
