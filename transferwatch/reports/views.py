"""The public transparency report: a page and its open data, for anyone, with no login.

Computed on request and cached for ten minutes under a key that changes when requests,
classifications or allegations are added, so that the page, the CSV and the JSON of one
moment show the same figures (and the same suppressed cells).
"""

from __future__ import annotations

import csv
from typing import Any

import altair as alt
from django.core.cache import cache
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from transferwatch.cases.models import Allegation
from transferwatch.monitoring.charts import to_svg
from transferwatch.reports.publish import CSV_COLUMNS, build_report
from transferwatch.transfers.models import Classification, TransferRequest

CACHE_SECONDS = 600


def _fingerprint() -> str:
    parts = [timezone.localdate().isoformat()]
    for model in (TransferRequest, Classification, Allegation):
        summary = model.objects.aggregate(n=Count("pk"), last=Max("pk"))
        parts.append(f"{summary['n']}-{summary['last']}")
    return ":".join(parts)


def latest_report() -> dict[str, Any]:
    key = f"reports:public:{_fingerprint()}"
    report: dict[str, Any] | None = cache.get(key)
    if report is None:
        report = build_report()
        report["chart_svg"] = _chart(report["chart_points"])
        cache.set(key, report, CACHE_SECONDS)
    return report


def _chart(points: list[dict[str, Any]]) -> str:
    if len(points) < 2:
        return ""
    chart = (
        alt.Chart(alt.Data(values=points))
        .mark_bar(color="#005ea2")
        .encode(
            x=alt.X("quarter:O", title="Quarter of the request"),
            y=alt.Y("requests:Q", title="Transfer requests"),
        )
        .properties(width=max(240, 40 * len(points)), height=200)
    )
    return to_svg(chart)


def _chart_summary(points: list[dict[str, Any]]) -> str:
    if not points:
        return ""
    high = max(points, key=lambda p: p["requests"])
    low = min(points, key=lambda p: p["requests"])
    return (
        f"Transfer requests per quarter, {points[0]['quarter']} to {points[-1]['quarter']}: "
        f"from {points[0]['requests']:,} in {points[0]['quarter']} to {points[-1]['requests']:,} "
        f"in {points[-1]['quarter']}; highest {high['requests']:,} ({high['quarter']}), lowest "
        f"{low['requests']:,} ({low['quarter']}). Quarters with a suppressed total are left out."
    )


@require_GET
def public_report(request: HttpRequest) -> HttpResponse:
    report = latest_report()
    context = {
        "report": report,
        "meta": report["metadata"],
        "tables": report["tables"],
        "chart_svg": report["chart_svg"],
        "chart_summary": _chart_summary(report["chart_points"]),
    }
    return render(request, "reports/public.html", context)


def _filename(report: dict[str, Any], ext: str) -> str:
    last = report["metadata"]["period"]["last_quarter"] or "empty"
    return f"transferwatch-public-report-{last}.{ext}"


def _safe(value: Any) -> Any:
    """Text a spreadsheet would not run as a formula (agency names come from imports)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@require_GET
def public_csv(request: HttpRequest) -> HttpResponse:
    report = latest_report()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in report["rows"]:
        values = dict(row)
        values["value"] = "" if row["value"] is None else row["value"]
        values["suppressed"] = "true" if row["suppressed"] else "false"
        writer.writerow([_safe(values[c]) for c in CSV_COLUMNS])
    return response


@require_GET
def public_json(request: HttpRequest) -> JsonResponse:
    report = latest_report()
    data = {k: report[k] for k in ("metadata", "measures", "rows")}
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'inline; filename="{_filename(report, "json")}"'
    return response
