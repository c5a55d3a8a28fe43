"""Monitoring pages: who sees them, what they show, charts with text alternatives, query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from transferwatch.analytics.synth import Summary
from transferwatch.cases.models import Allegation
from transferwatch.conftest import client_for
from transferwatch.monitoring import services, views
from transferwatch.monitoring.models import MonitoringRun
from transferwatch.monitoring.tests.conftest import significant_ori


@pytest.fixture
def finished_runs(warehouse: Summary) -> list[MonitoringRun]:
    return [services.execute(services.queue(None)) for _ in range(2)]


@pytest.mark.parametrize("who", ["analyst", "supervisor", "investigator", "hq", "leadership"])
def test_it_shows_monitoring_to_crcl_hq_and_leadership(
    who: str, request: pytest.FixtureRequest, finished_runs: list[MonitoringRun]
) -> None:
    client = client_for(request.getfixturevalue(who))
    home = client.get("/monitoring/").content.decode()
    assert f"/monitoring/runs/{finished_runs[-1].pk}/" in home
    PLANTED = significant_ori()
    assert PLANTED in home  # significant in the latest run and an allegation to triage
    assert client.get(f"/monitoring/runs/{finished_runs[0].pk}/").status_code == 200
    assert ">Monitoring</span>" in home  # in the navigation
    assert "false-discovery rate of 10%" in home and "one such flag in 10" in home
    assert "Monitoring</h2>" in client.get(f"/agencies/{PLANTED}/").content.decode()


@pytest.mark.parametrize("who", ["field_phi", "opla", "auditor", "outsider"])
def test_it_hides_monitoring_from_everyone_else(
    who: str, request: pytest.FixtureRequest, finished_runs: list[MonitoringRun]
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert Allegation.objects.exists()
    assert client.get("/monitoring/").status_code == 404
    assert client.get(f"/monitoring/runs/{finished_runs[0].pk}/").status_code == 404
    assert client.post("/monitoring/", {}).status_code == 404
    assert MonitoringRun.objects.count() == 2


def test_it_lets_viewers_see_but_not_start_a_run(
    investigator: Any, finished_runs: list[MonitoringRun]
) -> None:
    client = client_for(investigator)
    page = client.get("/monitoring/").content.decode()
    assert "Start the run" not in page
    assert client.post("/monitoring/", {}).status_code == 404
    assert MonitoringRun.objects.count() == 2


def test_it_polls_a_run_until_it_finishes(analyst: Any, db: Any) -> None:
    run = services.queue(analyst)
    client = client_for(analyst)
    page = client.get(f"/monitoring/runs/{run.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting for the worker" in page
    partial = client.get(f"/monitoring/runs/{run.pk}/", headers={"HX-Request": "true"})
    assert "<progress" in partial.content.decode() and "<html" not in partial.content.decode()
    services.fail(run, "stopped")
    done = client.get(f"/monitoring/runs/{run.pk}/", headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_it_shows_charts_with_text_alternatives_on_the_agency_page(
    analyst: Any, finished_runs: list[MonitoringRun]
) -> None:
    PLANTED = significant_ori()
    page = client_for(analyst).get(f"/agencies/{PLANTED}/").content.decode()
    assert page.count("<svg") >= 2  # history and at least one funnel plot
    assert 'role="img" aria-labelledby="history-caption"' in page
    assert 'id="history-caption"' in page and "Funnel plot of dismissal_disparity" in page
    assert f"Indicators of {PLANTED} across monitoring runs" in page  # the table of the numbers
    assert "http://" not in page.split("<svg", 1)[1].replace("http://www.w3.org", "")


def test_it_bounds_the_queries_of_the_runs_pages(
    analyst: Any, finished_runs: list[MonitoringRun]
) -> None:
    client = client_for(analyst)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as home:
            client.get("/monitoring/")
        with CaptureQueriesContext(connection) as detail:
            client.get(f"/monitoring/runs/{finished_runs[0].pk}/")
        counts.append((len(home), len(detail)))
        services.execute(services.queue(None))
    assert counts[0] == counts[1]
    assert counts[0][0] < 20 and counts[0][1] < 20


def test_it_lists_a_bounded_number_of_monitoring_allegations_and_links_to_all(
    analyst: Any, finished_runs: list[MonitoringRun]
) -> None:
    run = finished_runs[0]
    opened = Allegation.objects.filter(monitoring_run=run).first()
    assert opened is not None
    Allegation.objects.bulk_create(
        Allegation(
            number=f"CRCL-A-2019-{900000 + n}",
            source="crcl_monitoring",
            channel=opened.channel,
            status="received",
            monitoring_run=run,
            agency=opened.agency,
        )
        for n in range(30)
    )
    waiting = Allegation.objects.filter(source="crcl_monitoring", status="received").count()
    client = client_for(analyst)
    home = client.get("/monitoring/").content.decode()
    assert home.count('href="/cases/allegations/CRCL-A-') == views.SHOWN
    assert f"The {views.SHOWN} due soonest of {waiting}" in home
    assert "/cases/allegations/?status=received&amp;source=crcl_monitoring&amp;sort=due" in home
    detail = client.get(f"/monitoring/runs/{run.pk}/").content.decode()
    linked = Allegation.objects.filter(monitoring_run=run).count()
    assert f"The first {views.SHOWN} of {linked}" in detail
    listed = client.get("/cases/allegations/?status=received&source=crcl_monitoring").content
    assert f"{waiting} allegations".encode() in listed
