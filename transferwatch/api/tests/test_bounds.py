"""The API's limits and answers are in its schema: bounded paging, declared errors, ASCII A-numbers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from transferwatch.api.schemas import MAX_LIMIT, MAX_OFFSET
from transferwatch.api.tests.test_transfers_api import caller
from transferwatch.api.views import api
from transferwatch.cases.forms import clean_a_number
from transferwatch.cases.models import Allegation
from transferwatch.cases.tests.conftest import report_data

LISTS = ["/api/transfers", "/api/allegations", "/api/pd-requests"]


def in_digits(zero: int, number: str = "099912345") -> str:
    """`number` written with the ten digits that start at code point `zero`."""
    return number.translate(str.maketrans("0123456789", "".join(chr(zero + i) for i in range(10))))


# Digits that Python's \d and str.isdigit() take, and no system that keeps A-numbers does.
OTHER_DIGITS = [
    "A" + in_digits(0x0660),  # Arabic-Indic
    in_digits(0x06F0),  # Extended Arabic-Indic (Persian, Urdu)
    in_digits(0xFF10),  # full-width
    "A" + in_digits(0x0966),  # Devanagari
    "A09991234" + in_digits(0xFF10, "5"),  # one full-width digit among ASCII ones
]


def schema() -> dict[str, Any]:
    return api.get_openapi_schema()


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "query",
    [
        {"offset": 10**20},
        {"offset": 2**63},
        {"offset": MAX_OFFSET + 1},
        {"offset": -1},
        {"limit": 0},
        {"limit": MAX_LIMIT + 1},
        {"limit": 10**20},
    ],
)
def test_a_list_refuses_paging_out_of_bounds(
    field_phi: Any, path: str, query: dict[str, int]
) -> None:
    response = caller(field_phi).get(path, query)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == next(iter(query))


@pytest.mark.parametrize("path", LISTS)
def test_a_list_answers_at_the_bounds(field_phi: Any, phi_request: Any, path: str) -> None:
    client = caller(field_phi)
    assert client.get(path, {"offset": MAX_OFFSET, "limit": MAX_LIMIT}).json() == []
    assert client.get(path, {"offset": 0, "limit": 1}).status_code == 200


@pytest.mark.parametrize("path", LISTS)
def test_the_schema_states_the_paging_bounds(path: str) -> None:
    parameters = {p["name"]: p["schema"] for p in schema()["paths"][path]["get"]["parameters"]}
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, MAX_LIMIT)
    assert (parameters["offset"]["minimum"], parameters["offset"]["maximum"]) == (0, MAX_OFFSET)


def test_every_operation_declares_the_errors_it_can_give() -> None:
    missing = {}
    for path, operations in schema()["paths"].items():
        for method, operation in operations.items():
            wanted = {"401", "422"}
            if "requestBody" in operation:
                wanted.add("400")  # a body that is not JSON
            if "{" in path:
                wanted.add("404")
            declared = {str(code) for code in operation["responses"]}
            if wanted - declared:
                missing[f"{method.upper()} {path}"] = sorted(wanted - declared)
    assert missing == {}


def test_an_id_too_big_for_the_database_is_refused_not_a_server_error(field_phi: Any) -> None:
    response = caller(field_phi).get(f"/api/transfers/{10**20}")
    assert response.status_code == 422 and response.json()["field"] == "transfer_id"


def allegation_body(a_number: str) -> str:
    return json.dumps(
        {
            "agency_text": "Example Township Police",
            "types": ["profiling_ethnicity"],
            "narrative": "Stopped at a checkpoint.",
            "people": [{"name": "Invented Person", "a_number": a_number}],
        }
    )


@pytest.mark.parametrize("value", OTHER_DIGITS)
def test_the_api_takes_only_ascii_digits_in_an_a_number(field_phi: Any, value: str) -> None:
    response = caller(field_phi).post(
        "/api/allegations", allegation_body(value), content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "people[0].a_number"
    assert not Allegation.objects.exists()


@pytest.mark.parametrize("value", ["A-099-912-345", "a099912345", "99912345", " A099912345 "])
def test_the_api_takes_the_usual_ways_of_writing_an_a_number(field_phi: Any, value: str) -> None:
    response = caller(field_phi).post(
        "/api/allegations", allegation_body(value), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Allegation.objects.get().people.get().a_number == "099912345"


def test_the_schema_states_the_a_number_pattern() -> None:
    person = schema()["components"]["schemas"]["PersonIn"]["properties"]["a_number"]
    pattern = re.compile(person["pattern"])
    assert pattern.search("A099912345") and pattern.search("")
    assert not any(pattern.search(v) for v in OTHER_DIGITS)


@pytest.mark.parametrize("value", OTHER_DIGITS)
def test_the_forms_take_only_ascii_digits_in_an_a_number(db: Any, value: str) -> None:
    with pytest.raises(forms.ValidationError):
        clean_a_number(value)
    page = Client().post(reverse("report"), report_data(subject_a_number=value))
    assert page.status_code == 200 and "An A-number has 8 or 9 digits" in page.content.decode()
    assert not Allegation.objects.exists()
