"""The agency page's timeline: casework of all kinds in date order, only what the user may see."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from transferwatch.agencies.models import Agency
from transferwatch.cases.models import Allegation, Inquiry
from transferwatch.conftest import client_for
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.monitoring.models import AgencyResult, IndicatorResult, MonitoringRun


def ago(days: int) -> Any:
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def casework(
    phi_agency: Agency,
    nyc_agency: Agency,
    allegation: Allegation,  # received 30 days ago
    inquiry: Inquiry,  # opened 20 days ago
    field_phi: Any,
    make_escalation: Callable[..., Escalation],
    make_measure: Callable[..., RemedialMeasure],
) -> dict[str, Any]:
    run = MonitoringRun.objects.create(
        status="done", finished_at=ago(40), period_to=timezone.localdate() - timedelta(days=45)
    )
    result = AgencyResult.objects.create(run=run, agency=phi_agency, concern="significant")
    IndicatorResult.objects.create(agency_result=result, name="minor_offence_share", n=10)
    reported = Allegation.objects.create(
        agency=phi_agency,
        types=["systems_misuse"],
        source="ice_officer",
        channel="ice_form",
        submitted_by=field_phi,
        received_at=ago(25),
    )
    draft = make_escalation(kind="doj", created_at=ago(15))
    notice = make_escalation(kind="leadership", status="sent", created_at=ago(12))
    Escalation.objects.filter(pk=notice.pk).update(sent_at=ago(10))
    measure = make_measure()
    RemedialMeasure.objects.filter(pk=measure.pk).update(created_at=ago(5))
    elsewhere = make_measure(agency=nyc_agency)
    return {
        "run": run,
        "allegation": allegation,
        "reported": reported,
        "inquiry": inquiry,
        "draft": draft,
        "notice": notice,
        "measure": measure,
        "elsewhere": elsewhere,
    }


def timeline_of(user: Any, agency: Agency) -> str:
    html = client_for(user).get(reverse("agency_detail", args=[agency.ori])).content.decode()
    start = html.index('<h2 id="timeline">')
    return html[start : html.index("</ol>", start)]


def test_it_shows_a_supervisor_everything_newest_first(
    supervisor: Any, phi_agency: Agency, casework: dict[str, Any]
) -> None:
    timeline = timeline_of(supervisor, phi_agency)
    titles = [
        f"Remedial measure {casework['measure'].pk}:",  # 5 days ago
        f"Notification to DHS leadership {casework['notice'].number}",  # sent 10 days ago
        f"Referral to the DOJ Civil Rights Division {casework['draft'].number}",  # 15 days ago
        f"Inquiry {casework['inquiry'].number}",  # 20 days ago
        f"Allegation {casework['reported'].number}",  # 25 days ago
        f"Allegation {casework['allegation'].number}",  # 30 days ago
        f"Monitoring run {casework['run'].pk}",  # 40 days ago
    ]
    positions = [timeline.index(t) for t in titles]
    assert positions == sorted(positions)
    assert "Significant concern" in timeline
    assert f"Remedial measure {casework['elsewhere'].pk}:" not in timeline
    assert reverse("escalation_detail", args=[casework["draft"].pk]) in timeline
    assert reverse("measure_detail", args=[casework["measure"].pk]) in timeline


def test_it_shows_leadership_only_the_sent_notification(
    leadership: Any, phi_agency: Agency, casework: dict[str, Any]
) -> None:
    timeline = timeline_of(leadership, phi_agency)
    assert casework["notice"].number in timeline
    for hidden in ("draft", "inquiry", "allegation", "reported"):
        assert casework[hidden].number not in timeline
    assert "Remedial measure" not in timeline
    # Leadership sees monitoring, so the concern is on its timeline too.
    assert f"Monitoring run {casework['run'].pk}" in timeline


def test_it_shows_the_analyst_allegations_and_measures_only(
    analyst: Any, phi_agency: Agency, casework: dict[str, Any]
) -> None:
    timeline = timeline_of(analyst, phi_agency)
    assert casework["allegation"].number in timeline
    assert f"Remedial measure {casework['measure'].pk}:" in timeline
    for hidden in ("draft", "notice", "inquiry"):
        assert casework[hidden].number not in timeline


def test_it_shows_an_ice_officer_only_what_they_reported(
    field_phi: Any, phi_agency: Agency, casework: dict[str, Any]
) -> None:
    timeline = timeline_of(field_phi, phi_agency)
    assert casework["reported"].number in timeline
    for hidden in ("allegation", "draft", "notice", "inquiry"):
        assert casework[hidden].number not in timeline
    assert "Remedial measure" not in timeline
    assert "Monitoring run" not in timeline  # field reviewers do not see monitoring


def test_it_says_when_there_is_nothing(supervisor: Any, nyc_agency: Agency) -> None:
    assert "Nothing recorded yet." in timeline_of(supervisor, nyc_agency)


@pytest.mark.parametrize("role", ["supervisor", "analyst", "field_phi", "leadership"])
def test_every_timeline_link_opens_its_record(
    request: pytest.FixtureRequest, role: str, phi_agency: Agency, casework: dict[str, Any]
) -> None:
    user = request.getfixturevalue(role)
    timeline = timeline_of(user, phi_agency)
    items = timeline[timeline.index("<ol") :]
    links = re.findall(r'href="([^"]+)"', items)
    assert links, "the timeline links its records"
    client = client_for(user)
    for link in links:
        assert client.get(html.unescape(link)).status_code == 200, link
    if role == "supervisor":
        assert len(links) == 7  # every item: run, 2 allegations, inquiry, 2 letters, measure
        assert casework["allegation"].get_absolute_url() in links
        assert casework["inquiry"].get_absolute_url() in links
