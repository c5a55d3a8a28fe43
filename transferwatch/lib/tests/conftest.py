"""The small world of the staff-list tests: records in PHI and NYC for every list."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from transferwatch.agencies.models import Agency, Facility
from transferwatch.audit.services import record
from transferwatch.cases import services as case_services
from transferwatch.cases.models import Inquiry
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME
from transferwatch.discretion.models import PDRequest
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.transfers.models import Person, TransferRequest

FORMULA = '=HYPERLINK("http://example.invalid","x")'


@pytest.fixture
def world(
    db: Any,
    phi_request: TransferRequest,
    nyc_request: TransferRequest,
    phi_agency: Agency,
    nyc_agency: Agency,
    investigator: Any,
    field_phi: Any,
) -> dict[str, Any]:
    """Records in PHI and NYC for every list; text a spreadsheet would run as a formula."""
    odd = Agency.objects.create(ori="PA0990000", name=FORMULA, state="PA", aor=phi_agency.aor)
    Facility.objects.create(name=FORMULA, state="PA", agency=odd)
    TransferRequest.objects.filter(pk=phi_request.pk).update(
        lift_reason=FORMULA, review_status="in_review", review_due=date(2016, 1, 1)
    )
    allegation, _ = case_services.create_allegation(
        case_services.AllegationData(
            source="public",
            channel="web",
            types=["profiling_ethnicity"],
            agency=phi_agency,
            agency_text=FORMULA,
            people=[
                case_services.PersonData(
                    name=CANARY_NAME, a_number=CANARY_A_NUMBER, birth_date=date(1988, 4, 3)
                )
            ],
        ),
    )
    allegation.transfers.add(phi_request, nyc_request)
    inquiry = Inquiry.objects.create(
        allegation=allegation, agency=odd, investigator=investigator, status="investigating"
    )
    now = timezone.now()
    pds = {}
    for code, transfer in (("PHI", phi_request), ("NYC", nyc_request)):
        pds[code] = PDRequest.objects.create(
            inquiry=inquiry,
            person=transfer.person,
            transfer=transfer,
            aor=transfer.aor,
            bases=["profiling"],
            agency_conduct="Held for a fingerprint check.",
            status="submitted",
            submitted_at=now,
            due_at=now + timedelta(days=30),
            created_by=investigator,
        )
    Person.objects.filter(pk=nyc_request.person_id).update(name="+Plus Person")
    letter = Escalation.objects.create(
        kind="doj",
        agency=odd,
        recipient="Civil Rights Division",
        subject=FORMULA,
        concerns="c",
        reasons="r",
        created_by=investigator,
    )
    RemedialMeasure.objects.create(
        agency=odd,
        kind="training",
        description="d",
        owner=FORMULA,
        due_date=date(2030, 1, 1),
        escalation=letter,
        created_by=investigator,
    )
    with_formula = record("tests.formula", object_type="tests", object_id=FORMULA[:60])
    return {"pds": pds, "letter": letter, "inquiry": inquiry, "event": with_formula}
