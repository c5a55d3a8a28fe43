"""Allegations raised by CRCL's own monitoring (called by the monitoring app)."""

from __future__ import annotations

from datetime import date
from typing import Any

from transferwatch.cases.models import history
from transferwatch.cases.services import monitoring_allegation
from transferwatch.monitoring.models import MonitoringRun


def test_it_raises_a_profiling_allegation_from_profiling_indicators(
    db: Any, phi_agency: Any
) -> None:
    run = MonitoringRun.objects.create(period_from=date(2015, 1, 1), period_to=date(2016, 12, 31))
    allegation = monitoring_allegation(
        run, phi_agency, ["minor_offense_shift", "lep_minor_offense"]
    )
    assert (allegation.source, allegation.channel, allegation.status) == (
        "crcl_monitoring",
        "monitoring",
        "received",
    )
    assert allegation.monitoring_run == run and allegation.agency == phi_agency
    assert allegation.types == ["profiling_ethnicity", "profiling_lep"]
    assert allegation.indicators == ["lep_minor_offense", "minor_offense_shift"]
    assert "minor offense shift" in allegation.narrative and "2015-01-01" in allegation.narrative
    assert not allegation.people.exists()
    step = history(allegation).get()
    assert (step.action, step.actor_name) == ("created", "monitoring")


def test_it_raises_other_practice_for_other_indicators(
    db: Any, phi_agency: Any, analyst: Any
) -> None:
    run = MonitoringRun.objects.create(created_by=analyst)
    allegation = monitoring_allegation(run, phi_agency, ["low_priority_share"])
    assert allegation.types == ["other_practice"]
    assert history(allegation).get().actor_name == analyst.username
