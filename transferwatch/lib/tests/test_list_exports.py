"""Exports of the staff lists: scope, masking and its audit, filters, refusals, memory.

The lists, their small world and the export readers are in `test_lists.py`.
"""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest
from django.urls import reverse

from transferwatch.agencies.models import Agency
from transferwatch.cases import services as case_services
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for, make_user
from transferwatch.lib import exports
from transferwatch.lib.tests.test_lists import (
    csv_rows,
    export,
    export_events,
    make_transfers,
    reader_without_reveal,
)


def test_a_field_reviewer_exports_only_their_area(world: dict[str, Any], field_phi: Any) -> None:
    client = client_for(field_phi)
    for fmt in ("csv", "xlsx"):
        rows = export(client, reverse("transfer_list"), fmt)
        assert {r["Area"] for r in rows} == {"PHI"}
        # Asking for another area's rows by the filter is refused by the form: no rows.
        response = client.get(reverse("transfer_list"), {"aor": "NYC", "export": fmt})
        assert response.status_code == 400
        rows = export(client, reverse("pd_list"), fmt)
        assert {r["Area"] for r in rows} == {"PHI"} and len(rows) == 1
        rows = export(client, reverse("agency_list"), fmt)
        assert "NY0300000" not in {r["ORI"] for r in rows}
        rows = export(client, reverse("review_queue"), fmt)
        assert {r["Area"] for r in rows} <= {"PHI"}
    # The lists a field reviewer may not open are not there to export either.
    for name in ("allegation_list", "inquiry_list", "escalation_list", "measure_list"):
        response = client.get(reverse(name), {"export": "csv"})
        assert response.status_code == 404 or (name == "allegation_list" and not csv_rows(response))
    assert client.get(reverse("audit_log"), {"export": "csv"}).status_code == 404


def test_an_officer_exports_only_the_allegations_they_reported_masked(
    world: dict[str, Any], field_phi: Any, phi_agency: Agency
) -> None:
    own, _ = case_services.create_allegation(
        case_services.AllegationData(
            source="ice_officer",
            channel="ice_form",
            types=["profiling_race"],
            agency=phi_agency,
            people=[case_services.PersonData(name="Officer Canary", a_number="012340000")],
        ),
        field_phi,
    )
    rows = export(client_for(field_phi), reverse("allegation_list"))
    assert [r["Record"] for r in rows] == [own.number]
    assert rows[0]["Person affected"] == exports.MASK and rows[0]["A-number"] == exports.MASK
    assert export_events()[-1].action == "exports.list.exported"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_people_are_masked_unless_the_role_may_reveal_and_a_reveal_is_audited(
    fmt: str, world: dict[str, Any], analyst: Any, investigator: Any, field_phi: Any
) -> None:
    # The analyst sees transfer requests but may not reveal people.
    rows = export(client_for(analyst), reverse("transfer_list"), fmt)
    phi = next(r for r in rows if r["Area"] == "PHI")
    assert phi["Name"] == exports.MASK and phi["A-number"] == exports.MASK
    assert phi["Date of birth"] == exports.MASK and phi["Country of birth"] == exports.MASK
    assert CANARY_NAME not in str(rows)
    event = export_events()[-1]
    assert event.action == "exports.list.exported" and "revealed" not in event.changes
    # The investigator may reveal: the file holds them and the event says so (not the values).
    rows = export(client_for(investigator), reverse("transfer_list"), fmt)
    phi = next(r for r in rows if r["Area"] == "PHI")
    assert phi["Name"] == CANARY_NAME and phi["A-number"] == CANARY_A_NUMBER
    event = export_events()[-1]
    assert event.action == "exports.list.revealed"
    assert event.changes["revealed"] == [
        "Name",
        "A-number",
        "Date of birth",
        "Country of birth",
        "Citizenship",
    ]
    assert CANARY_NAME not in json.dumps(event.changes)
    # The audit log's "access to personal data" finds the revealing export.
    auditor_page = client_for(make_user("aud2", "auditor")).get(
        reverse("audit_log"), {"access_only": "on"}
    )
    assert event in list(auditor_page.context["page"].object_list)
    # Allegations: the analyst triages and may reveal the people (as on the allegation's page).
    rows = export(client_for(analyst), reverse("allegation_list"), fmt)
    assert rows[0]["Person affected"] == CANARY_NAME
    assert export_events()[-1].changes["revealed"] == [
        "Person affected",
        "A-number",
        "Date of birth",
    ]
    # PD requests: a reader without the reveal permission gets them masked.
    reader = reader_without_reveal("discretion.view_pdrequest", areas=("PHI",))
    rows = export(client_for(reader), reverse("pd_list"), fmt)
    assert len(rows) == 1 and rows[0]["Name"] == exports.MASK
    rows = export(client_for(field_phi), reverse("pd_list"), fmt)
    assert rows[0]["Name"] == CANARY_NAME


