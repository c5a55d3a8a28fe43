"""API routes for ICE systems: read PD requests within scope and record field or HQ decisions.

Mounted at /api/pd-requests by transferwatch/api/views.py. A token acts for one user: a field
reviewer's system sees the submitted requests of the reviewer's areas only. A request outside
scope is a 404 (and an attempted decision on it is audited); a decision the role or the state
does not allow is a 409 (wrong state) or 422 (anything else) with the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from transferwatch.api.schemas import Error, FieldError, Number, Page, text
from transferwatch.discretion import services
from transferwatch.discretion.models import PDRequest

router = Router(tags=["PD requests"])

PDStatus = Literal[tuple(code for code, _ in PDRequest.STATUSES)]  # type: ignore[valid-type]


class PDRequestOut(Schema):
    number: str
    status: str
    aor: str
    inquiry: str
    person_id: int = Field(
        description="internal id of the person (identifying fields are not sent)"
    )
    transfer_id: int | None
    bases: list[str]
    person_status: list[str]
    agency_conduct: str
    person_conduct: str
    other_facts: str
    hq_review_requested: bool
    field_decision: str
    field_decision_text: str
    field_decided_at: datetime | None
    hq_decision: str
    hq_decision_text: str
    hq_decided_at: datetime | None
    final_decision: str
    submitted_at: datetime | None
    due_at: datetime | None
    final_at: datetime | None
    days_to_final: int | None


class PDFilter(Page):
    status: PDStatus | None = None
    aor: str | None = text(None, max_length=8, description="ICE area code, e.g. PHI")
    awaiting_ice: bool = False


class DecisionIn(Schema):
    level: Literal["field", "hq"]
    decision: Literal["granted", "partly_granted", "denied"]
    reasons: str = text(..., min_length=1, max_length=10_000)
    final: bool = Field(
        False, description="also make the decision final (field: only when no HQ review was asked)"
    )


def out(pd: PDRequest) -> dict[str, Any]:
    return {
        "number": pd.number,
        "status": pd.status,
        "aor": pd.aor.code,
        "inquiry": pd.inquiry.number,
        "person_id": pd.person_id,
        "transfer_id": pd.transfer_id,
        "bases": pd.bases,
        "person_status": pd.person_status,
        "agency_conduct": pd.agency_conduct,
        "person_conduct": pd.person_conduct,
        "other_facts": pd.other_facts,
        "hq_review_requested": pd.hq_review_requested,
        "field_decision": pd.field_decision,
        "field_decision_text": pd.field_decision_text,
        "field_decided_at": pd.field_decided_at,
        "hq_decision": pd.hq_decision,
        "hq_decision_text": pd.hq_decision_text,
        "hq_decided_at": pd.hq_decided_at,
        "final_decision": pd.final_decision,
        "submitted_at": pd.submitted_at,
        "due_at": pd.due_at,
        "final_at": pd.final_at,
        "days_to_final": pd.days_to_final,
    }


def _scoped(request: HttpRequest) -> Any:
    return PDRequest.objects.visible_to(request.user).select_related("aor", "inquiry")


@router.get(
    "",
    response={200: list[PDRequestOut], 401: Error, 422: FieldError},
    summary="PD requests within the caller's scope, newest first",
)
def list_pd_requests(request: HttpRequest, filters: Query[PDFilter]) -> Any:
    requests = _scoped(request)
    if filters.status:
        requests = requests.filter(status=filters.status)
    if filters.aor:
        requests = requests.filter(aor__code=filters.aor)
    if filters.awaiting_ice:
        requests = requests.awaiting_ice()
    page = requests[filters.offset : filters.offset + filters.limit]
    return Status(200, [out(pd) for pd in page])


@router.get(
    "/{number}",
    response={200: PDRequestOut, 401: Error, 404: Error, 422: FieldError},
    summary="One PD request, if it is within the caller's scope",
)
def get_pd_request(request: HttpRequest, number: Number) -> Any:
    pd = _scoped(request).filter(number=number).first()
    if pd is None:
        return Status(404, {"detail": "not found"})
    return Status(200, out(pd))


# The moves one decision call takes, by level: taking the request up first when needed.
TAKE_UP = {"field": ("submitted", "take_up"), "hq": (("field_review", "field_decided"), "to_hq")}
DECIDE = {"field": "decide_field", "hq": "decide_hq"}


@router.post(
    "/{number}/decision",
    response={200: PDRequestOut, 400: Error, 401: Error, 404: Error, 409: Error, 422: FieldError},
    summary="Record the field or HQ decision (taking the request up first), optionally final",
)
def decide(request: HttpRequest, number: Number, data: DecisionIn) -> Any:
    user = request.user
    # Not scoped: the workflow checks scope and audits an attempt from outside it.
    pd = PDRequest.objects.filter(number=number).first()
    if pd is None:
        return Status(404, {"detail": "not found"})
    # Checked before anything changes; outside scope the moves below give the (audited) 404.
    if (
        data.final
        and data.level == "field"
        and pd.hq_review_requested
        and PDRequest.objects.visible_to(user).filter(pk=pd.pk).exists()
    ):
        return Status(
            422, {"detail": "final: CRCL asked for HQ review of this request", "field": "final"}
        )
    sources, take_up = TAKE_UP[data.level]
    decide_move = DECIDE[data.level]
    steps = [decide_move]
    if pd.status in sources:
        steps.insert(0, take_up)
    if data.final:
        steps.append("finalize")
    for action in steps:
        try:
            if action == decide_move:
                pd = services.act(pd, action, user, data.reasons, data.decision)
            else:
                pd = services.act(pd, action, user)
        except Http404:
            return Status(404, {"detail": "not found"})
        except services.Refused as exc:
            pd.refresh_from_db()
            if pd.status not in services.MOVES[action].sources:
                return Status(409, {"detail": f"{action}: {exc}"})
            return Status(422, {"detail": f"{action}: {exc}", "field": "level"})
    pd = _scoped(request).get(pk=pd.pk)
    return Status(200, out(pd))
