"""API routes of this app, mounted on the project API at /api/allegations (bearer token).

ICE systems report allegations of improper conduct by a local agency on behalf of an officer
(permission cases.report_allegation). An officer sees only what they reported; CRCL casework
roles see all allegations. Anything outside the caller's scope is a 404, as on the web pages.
The answers carry no personal data: people and the narrative go in, only the record comes out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from transferwatch.agencies.models import Agency
from transferwatch.api.schemas import Error, FieldError, Id, Number, Page, text
from transferwatch.cases import services
from transferwatch.cases.forms import A_NUMBER_PATTERN, normalize_a_number
from transferwatch.cases.models import ALLEGATION_TYPES, Allegation, InvolvedPerson
from transferwatch.transfers.models import TransferRequest

router = Router(tags=["allegations"])

AllegationType = Literal[tuple(code for code, _ in ALLEGATION_TYPES)]  # type: ignore[valid-type]
Role = Literal[tuple(code for code, _ in InvolvedPerson.ROLES)]  # type: ignore[valid-type]
AllegationStatus = Literal[tuple(code for code, _ in Allegation.STATUSES)]  # type: ignore[valid-type]


class PersonIn(Schema):
    role: Role = "subject"
    name: str = text(max_length=200, description="may be empty: CRCL takes anonymous reports")
    a_number: str = Field(
        "",
        max_length=20,
        pattern=A_NUMBER_PATTERN,
        description="8 or 9 digits (ASCII), optionally after A, e.g. A012345678; may be empty",
    )
    birth_date: date | None = None
    description: str = text(max_length=300)


class AllegationIn(Schema):
    agency_ori: str | None = text(None, max_length=9, description="ORI of the agency, if known")
    agency_text: str = text(max_length=200, description="the agency as the officer names it")
    types: list[AllegationType] = Field(
        min_length=1,
        max_length=len(ALLEGATION_TYPES),
        description="allegation type codes, e.g. profiling_ethnicity",
    )
    encounter_date: date | None = None
    encounter_place: str = text(max_length=200)
    narrative: str = text(..., min_length=1, max_length=10000, description="what happened")
    people: list[PersonIn] = Field(default_factory=list, max_length=20)
    transfer_ids: list[Id] = Field(
        default_factory=list, max_length=100, description="related transfer requests"
    )
    language_needs: str = text(max_length=200)
    interpreter_needed: bool = False


class AllegationOut(Schema):
    number: str
    status: str
    received_at: datetime
    agency_ori: str | None
    types: list[str]
    source: str
    channel: str
    inquiry_opened: bool


class ListFilter(Page):
    status: AllegationStatus | None = None


def out(a: Allegation) -> dict[str, Any]:
    return {
        "number": a.number,
        "status": a.status,
        "received_at": a.received_at,
        "agency_ori": a.agency.ori if a.agency else None,
        "types": list(a.types),
        "source": a.source,
        "channel": a.channel,
        "inquiry_opened": a.status == "retained",
    }


def _bad(field: str, detail: str) -> Status:
    return Status(422, {"detail": f"{field}: {detail}", "field": field})


@router.post(
    "",
    response={201: AllegationOut, 400: Error, 401: Error, 404: Error, 422: FieldError},
    summary="Report an allegation of improper conduct by a local agency (ICE officer)",
)
def report(request: HttpRequest, data: AllegationIn) -> Any:
    user = request.user
    if not user.has_perm("cases.report_allegation"):
        return Status(404, {"detail": "not found"})
    # The schema states the codes and bounds; these are the rules it cannot state.
    if not data.narrative.strip():
        return _bad("narrative", "say what happened")
    if data.encounter_date and data.encounter_date > timezone.localdate():
        return _bad("encounter_date", "in the future")
    agency = None
    if data.agency_ori:
        agency = Agency.objects.filter(ori=data.agency_ori.strip().upper()).first()
        if agency is None:
            return _bad("agency_ori", f"no agency {data.agency_ori!r}")
    if agency is None and not data.agency_text.strip():
        return _bad("agency_text", "name the agency (or give agency_ori)")
    people = []
    for n, p in enumerate(data.people):
        a_number = normalize_a_number(p.a_number)
        if a_number is None:  # the schema's pattern keeps this from happening
            return _bad(f"people[{n}].a_number", "8 or 9 digits")
        people.append(
            services.PersonData(
                name=p.name.strip(),
                a_number=a_number,
                birth_date=p.birth_date,
                role=p.role,
                description=p.description,
            )
        )
    transfers = list(TransferRequest.objects.visible_to(user).filter(pk__in=data.transfer_ids))
    if len(transfers) != len(set(data.transfer_ids)):
        return _bad("transfer_ids", "not all of these transfer requests are within your scope")
    allegation, _ = services.create_allegation(
        services.AllegationData(
            source="ice_officer",
            channel="api",
            types=list(dict.fromkeys(data.types)),
            agency=agency,
            agency_text=data.agency_text.strip(),
            encounter_date=data.encounter_date,
            encounter_place=data.encounter_place,
            narrative=data.narrative,
            language_needs=data.language_needs,
            interpreter_needed=data.interpreter_needed,
            people=people,
            transfers=transfers,
        ),
        user,
    )
    return Status(201, out(allegation))


@router.get(
    "",
    response={200: list[AllegationOut], 401: Error, 422: FieldError},
    summary="Allegations the caller may see (an officer: the ones they reported), newest first",
)
def list_allegations(request: HttpRequest, filters: Query[ListFilter]) -> Any:
    allegations = Allegation.objects.visible_to(request.user).select_related("agency")
    if filters.status:
        allegations = allegations.filter(status=filters.status)
    page = allegations[filters.offset : filters.offset + filters.limit]
    return Status(200, [out(a) for a in page])


@router.get(
    "/{number}",
    response={200: AllegationOut, 401: Error, 404: Error, 422: FieldError},
    summary="One allegation, if the caller may see it",
)
def get_allegation(request: HttpRequest, number: Number) -> Any:
    allegation = (
        Allegation.objects.visible_to(request.user)
        .select_related("agency")
        .filter(number=number)
        .first()
    )
    if allegation is None:
        return Status(404, {"detail": "not found"})
    return Status(200, out(allegation))
