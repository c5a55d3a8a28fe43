"""ICE requests per booking by race and ethnicity on the agency page (table and chart), in the
quarterly packet and in the agency profile, from a run over imported bookings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from transferwatch.analytics.synth import Summary
from transferwatch.conftest import client_for
from transferwatch.monitoring import services
from transferwatch.monitoring.models import AgencyResult, MonitoringRun
from transferwatch.monitoring.tests.conftest import significant_ori
from transferwatch.monitoring.tests.test_ice_indicators import ice_world  # noqa: F401 (fixture)
from transferwatch.reports import packet
from transferwatch.reports.quarters import Quarter


@pytest.fixture
def finished(warehouse: Summary) -> MonitoringRun:
    return services.execute(services.queue(None))


def _row(html: str, ori: str, label: str) -> list[str]:
    table = re.search(rf'<table[^>]*id="request-rates-{ori}">(.*?)</table>', html, re.S)
    assert table, f"no request-rates table of {ori}"
    found = re.search(rf'<th scope="row">{re.escape(label)}(?: \(reference\))?</th>(.*?)</tr>', table.group(1), re.S)  # fmt: skip
    assert found, label
    return [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]  # fmt: skip


def test_the_run_stores_each_agencys_request_rates(finished: MonitoringRun) -> None:
    assert finished.status == "done"
    results = list(AgencyResult.objects.filter(run=finished))
    assert results and all(r.request_rates for r in results if r.n_bookings)
    for r in results:
        assert sum(row["bookings"] for row in r.request_rates) == r.n_bookings
        assert r.request_rates_note.startswith("ratios against ")


def test_the_agency_page_shows_the_table_and_the_chart(
    analyst: Any, finished: MonitoringRun
) -> None:
    ori = significant_ori()
    result = AgencyResult.objects.get(run=finished, agency__ori=ori)
    page = client_for(analyst).get(f"/agencies/{ori}/").content.decode()
    assert "ICE requests by race and ethnicity</h3>" in page
    assert f'role="img" aria-labelledby="request-rates-caption-{ori}"' in page
    assert f'id="request-rates-caption-{ori}"' in page
    assert "ICE requests per 100 bookings" in page  # the chart's axis
    by = {row["group"]: row for row in result.request_rates}
    black = by["black"]
    cells = _row(page, ori, "Black")
    assert cells[0] == f"{black['bookings']:,}" and cells[1] == f"{black['requests']:,}"
    assert cells[2].startswith(f"{100 * black['rate']:.1f}% (")
    assert cells[3] == f"{black['ratio']:.2f} ({black['ci_low']:.2f} to {black['ci_high']:.2f})"
    reference = black["reference"]
    label = {"white": "White", "hispanic": "Hispanic", "black": "Black"}[reference]
    assert _row(page, ori, label)[3] == "1 (reference)"
    assert f"{label} (reference)</th>" in page


def test_the_packet_and_the_profile_show_the_same_table(
    investigator: Any, finished: MonitoringRun
) -> None:
    ori = significant_ori()
    result = AgencyResult.objects.get(run=finished, agency__ori=ori)
    white = {row["group"]: row for row in result.request_rates}["white"]
    html = packet.render_html(packet.gather(Quarter(2017, 1), charts=False))
    assert _row(html, ori, "White")[:2] == [f"{white['bookings']:,}", f"{white['requests']:,}"]
    profile = client_for(investigator).get(reverse("agency_profile", args=[ori])).content.decode()
    assert _row(profile, ori, "White")[:2] == [f"{white['bookings']:,}", f"{white['requests']:,}"]
    assert "ICE requests by race and ethnicity in the latest run" in profile


def test_a_run_made_before_request_rates_says_so(analyst: Any, finished: MonitoringRun) -> None:
    ori = significant_ori()
    AgencyResult.objects.filter(run=finished, agency__ori=ori).update(
        request_rates=[], request_rates_note=""
    )
    page = client_for(analyst).get(f"/agencies/{ori}/").content.decode()
    assert "This run was made before request rates were computed: a new run gives them." in page
    assert f'id="request-rates-caption-{ori}"' not in page  # no chart of nothing


def test_a_run_on_ice_records_alone_has_no_request_rates_and_says_why(
    ice_world: dict[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    out = tmp_path / "run.json"
    call_command("monitor", "--json", str(out))
    doc = json.loads(out.read_text())
    assert doc["agencies"]
    for agency in doc["agencies"]:
        assert agency["request_rates"] == []
        assert agency["request_rates_note"].startswith("no bookings in this run")


def test_the_chart_leaves_unknown_and_tiny_groups_to_the_table() -> None:
    """Seen on Pierce County split by court: 5 bookings of unknown race gave an interval of 0
    to 44 per 100 that set the chart's scale and flattened every other group's."""
    from transferwatch.monitoring.charts import request_rates

    def row(group: str, bookings: int, rate: float, high: float) -> dict[str, Any]:
        return {"group": group, "bookings": bookings, "rate": rate, "rate_ci_low": 0.0,
                "rate_ci_high": high, "reference": "white"}  # fmt: skip

    svg = request_rates(
        [row("hispanic", 258, 0.066, 0.1), row("white", 1820, 0.0, 0.002),
         row("american_indian_alaska_native", 12, 0.0, 0.24), row("unknown", 5, 0.0, 0.44)]
    )  # fmt: skip
    assert "Hispanic" in svg and "White" in svg
    assert "Unknown" not in svg and "American Indian" not in svg
