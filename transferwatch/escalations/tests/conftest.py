"""Casework records for the escalation tests, made directly with the ORM."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from transferwatch.agencies.models import Agency
from transferwatch.cases.models import Allegation, Inquiry
from transferwatch.conftest import make_user
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.lib import workflow

FINDINGS = "Minor-traffic arrests of Hispanic drivers rose 150 percent after activation."


@pytest.fixture
def supervisor2(db: Any) -> Any:
    return make_user("sam", "crcl_supervisor")


@pytest.fixture
def allegation(phi_agency: Agency) -> Allegation:
    return Allegation.objects.create(
        agency=phi_agency,
        types=["profiling_ethnicity"],
        source="public",
        channel="web",
        received_at=timezone.now() - timedelta(days=30),
    )


@pytest.fixture
def inquiry(allegation: Allegation, investigator: Any) -> Inquiry:
    return Inquiry.objects.create(
        allegation=allegation,
        investigator=investigator,
        opened_at=timezone.now() - timedelta(days=20),
    )


@pytest.fixture
def make_escalation(phi_agency: Agency, investigator: Any) -> Callable[..., Escalation]:
    """An escalation in any status, as the moves would leave it (drafted by the investigator)."""

    def make(kind: str = "doj", status: str = "draft", **fields: Any) -> Escalation:
        values: dict[str, Any] = {
            "kind": kind,
            "agency": phi_agency,
            "recipient": "Assistant Attorney General",
            "subject": "Pretextual minor-offence arrests",
            "concerns": "Arrests for minor offences as a pretext for immigration screening.",
            "reasons": "The share of minor-offence arrests of one group jumped after activation.",
            "findings": FINDINGS,
            "legal_basis": "34 U.S.C. 12601",
            "created_by": investigator,
            "status": status,
            **fields,
        }
        e = Escalation.objects.create(**values)
        workflow.created(e, investigator)
        if status not in ("draft",):
            e.approved_at = timezone.now()
        if status in ("sent", "acknowledged", "answered", "closed"):
            from transferwatch.escalations import letters

            e.sent_at = timezone.now()
            e.letter_html = letters.render_letter(e, at=e.sent_at)
        e.save()
        return e

    return make


@pytest.fixture
def make_measure(phi_agency: Agency, investigator: Any) -> Callable[..., RemedialMeasure]:
    def make(status: str = "proposed", due: date | None = None, **fields: Any) -> RemedialMeasure:
        values: dict[str, Any] = {
            "agency": phi_agency,
            "kind": "training",
            "description": "Train patrol officers on the priorities.",
            "owner": "Chief of Police",
            "due_date": due or timezone.localdate() + timedelta(days=30),
            "created_by": investigator,
            "status": status,
            **fields,
        }
        m = RemedialMeasure.objects.create(**values)
        workflow.created(m, investigator)
        return m

    return make
