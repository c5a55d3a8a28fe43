"""The public report page and its open data: no login, no personal data, figures that add up."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

from django.db.models import Q
from django.test import Client
from django.urls import reverse

from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for
from transferwatch.reports.publish import (
    CSV_COLUMNS,
    THRESHOLD,
    build_report,
    quarter_end,
    quarter_start,
)
from transferwatch.reports.tests.conftest import CANARY_CONTACT, CANARY_NARRATIVE
from transferwatch.transfers.models import TransferRequest

CANARIES = [CANARY_NAME, CANARY_A_NUMBER, CANARY_NARRATIVE, CANARY_CONTACT, "1988-04-03"]


def _csv_rows(client: Client) -> list[dict[str, str]]:
    response = client.get(reverse("public_report_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.content.decode()))
    assert reader.fieldnames == CSV_COLUMNS
    return list(reader)


def test_it_serves_the_report_and_data_without_login(world: Any) -> None:
    anonymous = Client()
    for name in ("public_report", "public_report_csv", "public_report_json"):
        response = anonymous.get(reverse(name))
        assert response.status_code == 200, name
    page = anonymous.get(reverse("public_report")).content.decode()
    assert "<caption" in page and 'scope="col"' in page and 'scope="row"' in page
    assert "<h1>" in page and "<svg" in page


def test_it_links_to_nothing_internal(world: Any, analyst: Any) -> None:
    # signed in or not, the public page offers only itself, its downloads and static files
    for client in (Client(), client_for(analyst)):
        page = client.get(reverse("public_report")).content.decode()
        links = re.findall(r'(?:href|action)="([^"]*)"', page)
        assert links
        outside = [x for x in links if not x.startswith(("/public/", "#", "/static/"))]
        assert outside == []
        assert "Sign out" not in page and "Primary navigation" not in page


def test_it_never_shows_personal_data(world: Any) -> None:
    client = Client()
    outputs = [
        client.get(reverse("public_report")).content.decode(),
        client.get(reverse("public_report_csv")).content.decode(),
        client.get(reverse("public_report_json")).content.decode(),
    ]
    for text in outputs:
        for canary in CANARIES:
            assert canary not in text


def _expected_requests(row: dict[str, str]) -> int:
    """The count for one CSV row, straight from the ORM."""
    found = TransferRequest.objects.all()
    if row["quarter"] != "all":
        found = found.filter(
            request_date__gte=quarter_start(row["quarter"]),
            request_date__lt=quarter_end(row["quarter"]),
        )
    if row["agency_ori"]:
        found = found.filter(agency__ori=row["agency_ori"])
    elif row["state"] == "UNKNOWN":
        found = found.filter(agency__isnull=True)
    elif row["state"] != "ALL":
        found = found.filter(agency__state=row["state"])
    measure = row["measure"]
    if measure.startswith("transfer_requests_type_"):
        found = found.filter(request_type=measure.removeprefix("transfer_requests_type_"))
    elif measure.startswith("transfer_requests_outcome_"):
        found = found.filter(outcome=measure.removeprefix("transfer_requests_outcome_"))
    elif measure == "transfer_requests_pep_inconsistent":
        found = found.filter(classifications__policy="pep-2014").exclude(inconsistencies=[])
    elif measure == "transfer_requests_pep_consistent":
        found = found.filter(classifications__policy="pep-2014", inconsistencies=[])
    elif measure == "transfer_requests_pep_not_classified":
        found = found.filter(~Q(classifications__policy="pep-2014"))
    return found.distinct().count()


def test_its_figures_match_counts_from_the_database(world: Any) -> None:
    rows = _csv_rows(Client())
    request_rows = [
        r
        for r in rows
        if r["measure"].startswith("transfer_requests") and "share" not in r["measure"]
    ]
    assert request_rows
    checked = 0
    for row in request_rows:
        expected = _expected_requests(row)
        if row["suppressed"] == "true":
            assert row["value"] == ""
        else:
            assert int(row["value"]) == expected, row
            checked += 1
    assert checked > 20
    by_key = {(r["quarter"], r["state"], r["agency_ori"], r["measure"]): r for r in rows}
    # the headline figures are published and right
    assert by_key[("all", "ALL", "", "transfer_requests")]["value"] == str(
        TransferRequest.objects.count()
    )
    assert by_key[("2015Q3", "ALL", "", "transfer_requests")]["value"] == "58"
    # the share inconsistent: 12 of 26 judged under the 2014 priorities
    assert float(
        by_key[("2015Q3", "ALL", "", "transfer_requests_pep_inconsistent_share")]["value"]
    ) == round(12 / 26, 4)
    # allegations: 15 types named in 2015Q3, of which 2 misuse (hidden) and so 13 on race
    # (hidden too, or the 2 would follow from the total)
    assert by_key[("2015Q3", "ALL", "", "allegation_type_mentions")]["value"] == "15"
    assert by_key[("2015Q3", "ALL", "", "allegations_systems_misuse")]["suppressed"] == "true"
    assert by_key[("2015Q3", "ALL", "", "allegations_profiling_race")]["suppressed"] == "true"


def test_it_suppresses_small_cells_and_their_complements(world: Any) -> None:
    rows = _csv_rows(Client())
    published = [
        r for r in rows if r["suppressed"] == "false" and "share" not in r["measure"] and r["value"]
    ]
    assert all(int(r["value"]) == 0 or int(r["value"]) >= THRESHOLD for r in published)
    by_key = {(r["quarter"], r["agency_ori"], r["measure"]): r for r in rows}
    # the small agency's 4 requests in 2015Q3 are hidden, and so is at least one other cell
    # of that quarter in Pennsylvania (the state total is published: 35)
    assert by_key[("2015Q3", "PA0010000", "transfer_requests")]["suppressed"] == "true"
    assert by_key[("2015Q3", "PA0460000", "transfer_requests")]["suppressed"] == "true"
    # NY's 3 requests in 2015Q4: its single agency's cell and the state's are both hidden
    ny = [
        r
        for r in rows
        if r["quarter"] == "2015Q4" and r["state"] == "NY" and r["measure"] == "transfer_requests"
    ]
    assert ny and all(r["suppressed"] == "true" for r in ny)


def test_page_csv_and_json_agree(world: Any) -> None:
    client = Client()
    rows = _csv_rows(client)
    data = json.loads(client.get(reverse("public_report_json")).content)
    assert len(data["rows"]) == len(rows)
    for mine, theirs in zip(rows, data["rows"], strict=True):
        assert mine["suppressed"] == ("true" if theirs["suppressed"] else "false")
        assert mine["value"] == ("" if theirs["value"] is None else str(theirs["value"]))
    meta = data["metadata"]
    assert meta["suppression"]["threshold"] == THRESHOLD
    assert meta["period"] == {
        "first_quarter": "2015Q3",
        "last_quarter": "2015Q4",
        "from": "2015-07-01",
        "to_before": "2016-01-01",
    }
    page = client.get(reverse("public_report")).content.decode()
    suppressed_on_page = page.count('<span class="usa-sr-only">suppressed</span>')
    assert suppressed_on_page > 0


def test_it_leaves_out_the_quarter_in_progress(world: Any) -> None:
    report = build_report(today=date(2015, 11, 20))
    assert report["metadata"]["period"]["last_quarter"] == "2015Q3"
    assert not [r for r in report["rows"] if r["quarter"] == "2015Q4"]


def test_it_publishes_an_empty_report_when_there_is_no_data(db: Any) -> None:
    response = Client().get(reverse("public_report"))
    assert response.status_code == 200
    assert "No complete quarter" in response.content.decode()
    assert json.loads(Client().get(reverse("public_report_json")).content)["rows"] == []
