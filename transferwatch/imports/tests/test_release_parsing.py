"""Reading released records: facility names and the date forms releases use."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from transferwatch.imports.facility_names import facility_kind, match_key
from transferwatch.imports.release_rows import parse_date


@pytest.mark.parametrize(
    ("name", "key", "kind"),
    [
        ("MONTGOMERY CNTY JAIL, PA", ("MONTGOMERY", "COUNTY"), "jail"),
        ("ALLEGHENY CO. JAIL", ("ALLEGHENY", "COUNTY"), "jail"),
        ("CLINTON COUNTY CORR. FAC.", ("CLINTON", "COUNTY"), "jail"),
        ("Montgomery County Correctional Facility", ("MONTGOMERY", "COUNTY"), "jail"),
        ("LEWISBURG U.S. PEN.", ("LEWISBURG", "US", "PEN"), "federal"),
        ("MCKEAN FED.CORR.INST.", ("MCKEAN", "FED", "CORR", "INST"), "federal"),
        ("ALLENWOOD (LOW) FCI", ("ALLENWOOD", "LOW", "FCI"), "federal"),
        ("FDC PHILADELPHIA", ("FDC", "PHILADELPHIA"), "federal"),
        ("S.C.I., CRESSON, PA", ("SCI", "CRESSON"), "prison"),
    ],
)
def test_it_normalises_facility_names(name: str, key: tuple[str, ...], kind: str) -> None:
    assert match_key(name, "PA") == key
    assert facility_kind(name) == kind


@hypothesis_settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # the autouse fixtures
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_it_reads_iso_us_and_excel_dates(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.isoformat()} 00:00:00") == day
    assert parse_date(f"{day.month}/{day.day}/{day.year}") == day
    assert parse_date(str((day - date(1899, 12, 30)).days), excel=True) == day
    assert parse_date(str((day - date(1899, 12, 30)).days)) is None  # a bare number in a CSV
