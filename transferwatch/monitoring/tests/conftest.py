from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from transferwatch.analytics.synth import Summary, generate
from transferwatch.imports.warehouse import import_agencies, import_bookings

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def warehouse(tmp_path: Path, settings: Any, db: Any) -> Summary:
    """12 synthetic agencies, two with planted dismissal disparities, imported like real data."""
    settings.DATA_DIR = tmp_path / "var"
    settings.WAREHOUSE_DIR = tmp_path / "var" / "warehouse"
    summary = generate(
        tmp_path / "synth", agencies=12, start=date(2014, 1, 1), end=date(2016, 12, 31), seed=5,
        plants={"dismissal": 2}, fmt="csv", bookings=40000,
    )  # fmt: skip
    assert import_agencies(summary.agencies_path).status == "done"
    assert import_bookings(summary.bookings_path).status == "done"
    return summary


def significant_ori(run: object = None) -> str:
    """The first agency at `significant` in the latest finished run (one of the planted ones)."""
    from transferwatch.monitoring.models import AgencyResult

    found = (
        AgencyResult.objects.filter(run__status="done", concern="significant")
        .order_by("-run__pk", "agency__ori")
        .select_related("agency")
        .first()
    )
    assert found is not None, "the planted disparity was not found"
    return found.agency.ori
