"""The public report as stored snapshots (`PublicReport`), built off-request.

At national scale `publish.build_report` runs for minutes (the suppression audit solves linear
programs per cell), so the public pages never build it, except on a small installation with no
snapshot yet: they serve the newest snapshot and, when the data have changed since
(`fingerprint()`), ask for one rebuild (`tasks.ask_for_publish`). See docs/public-report.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import altair as alt
from django.db.models import Max
from django.utils import timezone

from transferwatch.cases.models import Allegation
from transferwatch.lib.counting import EXACT_UP_TO, count
from transferwatch.monitoring.charts import to_svg
from transferwatch.reports import publish
from transferwatch.reports.models import PublicReport
from transferwatch.transfers.models import Classification, TransferRequest

# Up to this many transfer requests (counted exactly), a page with no snapshot builds one itself.
BUILD_IN_REQUEST_UP_TO = EXACT_UP_TO
KEEP = 7  # snapshots kept; older ones are deleted when a new one is stored

# The parsed report of the newest snapshot seen by this process, keyed by (pk, built_at).
_memo: tuple[tuple[int, datetime], dict[str, Any]] | None = None


def fingerprint() -> str:
    """What the report depends on, cheaply: today's date (the last complete quarter), and per
    table the largest key and, on a short table, the number of rows (a long table's count is
    an estimate on PostgreSQL and would change with the statistics). Additions change it at
    once; deletions on a long table and changes in place show with the next day's rebuild."""
    parts = [timezone.localdate().isoformat()]
    for model in (TransferRequest, Classification, Allegation):
        rows = model.objects.all()
        last = rows.aggregate(last=Max("pk"))["last"]
        n = count(rows)
        size = str(n.value) if not n.estimated and n.value <= EXACT_UP_TO else "many"
        parts.append(f"{size}-{last}")
    return ":".join(parts)


def small() -> bool:
    """Whether the report is quick enough to build inside a request (no snapshot yet)."""
    n = count(TransferRequest.objects.all())
    return not n.estimated and n.value <= BUILD_IN_REQUEST_UP_TO


def newest() -> PublicReport | None:
    """The newest snapshot's key, time and fingerprint (one small query)."""
    return PublicReport.objects.only("pk", "built_at", "fingerprint").order_by("-pk").first()


def chart(points: list[dict[str, Any]]) -> str:
    if len(points) < 2:
        return ""
    drawing = (
        alt.Chart(alt.Data(values=points))
        .mark_bar(color="#005ea2")
        .encode(
            x=alt.X("quarter:O", title="Quarter of the request"),
            y=alt.Y("requests:Q", title="Transfer requests"),
        )
        .properties(width=max(240, 40 * len(points)), height=200)
    )
    return to_svg(drawing)


def build(stamp: str) -> PublicReport:
    """Build the report now and store it as the newest snapshot, under `stamp` (the
    fingerprint taken before the build: data added meanwhile make it stale at once)."""
    report = publish.build_report()
    made = PublicReport.objects.create(
        fingerprint=stamp, report=report, chart_svg=chart(report["chart_points"])
    )
    older = list(PublicReport.objects.order_by("-pk").values_list("pk", flat=True)[KEEP:])
    PublicReport.objects.filter(pk__in=older).delete()
    return made


def publish_if_stale() -> str:
    """Build and store a snapshot unless the newest has the current fingerprint."""
    stamp = fingerprint()
    head = newest()
    if head is not None and head.fingerprint == stamp:
        return "current"
    build(stamp)
    return "published"


def load(snapshot: PublicReport) -> dict[str, Any]:
    """The report of `snapshot` with its chart, parsed once per process."""
    global _memo
    key = (snapshot.pk, snapshot.built_at)
    if _memo is not None and _memo[0] == key:
        return _memo[1]
    if "report" in snapshot.get_deferred_fields():
        report, svg = PublicReport.objects.values_list("report", "chart_svg").get(pk=snapshot.pk)
    else:
        report, svg = snapshot.report, snapshot.chart_svg
    found = {**report, "chart_svg": svg}
    _memo = (key, found)
    return found
