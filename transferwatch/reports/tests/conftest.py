"""A quarter or two of synthetic requests and allegations around the canary person."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from transferwatch.accounts.models import Area
from transferwatch.agencies.models import Agency
from transferwatch.cases.models import Allegation, InvolvedPerson
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME
from transferwatch.transfers.models import Classification, TransferRequest

CANARY_NARRATIVE = "Qwertzcanary narrative words"
CANARY_CONTACT = "Plughcanary Contactname"


@pytest.fixture(autouse=True)
def fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def _requests(
    agency: Agency | None, start: date, n: int, kinds: tuple[str, ...], aor: Area
) -> list:
    made = []
    for i in range(n):
        made.append(
            TransferRequest.objects.create(
                request_type=kinds[i % len(kinds)],
                request_date=start + timedelta(days=i % 60),
                aor=aor,
                agency=agency,
                outcome=("transferred", "released", "pending")[i % 3],
            )
        )
    return made


@pytest.fixture
def world(phi_agency: Agency, nyc_agency: Agency, phi_request: TransferRequest) -> dict[str, Any]:
    """PA: a large agency and a small one; NY: one agency; one request with no agency.

    The canary person is on `phi_request` and named in an allegation.
    """
    phi, nyc = phi_agency.aor, nyc_agency.aor
    small = Agency.objects.create(
        ori="PA0010000", name="Abington Township Police", state="PA", aor=phi
    )
    kinds = ("detainer", "notification", "transfer")
    big = _requests(phi_agency, date(2015, 7, 2), 30, kinds, phi)
    _requests(small, date(2015, 7, 5), 4, ("detainer",), phi)
    _requests(small, date(2015, 10, 5), 15, kinds, phi)
    _requests(phi_agency, date(2015, 10, 3), 22, kinds, phi)
    _requests(nyc_agency, date(2015, 7, 9), 12, kinds, nyc)
    _requests(nyc_agency, date(2015, 10, 9), 3, ("notification",), nyc)
    _requests(None, date(2015, 8, 9), 11, ("detainer",), nyc)
    # the review against the 2014 priorities: 12 inconsistent, 14 consistent, rest not classified
    for i, transfer in enumerate(big[:26]):
        Classification.objects.create(transfer_request=transfer, policy="pep-2014", tier=2)
        if i < 12:
            transfer.inconsistencies = ["a person whose priority does not justify a PEP transfer"]
            transfer.save(update_fields=["inconsistencies"])
    Classification.objects.create(transfer_request=big[27], policy="pre-2014", tier=None)
    received = timezone.make_aware(datetime(2015, 8, 3, 12))
    for i in range(13):
        allegation = Allegation.objects.create(
            agency=phi_agency,
            types=["profiling_race"] + (["systems_misuse"] if i < 2 else []),
            narrative=CANARY_NARRATIVE,
            contact_name=CANARY_CONTACT,
            source="public",
            channel="web",
            received_at=received + timedelta(days=i),
        )
        if i == 0:
            InvolvedPerson.objects.create(
                allegation=allegation, name=CANARY_NAME, a_number=CANARY_A_NUMBER
            )
    return {"small": small}


# The quarterly packet's and agency profile's tests (test_packet*.py, test_profile*.py).
from transferwatch.reports.tests.packet_data import packet_world  # noqa: E402, F401
