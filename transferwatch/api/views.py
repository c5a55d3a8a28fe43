"""The REST API (OpenAPI at /api/openapi.json). Systems authenticate with a bearer token.

A token acts for one user, so the API sees exactly what that user's role and areas may see:
a request outside them is a 404, as on the web pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import ValidationError
from ninja.security import HttpBearer

from transferwatch import policy
from transferwatch.accounts.models import Area
from transferwatch.agencies.models import Agency
from transferwatch.api.models import ApiToken, digest
from transferwatch.api.schemas import (
    MAX_ID,
    Error,
    FieldError,
    Page,
    ReviewStatus,
    TransferIn,
    TransferOut,
    text,
)
from transferwatch.audit.services import record
from transferwatch.transfers import review
from transferwatch.transfers.models import Charge, Conviction, Person, TransferRequest


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=digest(token), revoked=False, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


api = NinjaAPI(
    title="TransferWatch API",
    version="1",
    description="Transfer requests and their review against the enforcement priorities.",
    auth=TokenAuth(),
    urls_namespace="api",
)


class BadRequest(Exception):
    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field
        self.detail = detail


@api.exception_handler(BadRequest)
def bad_request(request: HttpRequest, exc: BadRequest) -> Any:
    return api.create_response(request, {"detail": exc.detail, "field": exc.field}, status=422)


# Where ninja says a value was (request part, parameter name), not part of the field's name.
LOCATIONS = {"body", "query", "path", "header", "cookie", "payload", "data", "filters"}


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> Any:
    first = exc.errors[0] if exc.errors else {}
    parts = [p for p in first.get("loc", ()) if p not in LOCATIONS]
    while parts and isinstance(parts[-1], int):
        parts.pop()  # an item of a list of codes: the field is the list (types, probable_cause)
    field = ""
    for part in parts:
        # The same form as the priority engine's errors: convictions[0].date
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    detail = f"{field}: {first.get('msg', 'invalid')}" if field else "invalid request body"
    return api.create_response(request, {"detail": detail, "field": field}, status=422)


def out(transfer: TransferRequest) -> dict[str, Any]:
    current = transfer.classifications.first()
    return {
        "id": transfer.pk,
        "request_type": transfer.request_type,
        "request_date": transfer.request_date,
        "aor": transfer.aor.code,
        "agency_ori": transfer.agency.ori if transfer.agency else None,
        "review_status": transfer.review_status,
        "review_due": transfer.review_due,
        "inconsistencies": transfer.inconsistencies,
        "decision": transfer.decision,
        "classification": None
        if current is None
        else {
            "policy": current.policy,
            "tier": current.tier,
            "priorities": current.priorities,
            "pep_transfer_eligible": current.pep_transfer_eligible,
            "pep_basis": current.pep_basis,
            "allowed_requests": current.allowed_requests,
            "reasons": current.reasons,
        },
    }


def _check(data: TransferIn, user: Any) -> tuple[Area, Agency | None]:
    """The rules the schema cannot state: dates against today, codes against the database, and
    the priority engine's checks of the facts."""
    if data.request_date > timezone.localdate():
        raise BadRequest("request_date", "request_date: in the future")
    area = Area.objects.filter(code=data.aor).first()
    if area is None:
        raise BadRequest("aor", f"aor: {data.aor!r} is not an ICE area code")
    if user.is_area_scoped and not user.areas.filter(pk=area.pk).exists():
        raise BadRequest("aor", f"aor: {data.aor} is outside your areas")
    agency = None
    if data.agency_ori:
        agency = Agency.objects.filter(ori=data.agency_ori.upper()).first()
        if agency is None:
            raise BadRequest("agency_ori", f"agency_ori: no agency {data.agency_ori!r}")
    # The priority engine checks the facts field by field (dates, categories, sentences).
    case = {
        "id": "submitted",
        "as_of": data.request_date.isoformat(),
        **{
            k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in data.facts.dict().items()
            if v is not None
        },
        "convictions": [{**c.dict(), "date": c.date.isoformat()} for c in data.convictions],
        "pending_charges": [{**c.dict(), "date": c.date.isoformat()} for c in data.pending_charges],
        "probable_cause": data.probable_cause,
    }
    try:
        policy.parse_case(case)
    except policy.CaseError as exc:
        raise BadRequest(exc.field, str(exc)) from None
    return area, agency


@api.post(
    "/transfers",
    response={201: TransferOut, 400: Error, 401: Error, 404: Error, 409: Error, 422: FieldError},
    summary="Submit a transfer request with its facts; get its classification and review status",
)
def submit(request: HttpRequest, data: TransferIn) -> Any:
    user = request.user
    if not user.has_perm("transfers.add_transferrequest"):
        return Status(404, {"detail": "not found"})
    area, agency = _check(data, user)
    if (
        data.external_id
        and TransferRequest.objects.filter(source="api", external_id=data.external_id).exists()
    ):
        return Status(409, {"detail": f"external_id {data.external_id!r} was submitted already"})
    facts = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in data.facts.dict().items()
        if k != "birth_date" and v not in (None, False)
    }
    with transaction.atomic():
        person = Person.objects.create(
            subject_key=data.subject_key, birth_date=data.facts.birth_date
        )
        for c in data.convictions:
            Conviction.objects.create(person=person, **c.dict())
        for c in data.pending_charges:
            Charge.objects.create(person=person, **c.dict())
        transfer = TransferRequest.objects.create(
            person=person,
            request_type=data.request_type,
            request_date=data.request_date,
            aor=area,
            agency=agency,
            probable_cause=data.probable_cause,
            source="api",
            external_id=data.external_id,
            details={"facts": facts},
        )
        record("transfers.request.submitted", transfer, actor=user, changes={"source": "api"})
        review.classify_request(transfer, actor=user)
    transfer.refresh_from_db()
    return Status(201, out(transfer))


class ListFilter(Page):
    review_status: ReviewStatus | None = None
    aor: str | None = text(None, max_length=8, description="ICE area code, e.g. PHI")


@api.get(
    "/transfers",
    response={200: list[TransferOut], 401: Error, 422: FieldError},
    summary="Transfer requests within the caller's scope, newest first",
)
def list_transfers(request: HttpRequest, filters: Query[ListFilter]) -> Any:
    requests = TransferRequest.objects.visible_to(request.user).select_related("aor", "agency")
    if filters.review_status:
        requests = requests.filter(review_status=filters.review_status)
    if filters.aor:
        requests = requests.filter(aor__code=filters.aor)
    page = requests.prefetch_related("classifications")[
        filters.offset : filters.offset + filters.limit
    ]
    return Status(200, [out(t) for t in page])


@api.get(
    "/transfers/{transfer_id}",
    response={200: TransferOut, 401: Error, 404: Error, 422: FieldError},
    summary="One transfer request, if it is within the caller's scope",
)
def get_transfer(request: HttpRequest, transfer_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Any:
    transfer = (
        TransferRequest.objects.visible_to(request.user)
        .select_related("aor", "agency")
        .filter(pk=transfer_id)
        .first()
    )
    if transfer is None:
        return Status(404, {"detail": "not found"})
    return Status(200, out(transfer))


# Routes of CRCL's casework for ICE systems (report an allegation; read and decide PD requests).
from transferwatch.cases.api import router as cases_router  # noqa: E402
from transferwatch.discretion.api import router as discretion_router  # noqa: E402

api.add_router("/allegations", cases_router)
api.add_router("/pd-requests", discretion_router)
