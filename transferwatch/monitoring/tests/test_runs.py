"""Monitoring runs: started from the web or the command line, stored, monitoring allegations opened."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from transferwatch.agencies.models import Agency
from transferwatch.analytics.monitor import METHOD_VERSION
from transferwatch.analytics.synth import Summary
from transferwatch.audit.models import Event
from transferwatch.audit.services import verify_chain
from transferwatch.cases.models import Allegation, history
from transferwatch.conftest import client_for
from transferwatch.monitoring import services
from transferwatch.monitoring.models import (
    AgencyResult,
    IndicatorResult,
    MonitoringRun,
)
from transferwatch.monitoring.tests.conftest import IMMEDIATE, significant_ori


def _actions() -> list[str]:
    return list(Event.objects.filter(action__startswith="monitoring.").order_by("seq").values_list("action", flat=True))  # fmt: skip


@override_settings(TASKS=IMMEDIATE)
def test_it_runs_from_the_web_and_stores_the_results(
    warehouse: Summary, analyst: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/monitoring/", {"period_from": "", "period_to": ""})
    run = MonitoringRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoring/runs/{run.pk}/"
    assert run.status == "done" and run.progress == 100
    assert run.created_by == analyst
    assert run.method_version == METHOD_VERSION
    assert run.parameters == {"from": None, "to": None, "source": "warehouse"}
    assert len(run.fingerprint) == 64 and run.fingerprint_details["imports"]
    assert str(run.period_from) == "2014-01-01"
    assert AgencyResult.objects.filter(run=run).count() == Agency.objects.count() == 12
    planted = {ori for ori, _ in warehouse.planted}
    significant = list(AgencyResult.objects.filter(run=run, concern="significant"))
    assert significant and {r.agency.ori for r in significant} <= planted
    assert all(r.flagged for r in significant)
    PLANTED_SIGNIFICANT = significant_ori()
    assert IndicatorResult.objects.filter(agency_result__run=run, name="dismissal_disparity").exists()  # fmt: skip
    shifts = IndicatorResult.objects.filter(agency_result__run=run, name="minor_offense_shift")
    assert {i.comparison for i in shifts.exclude(estimate=None)} <= {"change at activation", "odds ratio after activation"}  # fmt: skip
    assert shifts.exclude(estimate=None).exclude(comparison="").exists()
    assert Allegation.objects.count() == len(significant)
    opened = Allegation.objects.get(agency__ori=PLANTED_SIGNIFICANT)
    assert opened.status == "received" and opened.monitoring_run == run
    assert (opened.source, opened.channel) == ("crcl_monitoring", "monitoring")
    assert "dismissal_disparity" in opened.indicators
    assert "profiling_ethnicity" in opened.types
    assert _actions() == ["monitoring.run.queued", "monitoring.run.started", "monitoring.run.finished"]  # fmt: skip
    assert Event.objects.filter(action="cases.allegation.created").count() == len(significant)
    page = client.get(f"/monitoring/runs/{run.pk}/").content.decode()
    assert PLANTED_SIGNIFICANT in page and "significant concern" in page
    assert "dismissal_disparity" in page
    assert verify_chain().ok


@override_settings(TASKS=IMMEDIATE)
def test_it_does_not_open_a_second_allegation_for_the_same_agency(
    warehouse: Summary, supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(supervisor)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/monitoring/", {})
    assert MonitoringRun.objects.filter(status="done").count() == 2
    first = MonitoringRun.objects.order_by("pk").first()
    assert Allegation.objects.count() == first.results.filter(concern="significant").count() >= 1  # type: ignore[union-attr]  # fmt: skip


def _document(concern: str) -> dict[str, Any]:
    return {
        "period": {"from": "2015-01-01", "to": "2015-12-31"},
        "method_version": "test",
        "agencies": [
            {
                "ori": "PA0460000",
                "n_bookings": 5000,
                "flagged": concern == "significant",
                "concern": concern,
                "indicators": [
                    {
                        "name": "dismissal_disparity",
                        "group": "hispanic",
                        "estimate": 0.2,
                        "ci_low": 0.1,
                        "ci_high": 0.3,
                        "p_value": 0.0001,
                        "q_value": 0.001,
                        "n": 5000,
                        "flagged": concern == "significant",
                        "explanation": "x",
                    }
                ],
            }
        ],
    }


def _finish(concern: str) -> MonitoringRun:
    run = services.queue(None)
    run = services.mark_running(run, "0" * 64, {})
    return services.finish(run, _document(concern))


def test_it_flags_an_agency_only_when_it_newly_reaches_significant(phi_agency: Agency) -> None:
    flags_after = []
    for concern in ("none", "significant", "significant", "watch", "significant"):
        _finish(concern)
        flags_after.append(Allegation.objects.count())
    assert flags_after == [0, 1, 1, 1, 2]
    assert Allegation.objects.first().indicators == ["dismissal_disparity"]  # type: ignore[union-attr]


def test_it_refuses_moves_the_status_does_not_allow(phi_agency: Agency) -> None:
    run = _finish("none")
    with pytest.raises(services.TransitionError):
        services.mark_running(run, "", {})
    with pytest.raises(services.TransitionError):
        services.fail(run, "late")


def test_it_fails_a_run_without_agencies(db: Any) -> None:
    run = services.execute(services.queue(None))
    assert run.status == "failed" and "no agencies" in run.message
    assert _actions() == ["monitoring.run.queued", "monitoring.run.started", "monitoring.run.failed"]  # fmt: skip


def test_a_monitoring_allegation_is_triaged_like_any_other(
    phi_agency: Agency, analyst: Any
) -> None:
    _finish("significant")
    opened = Allegation.objects.get()
    steps = list(history(opened))
    assert [s.action for s in steps] == ["created"] and steps[0].actor_name == "monitoring"
    client = client_for(analyst)
    page = client.get("/monitoring/").content.decode()
    assert opened.number in page and "Monitoring allegations to triage" in page
    response = client.post(
        f"/cases/allegations/{opened.number}/act/triage/", {"text": "asked for records"}
    )
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.status == "triaged"
    assert opened.number not in client.get("/monitoring/").content.decode()
    assert verify_chain().ok


def test_it_runs_from_the_command_line(warehouse: Summary) -> None:
    out = StringIO()
    call_command("monitor_run", "--from", "2014-01-01", "--to", "2016-12-31", stdout=out)
    run = MonitoringRun.objects.get()
    assert run.status == "done" and run.created_by is None
    significant = run.results.filter(concern="significant").count()
    assert significant >= 1
    assert f"run {run.pk}: 12 agencies, {significant} significant" in out.getvalue()
    assert f"{significant} monitoring allegation" in out.getvalue()


def test_it_exits_2_on_bad_input(db: Any) -> None:
    for args in (["--from", "2015-13-01"], ["--from", "2016-01-01", "--to", "2015-01-01"], []):
        with pytest.raises(CommandError) as err:
            call_command("monitor_run", *args, stdout=StringIO())
        assert err.value.returncode == 2


def test_funnel_plots_put_together_only_estimates_of_the_same_comparison(
    phi_agency: Agency,
) -> None:
    """An agency measured without an own past (odds ratio after activation) is plotted among
    agencies measured the same way, not among triple differences on another scale."""
    from transferwatch.agencies.models import Area

    kinds = ["change at activation"] * 4 + ["odds ratio after activation"] * 4
    entries = []
    comparisons = {}
    for k, kind in enumerate(kinds):
        ori = phi_agency.ori if k == 0 else f"PA{k:07d}"
        if k:
            Agency.objects.create(ori=ori, name=f"Agency {k}", state="PA", aor=Area.objects.get(code="PHI"))  # fmt: skip
        indicator = {
            "name": "minor_offense_shift", "group": "hispanic", "estimate": 0.1 * k,
            "ci_low": 0.1 * k - 0.2, "ci_high": 0.1 * k + 0.2, "p_value": 0.3, "q_value": 0.5,
            "n": 1000 + k, "flagged": False, "explanation": "x",
        }  # fmt: skip
        entries.append(
            {
                "ori": ori,
                "n_bookings": 5000,
                "flagged": False,
                "concern": "none",
                "indicators": [indicator],
            }
        )
        comparisons[(ori, "minor_offense_shift")] = kind
    run = services.mark_running(services.queue(None), "0" * 64, {})
    document = {**_document("none"), "agencies": entries}
    services.finish(run, document, comparisons)
    stored = IndicatorResult.objects.get(agency_result__agency=phi_agency)
    assert stored.comparison == "change at activation"
    section = services.agency_section(phi_agency)
    (funnel,) = section["funnels"]
    assert funnel["peers"] == 4  # itself and the three measured the same way
    assert "change at activation" in section["rows"][0]["indicator"]
