"""Adding and editing agencies: field-level errors, nothing half saved, every change audited."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from transferwatch.agencies.models import Agency
from transferwatch.audit.models import Event
from transferwatch.conftest import client_for

VALID = {"ori": "TX0571800", "name": "Irving Police", "state": "TX", "population": "236000"}


def test_it_adds_an_agency(analyst: Any) -> None:
    response = client_for(analyst).post(
        reverse("agency_create"), {**VALID, "aor": "", "pop_hispanic": "96000"}
    )
    assert response.status_code == 302
    agency = Agency.objects.get(ori="TX0571800")
    assert agency.pop_hispanic == 96000
    event = Event.objects.get(action="agencies.agency.created")
    assert event.changes["ori"] == {"from": None, "to": "TX0571800"}


def test_it_upper_cases_ori_and_state(analyst: Any) -> None:
    client_for(analyst).post(reverse("agency_create"), {**VALID, "ori": "tx0571800", "state": "tx"})
    assert Agency.objects.filter(ori="TX0571800", state="TX").exists()


def test_it_names_each_bad_field_and_saves_nothing(analyst: Any) -> None:
    bad = {
        "ori": "IRVING",
        "name": "",
        "state": "Texas",
        "county_fips": "481",
        "activation_date": "2015-02-30",
        "population": "-5",
    }
    response = client_for(analyst).post(reverse("agency_create"), bad)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"ori", "name", "state", "county_fips", "activation_date", "population"}
    html = response.content.decode()
    assert "An ORI is two letters and seven letters or digits." in html
    assert 'aria-invalid="true"' in html and "Nothing was saved" in html
    assert (
        not Agency.objects.exists()
        and not Event.objects.filter(action__startswith="agencies").exists()
    )


def test_it_refuses_groups_larger_than_the_population(analyst: Any, phi_agency: Any) -> None:
    url = reverse("agency_edit", args=[phi_agency.ori])
    data = {
        "ori": phi_agency.ori,
        "name": phi_agency.name,
        "state": "PA",
        "population": "1000",
        "pop_hispanic": "800",
        "pop_white": "400",
    }
    response = client_for(analyst).post(url, data)
    assert "more than the population" in response.content.decode()
    phi_agency.refresh_from_db()
    assert phi_agency.population == 800_000


def test_it_refuses_a_duplicate_ori(analyst: Any, phi_agency: Any) -> None:
    response = client_for(analyst).post(reverse("agency_create"), {**VALID, "ori": phi_agency.ori})
    assert "already exists" in response.content.decode()
    assert Agency.objects.count() == 1


def test_it_writes_no_event_when_nothing_changed(analyst: Any, phi_agency: Any) -> None:
    url = reverse("agency_edit", args=[phi_agency.ori])
    form = client_for(analyst).get(url).context["form"]
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data["aor"] = phi_agency.aor_id
    response = client_for(analyst).post(url, data)
    assert response.status_code == 302
    assert not Event.objects.filter(action="agencies.agency.updated").exists()


def test_investigators_cannot_edit(investigator: Any, phi_agency: Any) -> None:
    url = reverse("agency_edit", args=[phi_agency.ori])
    assert client_for(investigator).post(url, {**VALID, "ori": phi_agency.ori}).status_code == 404
    phi_agency.refresh_from_db()
    assert phi_agency.name == "Montgomery County Sheriff"


def test_the_agency_list_runs_a_fixed_number_of_queries(analyst: Any, phi_agency: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(analyst)
    client.get(reverse("agency_list"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("agency_list")).status_code == 200
        return len(context)

    one = queries()
    Agency.objects.bulk_create(
        Agency(ori=f"PA{i:07d}", name=f"Agency {i}", state="PA", aor=phi_agency.aor)
        for i in range(30)
    )
    assert queries() == one
