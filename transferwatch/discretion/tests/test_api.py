"""The PD request API for ICE systems: token, scope, decisions within role and state."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from transferwatch.api.models import ApiToken
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME
from transferwatch.discretion.models import PDRequest
from transferwatch.discretion.tests.conftest import refusals


def caller(user: Any) -> Client:
    _, token = ApiToken.issue(user, "ICE system")
    return Client(headers={"Authorization": f"Bearer {token}"})


def decide(client: Client, pd: PDRequest, **fields: Any) -> Any:
    body = {"level": "field", "decision": "granted", "reasons": "Victim of the stop."}
    body.update(fields)
    return client.post(
        f"/api/pd-requests/{pd.number}/decision", json.dumps(body), content_type="application/json"
    )


def test_it_needs_a_token(submitted: PDRequest) -> None:
    assert Client().get("/api/pd-requests").status_code == 401
    assert Client().get(f"/api/pd-requests/{submitted.number}").status_code == 401
    assert decide(Client(), submitted).status_code == 401
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_it_lists_the_requests_in_scope_without_identifying_details(
    field_phi: Any, submitted: PDRequest, nyc_pd: PDRequest, second_draft: Any
) -> None:
    response = caller(field_phi).get("/api/pd-requests")
    assert response.status_code == 200
    body = response.json()
    assert [r["number"] for r in body] == [submitted.number]
    assert body[0]["aor"] == "PHI" and body[0]["person_id"] == submitted.person_id
    assert CANARY_NAME not in response.content.decode()
    assert CANARY_A_NUMBER not in response.content.decode()


def test_it_filters_the_list(hq: Any, submitted: PDRequest, nyc_pd: PDRequest) -> None:
    client = caller(hq)
    assert len(client.get("/api/pd-requests").json()) == 2
    assert [r["aor"] for r in client.get("/api/pd-requests?aor=NYC").json()] == ["NYC"]
    assert client.get("/api/pd-requests?status=final").json() == []
    assert len(client.get("/api/pd-requests?awaiting_ice=true").json()) == 2
    assert client.get("/api/pd-requests?status=nonsense").status_code == 422
    assert client.get("/api/pd-requests?limit=0").status_code == 422


def test_it_gives_one_request_in_scope_and_404_outside(
    field_phi: Any, field_nyc: Any, submitted: PDRequest, second_draft: PDRequest
) -> None:
    draft = second_draft
    response = caller(field_phi).get(f"/api/pd-requests/{submitted.number}")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert caller(field_nyc).get(f"/api/pd-requests/{submitted.number}").status_code == 404
    assert caller(field_phi).get(f"/api/pd-requests/{draft.number}").status_code == 404
    assert caller(field_phi).get("/api/pd-requests/CRCL-PD-1999-000001").status_code == 404


def test_a_field_reviewer_takes_up_and_decides_in_one_call(
    field_phi: Any, submitted: PDRequest
) -> None:
    response = decide(caller(field_phi), submitted)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "field_decided" and body["field_decision"] == "granted"
    submitted.refresh_from_db()
    assert submitted.field_decided_by == field_phi
    assert submitted.field_decision_text == "Victim of the stop."


def test_a_field_reviewer_may_make_the_decision_final(field_phi: Any, submitted: PDRequest) -> None:
    response = decide(caller(field_phi), submitted, decision="denied", final=True)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "final" and body["final_decision"] == "denied"
    assert body["days_to_final"] == 0


def test_hq_decides_at_hq_level(hq: Any, field_decided: PDRequest) -> None:
    response = decide(caller(hq), field_decided, level="hq", decision="denied", final=True)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "final" and body["hq_decision"] == "denied"
    assert body["final_decision"] == "denied" and body["field_decision"] == "granted"


def test_it_is_409_in_the_wrong_state(field_phi: Any, hq: Any, final: PDRequest) -> None:
    response = decide(caller(field_phi), final)
    assert response.status_code == 409 and "final determination" in response.json()["detail"]
    assert decide(caller(hq), final, level="hq").status_code == 409
    assert refusals(final)[0]["action"] == "decide_hq"


def test_it_is_422_for_a_level_the_role_may_not_decide(
    field_phi: Any, hq: Any, opla: Any, in_field_review: PDRequest
) -> None:
    response = decide(caller(field_phi), in_field_review, level="hq")
    assert response.status_code == 422 and "role" in response.json()["detail"]
    assert decide(caller(hq), in_field_review, level="field").status_code == 422
    assert decide(caller(opla), in_field_review).status_code == 422
    in_field_review.refresh_from_db()
    assert in_field_review.status == "field_review" and in_field_review.field_decision == ""


def test_it_refuses_to_finalize_at_field_level_when_crcl_asked_for_hq(
    field_phi: Any, submitted: PDRequest
) -> None:
    PDRequest.objects.filter(pk=submitted.pk).update(hq_review_requested=True)
    response = decide(caller(field_phi), submitted, final=True)
    assert response.status_code == 422 and response.json()["field"] == "final"
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


@pytest.mark.parametrize(
    "fields",
    [{"decision": "perhaps"}, {"level": "district"}, {"reasons": ""}],
)
def test_it_is_422_for_a_bad_body(field_phi: Any, submitted: PDRequest, fields: Any) -> None:
    assert decide(caller(field_phi), submitted, **fields).status_code == 422
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_it_is_404_outside_scope_and_audited(
    field_nyc: Any, field_phi: Any, analyst: Any, submitted: PDRequest, second_draft: PDRequest
) -> None:
    assert decide(caller(field_nyc), submitted).status_code == 404
    assert decide(caller(analyst), submitted).status_code == 404
    assert decide(caller(field_phi), second_draft).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert [r["reason"] for r in refusals(submitted)] == ["outside scope"] * 2
    assert [r["reason"] for r in refusals(second_draft)] == ["outside scope"]
