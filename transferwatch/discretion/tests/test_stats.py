"""Counts by status and days from submission to final determination."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from transferwatch.discretion import services
from transferwatch.discretion.models import PDRequest
from transferwatch.discretion.tests.conftest import make_pd

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=ZoneInfo("America/New_York"))


def finished(pd: PDRequest, days: float) -> None:
    # Final requests set directly: the lifecycle itself is tested in test_lifecycle.py.
    PDRequest.objects.filter(pk=pd.pk).update(
        status="final",
        final_decision="granted",
        submitted_at=T0,
        final_at=T0 + timedelta(days=days),
    )


def test_days_to_final_counts_whole_days_and_is_none_until_final(
    investigator: Any, inquiry: Any, phi_request: Any
) -> None:
    pd = make_pd(investigator, inquiry, phi_request)
    assert pd.days_to_final is None
    pd.submitted_at = T0
    assert pd.days_to_final is None
    pd.final_at = T0 + timedelta(days=12, hours=23)
    assert pd.days_to_final == 12


def test_stats_counts_by_status_with_mean_and_median(
    investigator: Any, inquiry: Any, phi_request: Any
) -> None:
    pds = [make_pd(investigator, inquiry, phi_request) for _ in range(6)]
    # 3, 10 and 30.5 days (30 whole days): mean 43/3 = 14.33, median 10.
    for pd, days in zip(pds, (3, 10, 30.5), strict=False):
        finished(pd, days)
    PDRequest.objects.filter(pk=pds[3].pk).update(status="field_review", submitted_at=T0)
    PDRequest.objects.filter(pk=pds[4].pk).update(status="hq_decided", submitted_at=T0)
    result = services.stats(PDRequest.objects.all())
    assert result.total == 6 and result.finals == 3
    assert result.by_status["final"] == 3 and result.by_status["draft"] == 1
    assert result.by_status["withdrawn"] == 0
    assert result.awaiting_ice == 2
    assert result.mean_days == 14.3 and result.median_days == 10.0


def test_stats_of_an_even_number_and_of_none(
    investigator: Any, inquiry: Any, phi_request: Any
) -> None:
    empty = services.stats(PDRequest.objects.none())
    assert empty.total == 0 and empty.mean_days is None and empty.median_days is None
    pds = [make_pd(investigator, inquiry, phi_request) for _ in range(2)]
    finished(pds[0], 4)
    finished(pds[1], 7)
    result = services.stats(PDRequest.objects.all())
    assert result.median_days == 5.5 and result.mean_days == 5.5


def test_stats_respects_the_callers_scope(field_phi: Any, submitted: Any, nyc_pd: Any) -> None:
    result = services.stats(PDRequest.objects.visible_to(field_phi))
    assert result.total == 1 and result.by_status["submitted"] == 1
