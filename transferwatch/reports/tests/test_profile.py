"""The agency profile report: one agency's figures over time, as HTML and PDF, no personal data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.urls import reverse

from transferwatch.cases.models import Allegation
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for
from transferwatch.reports.tests.packet_data import (
    CANARY_CONTACT,
    CANARY_NARRATIVE,
    CANARY_TEXT,
    pdf_text,
)
from transferwatch.transfers.models import TransferRequest

CANARIES = (CANARY_NAME, CANARY_A_NUMBER, CANARY_NARRATIVE, CANARY_CONTACT, CANARY_TEXT)


def _cells(html: str, table: str, row: str) -> list[str]:
    body = re.search(rf'<table id="{table}">(.*?)</table>', html, re.S)
    assert body, table
    found = re.search(rf'<th scope="row">{re.escape(row)}</th>(.*?)</tr>', body.group(1), re.S)
    assert found, (table, row)
    return re.findall(r"<td[^>]*>(.*?)</td>", found.group(1))


def test_the_profile_counts_the_agency_like_the_database(
    packet_world: Any, investigator: Any
) -> None:
    html = client_for(investigator).get(reverse("agency_profile", args=["PA0460000"]))
    page = html.content.decode()
    for label, start, end in (
        ("2015Q3", "2015-07-01", "2015-10-01"),
        ("2015Q2", "2015-04-01", "2015-07-01"),
    ):
        requests = TransferRequest.objects.filter(
            agency__ori="PA0460000", request_date__gte=start, request_date__lt=end
        )
        cells = _cells(page, "transfers-by-quarter", label)
        assert cells[0] == str(requests.count())
        assert cells[1] == str(requests.filter(request_type="detainer").count())
    allegations = Allegation.objects.filter(agency__ori="PA0460000").exclude(status="merged")
    assert f"{allegations.count()} allegations about this agency" in page
    assert _cells(page, "allegations-by-type", "Profiling on the basis of race") == [
        str(sum("profiling_race" in a.types for a in allegations))
    ]
    assert "CRCL-I-" in page and "Referral to the DOJ Civil Rights Division" in page
    assert "Training" in page and "(past due)" in page
    assert page.count("<svg") >= 2  # the indicators over time and a funnel plot
    for canary in CANARIES:
        assert canary not in page


def test_the_profile_pdf_is_a_pdf_without_personal_data(
    packet_world: Any, analyst: Any, tmp_path: Path
) -> None:
    response = client_for(analyst).get(reverse("agency_profile_pdf", args=["PA0460000"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content, tmp_path)
    assert "Montgomery County Sheriff (PA0460000)" in text
    for canary in CANARIES:
        assert canary not in text


def test_an_unknown_agency_has_no_profile(analyst: Any) -> None:
    assert client_for(analyst).get(reverse("agency_profile", args=["XX0000000"])).status_code == 404
