"""The API: token auth, submission with classification, validation naming the field, scope."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from transferwatch.api.models import ApiToken
from transferwatch.audit.models import Event
from transferwatch.transfers.models import TransferRequest


def caller(user: Any) -> Client:
    _, token = ApiToken.issue(user, "test system")
    return Client(headers={"Authorization": f"Bearer {token}"})


def submit(client: Client, **fields: Any) -> Any:
    body = {
        "request_type": "detainer",
        "request_date": "2015-08-01",
        "aor": "PHI",
        "probable_cause": ["biometric_match"],
    }
    body.update(fields)
    return client.post("/api/transfers", json.dumps(body), content_type="application/json")


FELONY = {"date": "2013-02-01", "severity": "felony", "categories": ["burglary"]}


def test_it_needs_a_token(db: Any) -> None:
    assert Client().get("/api/transfers").status_code == 401
    assert (
        Client(headers={"Authorization": "Bearer tw_wrong"}).get("/api/transfers").status_code
        == 401
    )


def test_a_revoked_token_stops_working(field_phi: Any) -> None:
    token, secret = ApiToken.issue(field_phi, "old")
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    assert (
        Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/transfers").status_code
        == 401
    )


def test_it_classifies_a_submitted_request(field_phi: Any, phi_agency: Any) -> None:
    response = submit(
        caller(field_phi), agency_ori="PA0460000", convictions=[FELONY], external_id="ero-1"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["classification"]["priorities"] == ["1(d)"] and body["review_status"] == "closed"
    transfer = TransferRequest.objects.get(pk=body["id"])
    assert transfer.source == "api" and transfer.agency == phi_agency
    assert Event.objects.filter(action="transfers.request.submitted", actor=field_phi).count() == 1


def test_an_inconsistent_submission_is_queued(field_phi: Any) -> None:
    body = submit(caller(field_phi), probable_cause=[]).json()
    assert body["review_status"] == "in_review" and body["review_due"]
    assert "a detainer without a probable-cause basis" in body["inconsistencies"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"request_date": "2999-01-01"}, "request_date"),
        ({"request_date": "2015-02-30"}, "request_date"),
        ({"request_type": "hold"}, "request_type"),
        ({"aor": "XYZ"}, "aor"),
        ({"aor": "NYC"}, "aor"),
        ({"agency_ori": "ZZ0000000"}, "agency_ori"),
        ({"probable_cause": ["hunch"]}, "probable_cause"),
        ({"convictions": [{**FELONY, "categories": ["jaywalking"]}]}, "convictions[0].categories"),
        ({"convictions": [{**FELONY, "sentence_days": -3}]}, "convictions[0].sentence_days"),
        ({"convictions": [{**FELONY, "severity": "petty"}]}, "convictions[0].severity"),
        ({"convictions": [{**FELONY, "date": "2013-13-01"}]}, "convictions[0].date"),
    ],
)
def test_it_names_the_bad_field_and_stores_nothing(
    field_phi: Any, phi_agency: Any, fields: dict[str, Any], field: str
) -> None:
    response = submit(caller(field_phi), **fields)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not TransferRequest.objects.exists()


def test_it_refuses_a_malformed_body(field_phi: Any) -> None:
    response = caller(field_phi).post(
        "/api/transfers", "{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert not TransferRequest.objects.exists()


def test_it_refuses_the_same_external_id_twice(field_phi: Any) -> None:
    client = caller(field_phi)
    assert submit(client, external_id="ero-7").status_code == 201
    assert submit(client, external_id="ero-7").status_code == 409


def test_reads_stay_in_the_callers_scope(
    field_phi: Any, field_nyc: Any, phi_request: Any, nyc_request: Any
) -> None:
    phi = caller(field_phi)
    listed = {t["id"] for t in phi.get("/api/transfers").json()}
    assert listed == {phi_request.pk}
    assert phi.get(f"/api/transfers/{nyc_request.pk}").status_code == 404
    assert phi.get(f"/api/transfers/{phi_request.pk}").json()["aor"] == "PHI"
    assert caller(field_nyc).get(f"/api/transfers/{phi_request.pk}").status_code == 404


def test_roles_that_may_not_submit_get_404(analyst: Any) -> None:
    assert submit(caller(analyst)).status_code == 404


def test_the_openapi_schema_declares_error_responses(db: Any) -> None:
    schema = Client().get("/api/openapi.json").json()
    post = schema["paths"]["/api/transfers"]["post"]["responses"]
    assert {"201", "401", "404", "409", "422"} <= set(post)
    get = schema["paths"]["/api/transfers/{transfer_id}"]["get"]["responses"]
    assert {"200", "401", "404"} <= set(get)


def test_the_docs_page_works_offline(db: Any) -> None:
    html = Client().get("/api/docs").content.decode()
    assert "swagger-ui-bundle.js" in html and "cdn.jsdelivr.net" not in html
