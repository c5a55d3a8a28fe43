"""The Imports page: a bookings file uploaded with a profile (and an agency) is translated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.test import override_settings
from django.urls import reverse

from transferwatch.conftest import client_for
from transferwatch.imports.models import Import
from transferwatch.imports.tests.test_import_pages import IMMEDIATE, upload
from transferwatch.imports.warehouse import store

pytestmark = pytest.mark.usefixtures("phi_agency")
STOPS = (
    b"raw_row_number,date,subject_age,subject_race,subject_sex,reason_for_stop\n"
    b"1,2015-03-01,30,hispanic,male,Equipment violation\n"
    b"2,2015-03-02,41,white,female,Speeding\n"
)


@override_settings(TASKS=IMMEDIATE)
def test_it_imports_a_bookings_upload_through_the_chosen_profile(
    data_dir: Path, analyst: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(analyst)
    page = client.get(reverse("import_list")).content.decode()
    assert '<option value="ripa">California RIPA stops' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "bookings", STOPS, "stops.csv", profile="opp", ori="pa0460000")
    assert response.status_code == 302
    imp = Import.objects.get()
    assert imp.status == "done", imp.message
    assert imp.message.startswith("stops.csv (opp, read as utf-8): 2 stops imported")
    rows = duckdb.sql(
        f"SELECT booking_id, ethnicity, offense_category, encounter FROM {store().scan_sql()} "
        "ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("PA0460000:1", "H", "minor_traffic", "stop"),
        ("PA0460000:2", "N", "traffic", "stop"),
    ]


@pytest.mark.parametrize(
    ("kind", "extra", "field", "error"),
    [
        ("agencies", {"profile": "ripa"}, "profile", "Only for bookings files."),
        ("bookings", {"ori": "PA0460000"}, "ori", "Choose the layout"),
        ("bookings", {"profile": "opp", "ori": "PA-46"}, "ori", "An ORI is two letters"),
        ("bookings", {"profile": "nonesuch"}, "profile", "Select a valid choice"),
    ],
)
def test_it_refuses_a_profile_or_an_ori_that_does_not_fit(
    data_dir: Path, analyst: Any, kind: str, extra: dict[str, str], field: str, error: str
) -> None:
    response = upload(client_for(analyst), kind, STOPS, "stops.csv", **extra)
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert not Import.objects.exists()
