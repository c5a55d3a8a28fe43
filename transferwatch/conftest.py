"""Named users, one per role, and a small world of records in two areas (PHI and NYC).

Tests run inside a transaction that is rolled back (pytest-django's `db`). Do not use
`transaction=True` tests: flushing would need DELETE on the audit table, which the database refuses.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from transferwatch.accounts.models import Area, User
from transferwatch.agencies.models import Agency, Facility
from transferwatch.transfers.models import Conviction, Person, TransferRequest

PASSWORD = "correct horse battery staple"


def make_user(username: str, role: str | None, areas: tuple[str, ...] = ()) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if areas:
        user.areas.set(Area.objects.filter(code__in=areas))
    return user


def role_user(username: str, role: str | None, areas: tuple[str, ...] = ()) -> Any:
    @pytest.fixture
    def fixture(db: Any) -> User:
        return make_user(username, role, areas)

    return fixture


analyst = role_user("ana", "crcl_analyst")
investigator = role_user("ivan", "crcl_investigator")
supervisor = role_user("sue", "crcl_supervisor")
field_phi = role_user("phil", "ice_field_reviewer", ("PHI",))
field_nyc = role_user("nia", "ice_field_reviewer", ("NYC",))
hq = role_user("harry", "ice_hq_reviewer")
opla = role_user("olga", "opla_attorney")
leadership = role_user("lee", "dhs_leadership")
auditor = role_user("audrey", "auditor")
outsider = role_user("otto", None)  # signed in, but with no role at all


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def phi_agency(db: Any) -> Agency:
    agency = Agency.objects.create(
        ori="PA0460000",
        name="Montgomery County Sheriff",
        state="PA",
        aor=Area.objects.get(code="PHI"),
        activation_date=date(2015, 3, 1),
        population=800_000,
        pop_hispanic=40_000,
    )
    Facility.objects.create(agency=agency, name="MONTGOMERY CNTY JAIL", state="PA")
    return agency


@pytest.fixture
def nyc_agency(db: Any) -> Agency:
    return Agency.objects.create(
        ori="NY0300000", name="Nassau County Police", state="NY", aor=Area.objects.get(code="NYC")
    )


# Canary values: tests check that these never reach a page unless revealed, nor a log or event.
CANARY_NAME = "Zyxwvut Canaryname"
CANARY_A_NUMBER = "099912345"


@pytest.fixture
def person(db: Any) -> Person:
    person = Person.objects.create(
        name=CANARY_NAME,
        a_number=CANARY_A_NUMBER,
        birth_date=date(1988, 4, 3),
        birth_country="GT",
        citizenship="GT",
    )
    Conviction.objects.create(
        person=person, date=date(2013, 2, 1), severity="felony", categories=["drug_trafficking"]
    )
    return person


@pytest.fixture
def phi_request(phi_agency: Agency, person: Person) -> TransferRequest:
    return TransferRequest.objects.create(
        person=person,
        request_type="detainer",
        request_date=date(2015, 8, 1),
        aor=phi_agency.aor,
        agency=phi_agency,
        facility=phi_agency.facilities.first(),
        probable_cause=["biometric_match"],
    )


@pytest.fixture
def nyc_request(nyc_agency: Agency) -> TransferRequest:
    other = Person.objects.create(name="Other Person", a_number="099954321")
    return TransferRequest.objects.create(
        person=other,
        request_type="notification",
        request_date=date(2015, 9, 1),
        aor=nyc_agency.aor,
        agency=nyc_agency,
    )
