"""Schemathesis against the API's own OpenAPI schema: every operation, every check.

The real Django application answers in-process (WSGI, the same handler gunicorn runs), inside
the test's database transaction, with a bearer token of an ICE field reviewer (the role that may
call every operation). Bounded and repeatable: a fixed number of examples per operation,
derandomized generation, no example database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from transferwatch.api.models import ApiToken
from transferwatch.cases.models import Allegation, Inquiry
from transferwatch.discretion import services as discretion

EXAMPLES = 20  # per operation, in the fuzzing phase (examples and coverage phases add their own)
OPERATIONS = {
    "POST /api/transfers",
    "GET /api/transfers",
    "GET /api/transfers/{transfer_id}",
    "POST /api/allegations",
    "GET /api/allegations",
    "GET /api/allegations/{number}",
    "GET /api/pd-requests",
    "GET /api/pd-requests/{number}",
    "POST /api/pd-requests/{number}/decision",
}
# What schemathesis expects of schema-valid data, plus 422 where a rule cannot be stated in the
# schema: an area or agency that does not exist, a date after today, a move the record's state
# does not allow. Only the operations that take a body check such rules.
VALID_DATA_ANSWERS = ["2xx", "401", "403", "404", "409", "422"]
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261204,
        "generation": {
            "max-examples": EXAMPLES,
            "deterministic": True,
            "database": "none",
            # The token is the test's own (below), not a generated or removed header.
            "with-security-parameters": False,
            # Query parameters the API does not know are ignored, as HTTP APIs commonly do.
            "allow-extra-parameters": False,
        },
        "checks": {"enabled": True},
        "operations": [
            {
                "include-method": "POST",
                "checks": {"positive_data_acceptance": {"expected-statuses": VALID_DATA_ANSWERS}},
            }
        ],
    }
)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler(), config=CONFIG)


@pytest.fixture
def in_process(db: Any) -> Iterator[None]:
    """As Django's test client does: requests must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(in_process: None, field_phi: Any, investigator: Any, phi_request: Any) -> str:
    """The field reviewer's token; their lists hold a transfer request and a submitted PD request."""
    allegation = Allegation.objects.create(
        agency=phi_request.agency, types=["profiling_ethnicity"], source="public", channel="web"
    )
    allegation.transfers.add(phi_request)
    inquiry = Inquiry.objects.create(
        allegation=allegation, investigator=investigator, status="investigating"
    )
    pd = discretion.create(
        investigator,
        inquiry,
        person=phi_request.person,
        transfer=phi_request,
        aor=phi_request.aor,
        bases=["profiling"],
        person_status=["victim"],
        agency_conduct="Stopped for a broken tail light.",
    )
    discretion.act(pd, "submit", investigator)
    _, secret = ApiToken.issue(field_phi, "schemathesis")
    return secret


@schema.parametrize()
# One token for all examples of an operation: the fixture is not reset between them on purpose.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_every_check_passes(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})


def test_the_schema_lists_every_operation() -> None:
    labels = {op.ok().label for op in schema.get_all_operations()}
    assert labels == OPERATIONS
