"""The duplicate check shown at triage: same person (A-number, or name and birth date), same incident."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from transferwatch.cases.services import possible_duplicates
from transferwatch.cases.tests.conftest import make_allegation
from transferwatch.conftest import client_for


def found(allegation: Any) -> dict[str, tuple[str, ...]]:
    return {d.allegation.number: d.reasons for d in possible_duplicates(allegation)}


def test_it_finds_the_same_a_number(db: Any) -> None:
    a = make_allegation(None, name="One", birth_date=None, encounter=None)
    b = make_allegation(None, name="Other spelling", birth_date=None, encounter=None)
    assert found(a) == {b.number: ("same A-number",)}


def test_it_finds_the_same_name_and_birth_date(db: Any) -> None:
    a = make_allegation(None, name="Ana María López", a_number="", encounter=None)
    b = make_allegation(None, name="ana maría lópez", a_number="", encounter=None)
    c = make_allegation(None, name="Ana María López", a_number="", birth_date=date(1990, 1, 1), encounter=None)  # fmt: skip
    assert found(a) == {b.number: ("same name and date of birth",)}
    assert c.number not in found(a)


def test_it_finds_the_same_agency_within_three_days(
    db: Any, phi_agency: Any, nyc_agency: Any
) -> None:
    a = make_allegation(phi_agency, name="A", a_number="", encounter=date(2025, 1, 10))
    near = make_allegation(phi_agency, name="B", a_number="", encounter=date(2025, 1, 13))
    far = make_allegation(phi_agency, name="C", a_number="", encounter=date(2025, 1, 14))
    elsewhere = make_allegation(nyc_agency, name="D", a_number="", encounter=date(2025, 1, 10))
    result = found(a)
    assert result == {near.number: ("same agency, encounter within 3 days",)}
    assert far.number not in result and elsewhere.number not in result


def test_it_names_every_reason_once(db: Any, phi_agency: Any) -> None:
    a = make_allegation(phi_agency)
    b = make_allegation(phi_agency)
    assert found(a) == {
        b.number: (
            "same A-number",
            "same name and date of birth",
            "same agency, encounter within 3 days",
        )
    }


def test_it_shows_the_duplicates_at_triage(db: Any, phi_agency: Any, analyst: Any) -> None:
    a = make_allegation(phi_agency)
    b = make_allegation(None, name="X", birth_date=None, encounter=None)
    page = client_for(analyst).get(reverse("allegation_detail", args=[a.number])).content.decode()
    assert "Possible duplicates" in page
    assert f">{b.number}</a>" in page and "same A-number" in page


def test_it_lists_the_most_recent_few_when_a_person_has_many(db: Any, monkeypatch: Any) -> None:
    from transferwatch.cases import services

    monkeypatch.setattr(services, "DUPLICATES_SHOWN", 3)
    first = make_allegation(None, name="One", birth_date=None, encounter=None)
    others = [
        make_allegation(None, name=f"N{n}", birth_date=None, encounter=None) for n in range(5)
    ]
    assert list(found(first)) == [a.number for a in reversed(others)][:3]
