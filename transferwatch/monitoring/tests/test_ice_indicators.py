"""Indicators from ICE's records in the monitoring runs and in `transferwatch monitor` (no files)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from transferwatch.accounts.models import Area
from transferwatch.agencies.models import Agency
from transferwatch.conftest import client_for
from transferwatch.monitoring import services
from transferwatch.monitoring.ice import ice_counts
from transferwatch.monitoring.models import IndicatorResult
from transferwatch.transfers.models import Classification, TransferRequest

ICE = ("no_conviction_share", "minor_charge_share", "non_priority_transfers")
ACTIVATION = date(2015, 7, 1)


def _requests(agency: Agency, n: int, no_conviction: int, minor: int, start: date) -> None:
    """`n` requests a day apart from `start`: the first `no_conviction` on people without a
    conviction (criminality 2 or 3), the first `minor` with a minor MSC; every fifth without
    an MSC; each classified under the 2014 priorities (eligible when convicted and not minor),
    except those without an MSC (not enough facts)."""
    area = Area.objects.get(code="PHI")
    made = TransferRequest.objects.bulk_create(
        TransferRequest(
            request_type="detainer",
            request_date=start + timedelta(days=k),
            aor=area,
            agency=agency,
            source="import",
            criminality=("2" if k % 2 else "3") if k < no_conviction else "1",
            minor_charge=None if k % 5 == 4 else k < minor,
            facts_missing="no MSC" if k % 5 == 4 else "",
        )
        for k in range(n)
    )
    Classification.objects.bulk_create(
        Classification(
            transfer_request=t,
            policy="pep-2014",
            pep_transfer_eligible=t.criminality == "1" and not t.minor_charge,
        )
        for t in made
        if t.minor_charge is not None
    )


@pytest.fixture
def ice_world(db: Any, settings: Any, tmp_path: Path) -> dict[str, Agency]:
    """Five agencies activated mid-2015 with ICE requests over 2015-2016 (no bookings at all),
    one sending far more requests on people without convictions, and one with no requests."""
    settings.DATA_DIR = tmp_path / "var"
    settings.WAREHOUSE_DIR = tmp_path / "var" / "warehouse"
    area = Area.objects.get(code="PHI")
    agencies = {
        name: Agency.objects.create(
            ori=f"PA{k:07d}", name=f"Agency {k}", state="PA", aor=area, activation_date=ACTIVATION
        )
        for k, name in enumerate(["a", "b", "c", "d", "heavy", "empty"])
    }
    for name, share in (("a", 0.40), ("b", 0.45), ("c", 0.35), ("d", 0.42), ("heavy", 0.95)):
        for start in (date(2015, 1, 1), date(2016, 1, 1)):  # before and after activation
            _requests(agencies[name], 150, int(150 * share), 30, start)
    return agencies


def test_requests_are_counted_in_a_few_queries(ice_world: dict[str, Agency]) -> None:
    with CaptureQueriesContext(connection) as queries:
        counts = ice_counts(date(2015, 1, 1), date(2016, 12, 31))
    assert len(queries) <= 2
    assert int(counts.requests.sum()) == 5 * 300
    assert counts.first == date(2015, 1, 1) and counts.last == date(2016, 5, 29)
    heavy = counts.ori == ice_world["heavy"].ori
    assert set(counts.eligible[heavy].tolist()) == {-1, 0, 1}


def test_a_web_run_stores_the_ice_indicators(ice_world: dict[str, Agency], analyst: Any) -> None:
    run = services.execute(services.queue(None))
    assert run.status == "done", run.message
    stored = IndicatorResult.objects.filter(agency_result__run=run)
    heavy = {i.name: i for i in stored.filter(agency_result__agency=ice_world["heavy"])}
    assert set(ICE) <= set(heavy)
    share = heavy["no_conviction_share"]
    assert share.estimate is not None and share.q_value is not None
    assert "300 requests with criminality recorded, 0 without" in share.explanation
    assert "change at activation" in share.explanation
    minor = heavy["minor_charge_share"]
    assert "240 requests with a most serious charge or conviction given, 60 without one" in minor.explanation  # fmt: skip
    eligible = heavy["non_priority_transfers"]
    assert eligible.estimate is not None and eligible.comparison.startswith("ICE records")
    assert "240 requests classified under the 2014 priorities, 60 not classified" in eligible.explanation  # fmt: skip
    for i in stored.filter(agency_result__agency=ice_world["empty"], name__in=ICE):
        assert i.estimate is None and not i.flagged
        assert i.explanation == "no ICE transfer requests for this agency in the period"
    assert run.period_from == date(2015, 1, 1)
    assert "transfer_requests" in run.fingerprint_details
    # the agency pages that list stored indicators still render them
    page = client_for(analyst).get(f"/agencies/{ice_world['heavy'].ori}/")
    assert page.status_code == 200 and "no_conviction_share" in page.content.decode()


def test_the_command_without_files_reports_them(ice_world: dict[str, Agency], tmp_path: Path) -> None:  # fmt: skip
    out = tmp_path / "run.json"
    call_command("monitor", "--json", str(out))
    doc = json.loads(out.read_text())
    by_ori = {a["ori"]: {i["name"]: i for i in a["indicators"]} for a in doc["agencies"]}
    heavy = by_ori[ice_world["heavy"].ori]
    assert heavy["no_conviction_share"]["estimate"] is not None
    assert heavy["no_conviction_share"]["n"] == 300
    empty = by_ori[ice_world["empty"].ori]["minor_charge_share"]
    assert empty["estimate"] is None and not empty["flagged"]
    # the bookings indicators have nothing to work on and say so
    assert by_ori[ice_world["a"].ori]["dismissal_disparity"]["estimate"] is None


def test_a_run_without_bookings_says_so_on_each_bookings_indicator(
    ice_world: dict[str, Agency], tmp_path: Path
) -> None:
    out = tmp_path / "run.json"
    call_command("monitor", "--json", str(out))
    doc = json.loads(out.read_text())
    agency = next(a for a in doc["agencies"] if a["ori"] == ice_world["a"].ori)
    said = {i["name"]: i["explanation"] for i in agency["indicators"]}
    for name in ("minor_offense_shift", "dismissal_disparity", "lep_minor_offense"):
        # not "0 Hispanic arrests" nor "the bookings have no ... column": there are no bookings
        assert said[name].startswith("no bookings in this run"), said[name]
    assert not said["no_conviction_share"].startswith("no bookings")
