"""What the public status check says about a PD request CRCL sent about the report."""

from __future__ import annotations

from typing import Any

from django.test import Client

from transferwatch.cases import services
from transferwatch.cases.models import Inquiry
from transferwatch.discretion.models import PDRequest


def _check(number: str, secret: str) -> str:
    response = Client().post("/report/status/", {"number": number, "secret": secret, "lang": "en"})
    return response.content.decode()


def test_the_submitter_learns_that_ice_reviews_and_then_decided(
    phi_agency: Any, phi_request: Any, investigator: Any
) -> None:
    allegation, secret = services.create_allegation(
        services.AllegationData(
            source="public", channel="web", types=["profiling_ethnicity"], agency=phi_agency
        ),
        with_secret=True,
    )
    assert "prosecutorial discretion" not in _check(allegation.number, secret)
    inquiry = Inquiry.objects.create(allegation=allegation, investigator=investigator)
    pd = PDRequest.objects.create(
        inquiry=inquiry,
        person=phi_request.person,
        transfer=phi_request,
        aor=phi_request.aor,
        agency_conduct="x",
        created_by=investigator,
    )
    assert "prosecutorial discretion" not in _check(allegation.number, secret)  # a draft
    PDRequest.objects.filter(pk=pd.pk).update(status="field_review")
    assert "ICE is reviewing the request" in _check(allegation.number, secret)
    PDRequest.objects.filter(pk=pd.pk).update(status="final", final_decision="denied")
    page = _check(allegation.number, secret)
    assert "ICE made a final decision" in page
    assert "denied" not in page.lower() and "declined" not in page.lower()
