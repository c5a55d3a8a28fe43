"""The allegation routes of the API: an ICE system reports for an officer and reads its reports."""

from __future__ import annotations

from typing import Any

from django.test import Client

from transferwatch.api.models import ApiToken
from transferwatch.cases.models import Allegation
from transferwatch.cases.tests.conftest import make_allegation
from transferwatch.conftest import CANARY_NAME


def api(user: Any) -> Any:
    _, token = ApiToken.issue(user, "ice system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


BODY = {
    "agency_ori": "PA0460000",
    "types": ["profiling_ethnicity", "systems_misuse"],
    "encounter_date": "2025-02-01",
    "narrative": "Deputies ran immigration checks on every passenger.",
    "people": [{"name": CANARY_NAME, "a_number": "A-012345678", "birth_date": "1988-04-03"}],
}


def test_it_needs_a_token(db: Any) -> None:
    assert Client().get("/api/allegations").status_code == 401
    assert (
        Client().post("/api/allegations", BODY, content_type="application/json").status_code == 401
    )
    bad = Client(HTTP_AUTHORIZATION="Bearer tw_nope")
    assert bad.get("/api/allegations/CRCL-A-2026-000001").status_code == 401


def test_it_takes_a_report_from_an_officer(
    db: Any, field_phi: Any, phi_agency: Any, phi_request: Any
) -> None:
    body = {**BODY, "transfer_ids": [phi_request.pk]}
    response = api(field_phi).post("/api/allegations", body, content_type="application/json")
    assert response.status_code == 201
    out = response.json()
    allegation = Allegation.objects.get()
    assert out["number"] == allegation.number and out["status"] == "received"
    assert (allegation.source, allegation.channel, allegation.submitted_by) == (
        "ice_officer",
        "api",
        field_phi,
    )
    assert allegation.people.get().a_number == "012345678"
    assert list(allegation.transfers.all()) == [phi_request]
    assert CANARY_NAME not in response.content.decode()


def test_it_refuses_bad_input_with_the_field(
    db: Any, field_phi: Any, phi_agency: Any, nyc_request: Any
) -> None:
    client = api(field_phi)
    cases = [
        ({"types": ["nonsense"]}, "types"),
        ({"agency_ori": "ZZ0000000"}, "agency_ori"),
        ({"people": [{"name": "x", "a_number": "12"}]}, "people[0].a_number"),
        ({"transfer_ids": [nyc_request.pk]}, "transfer_ids"),  # another area's request
        ({"encounter_date": "2999-01-01"}, "encounter_date"),
    ]
    for change, field in cases:
        response = client.post(
            "/api/allegations", {**BODY, **change}, content_type="application/json"
        )
        assert response.status_code == 422, field
        assert response.json()["field"] == field
    assert not Allegation.objects.exists()


def test_it_is_a_404_for_a_role_that_may_not_report(db: Any, analyst: Any) -> None:
    response = api(analyst).post("/api/allegations", BODY, content_type="application/json")
    assert response.status_code == 404
    assert not Allegation.objects.exists()


def test_it_shows_an_officer_only_their_own(
    db: Any, field_phi: Any, hq: Any, phi_agency: Any, analyst: Any
) -> None:
    mine = make_allegation(phi_agency, user=field_phi, source="ice_officer", channel="api")
    theirs = make_allegation(phi_agency, user=hq, source="ice_officer", channel="api")
    public = make_allegation(phi_agency)
    client = api(field_phi)
    assert [a["number"] for a in client.get("/api/allegations").json()] == [mine.number]
    assert client.get(f"/api/allegations/{mine.number}").status_code == 200
    assert client.get(f"/api/allegations/{theirs.number}").status_code == 404
    assert client.get(f"/api/allegations/{public.number}").status_code == 404
    # CRCL sees all of them.
    numbers = {a["number"] for a in api(analyst).get("/api/allegations").json()}
    assert numbers == {mine.number, theirs.number, public.number}
    assert api(analyst).get("/api/allegations", {"limit": 0}).status_code == 422
