"""An allegation about the PHI transfer, its inquiry, and PD requests at each stage."""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.cases.models import Allegation, Inquiry
from transferwatch.discretion import services
from transferwatch.discretion.models import PDRequest


@pytest.fixture
def allegation(phi_request: Any, phi_agency: Any) -> Allegation:
    allegation = Allegation.objects.create(
        agency=phi_agency, types=["profiling_ethnicity"], source="public", channel="web"
    )
    allegation.transfers.add(phi_request)
    return allegation


@pytest.fixture
def inquiry(allegation: Allegation, investigator: Any) -> Inquiry:
    return Inquiry.objects.create(
        allegation=allegation, investigator=investigator, status="investigating"
    )


def make_pd(user: Any, inquiry: Inquiry, transfer: Any, **fields: Any) -> PDRequest:
    values = {
        "person": transfer.person,
        "transfer": transfer,
        "bases": ["profiling"],
        "person_status": ["victim"],
        "agency_conduct": "Stopped for a broken tail light, held for a fingerprint check.",
    }
    values.update(fields)
    return services.create(user, inquiry, **values)


@pytest.fixture
def draft(investigator: Any, inquiry: Inquiry, phi_request: Any) -> PDRequest:
    return make_pd(investigator, inquiry, phi_request)


@pytest.fixture
def submitted(draft: PDRequest, investigator: Any) -> PDRequest:
    return services.act(draft, "submit", investigator)


@pytest.fixture
def in_field_review(submitted: PDRequest, field_phi: Any) -> PDRequest:
    return services.act(submitted, "take_up", field_phi)


@pytest.fixture
def field_decided(in_field_review: PDRequest, field_phi: Any) -> PDRequest:
    return services.act(
        in_field_review, "decide_field", field_phi, "Victim of the stop.", decision="granted"
    )


@pytest.fixture
def nyc_pd(investigator: Any, inquiry: Inquiry, nyc_request: Any) -> PDRequest:
    """A submitted request of the NYC area (the NYC person is linked for the test only)."""
    inquiry.allegation.transfers.add(nyc_request)
    pd = make_pd(investigator, inquiry, nyc_request)
    return services.act(pd, "submit", investigator)


@pytest.fixture
def in_hq_review(field_decided: PDRequest, investigator: Any) -> PDRequest:
    return services.act(field_decided, "to_hq", investigator, "Please review at HQ.")


@pytest.fixture
def hq_decided(in_hq_review: PDRequest, hq: Any) -> PDRequest:
    return services.act(in_hq_review, "decide_hq", hq, "Upheld.", decision="partly_granted")


@pytest.fixture
def final(field_decided: PDRequest, field_phi: Any) -> PDRequest:
    return services.act(field_decided, "finalize", field_phi)


@pytest.fixture
def withdrawn(submitted: PDRequest, investigator: Any) -> PDRequest:
    return services.act(submitted, "withdraw", investigator, "The person was released.")


STATES = {
    "draft": "draft",
    "submitted": "submitted",
    "field_review": "in_field_review",
    "field_decided": "field_decided",
    "hq_review": "in_hq_review",
    "hq_decided": "hq_decided",
    "final": "final",
    "withdrawn": "withdrawn",
}


def refusals(pd: PDRequest) -> list[dict[str, Any]]:
    from transferwatch.audit.models import Event

    return list(
        Event.objects.filter(
            action="discretion.pdrequest.refused", object_id=str(pd.pk)
        ).values_list("changes", flat=True)
    )


@pytest.fixture
def second_draft(investigator: Any, inquiry: Inquiry, phi_request: Any) -> PDRequest:
    """A draft beside the request that the state fixtures move along."""
    return make_pd(investigator, inquiry, phi_request)