def test_an_export_applies_the_page_filters_and_records_them(
    world: dict[str, Any], investigator: Any, supervisor: Any
) -> None:
    client = client_for(investigator)
    rows = export(client, reverse("transfer_list"), request_type="notification")
    assert {r["Type"] for r in rows} == {"Request for notification of release (I-247N)"}
    assert export_events()[-1].changes["filters"] == {"request_type": "notification"}
    rows = export(client, reverse("pd_list"), aor="NYC")
    assert {r["Area"] for r in rows} == {"NYC"}
    assert export_events()[-1].changes["filters"] == {"aor": "NYC"}
    rows = export(client, reverse("allegation_list"), status="triaged")
    assert rows == []
    rows = export(client_for(supervisor), reverse("measure_list"), status="overdue")
    assert rows == [] and export_events()[-1].changes["filters"] == {"status": "overdue"}
    rows = export(client_for(supervisor), reverse("escalation_list"), kind="doj")
    assert [r["Kind"] for r in rows] == ["Referral to the DOJ Civil Rights Division"] or rows
    # A typed A-number never reaches the event.
    export(client, reverse("transfer_list"), agency="099912345")
    assert "099912345" not in json.dumps(export_events()[-1].changes)


def test_an_invalid_filter_or_an_oversized_list_is_not_exported(
    world: dict[str, Any], investigator: Any, settings: Any
) -> None:
    client = client_for(investigator)
    before = len(export_events())
    response = client.get(reverse("transfer_list"), {"date_from": "not a date", "export": "csv"})
    assert response.status_code == 400 and b"not valid" in response.content
    settings.EXPORT_MAX_ROWS = 1
    response = client.get(reverse("transfer_list"), {"export": "xlsx"})
    assert response.status_code == 400
    assert b"Narrow it with the filters" in response.content
    assert len(export_events()) == before  # nothing exported, nothing recorded


def test_the_export_links_carry_the_filters_and_sort(
    world: dict[str, Any], investigator: Any
) -> None:
    client = client_for(investigator)
    html = client.get(
        reverse("transfer_list"), {"request_type": "detainer", "sort": "area", "page": "1"}
    ).content.decode()
    assert "?request_type=detainer&amp;sort=area&amp;export=csv" in html
    assert "?request_type=detainer&amp;sort=area&amp;export=xlsx" in html
    assert "the download is recorded in the audit log as access to personal data" in html


# ------------------------------------------------------------------------ memory


def test_an_export_streams_in_constant_memory(
    world: dict[str, Any], investigator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The peak memory of an export does not grow with its rows: one chunk of rows is held at
    a time (2,000 in use, 100 here so that the test stays small; 300,000 rows: benchmarks/)."""
    monkeypatch.setattr(exports, "CHUNK", 100)
    client = client_for(investigator)

    def peak(fmt: str) -> int:
        response = client.get(reverse("transfer_list"), {"export": fmt})
        tracemalloc.start()
        size = sum(len(piece) for piece in response.streaming_content)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert size > 0
        return top

    make_transfers(500)
    small = {fmt: peak(fmt) for fmt in ("csv", "xlsx")}
    make_transfers(4500)
    for fmt in ("csv", "xlsx"):
        # Ten times the rows: well under twice the memory (one chunk of rows at a time).
        assert peak(fmt) < 2 * small[fmt] + 2_000_000, fmt
