"""Fixtures of the cases tests: allegations from each source, attachments in a temporary folder."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core import signing
from django.core.cache import cache

from transferwatch.cases import public, services
from transferwatch.cases.models import Allegation
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def attachments_dir(settings: Any, tmp_path: Path) -> Path:
    settings.ATTACHMENTS_DIR = tmp_path / "attachments"
    return settings.ATTACHMENTS_DIR


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    cache.clear()


def started(seconds_ago: float = 60) -> str:
    return signing.dumps(time.time() - seconds_ago, salt=public.SALT)


def report_data(**changes: Any) -> dict[str, Any]:
    data = {
        "lang": "en",
        "started": started(),
        "agency_text": "Montgomery County Sheriff",
        "agency_state": "PA",
        "types": ["profiling_ethnicity"],
        "encounter_date": "2025-01-10",
        "encounter_place": "Route 1",
        "narrative": "They stopped my brother for a broken tail light and called ICE.",
        "subject_name": CANARY_NAME,
        "subject_a_number": "A" + CANARY_A_NUMBER,
        "subject_birth_date": "1988-04-03",
        "contact_email": "",
        "website": "",
    }
    data.update(changes)
    return data


def make_allegation(
    agency: Any = None,
    *,
    name: str = CANARY_NAME,
    a_number: str = CANARY_A_NUMBER,
    birth_date: date | None = date(1988, 4, 3),
    encounter: date | None = date(2025, 1, 10),
    user: Any = None,
    source: str = "public",
    channel: str = "web",
) -> Allegation:
    allegation, _ = services.create_allegation(
        services.AllegationData(
            source=source,
            channel=channel,
            types=["profiling_ethnicity"],
            agency=agency,
            agency_text="Montgomery County Sheriff",
            encounter_date=encounter,
            narrative="They stopped my brother for a broken tail light.",
            people=[services.PersonData(name=name, a_number=a_number, birth_date=birth_date)],
        ),
        user,
        with_secret=source == "public",
    )
    return allegation


@pytest.fixture
def allegation(phi_agency: Any) -> Allegation:
    return make_allegation(phi_agency)


@pytest.fixture
def triaged(allegation: Allegation, analyst: Any) -> Allegation:
    from transferwatch.cases.moves import allegation_move

    return allegation_move(allegation, "triage", analyst)


@pytest.fixture
def officer_allegation(phi_agency: Any, field_phi: Any) -> Allegation:
    return make_allegation(
        phi_agency, user=field_phi, source="ice_officer", channel="ice_form", a_number="012340000"
    )
