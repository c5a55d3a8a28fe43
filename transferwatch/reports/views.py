"""The public transparency report: a page and its open data, for anyone, with no login.

Served from the newest stored snapshot (`transferwatch.reports.snapshot`), built off-request by
the `publish_report` task, so that the page, the CSV and the JSON show the same figures (and the
same suppressed cells) and no visitor makes the server build the report.
"""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from transferwatch.accounts.access import permission_or_404
from transferwatch.agencies.models import Agency
from transferwatch.audit.services import record
from transferwatch.lib import csp
from transferwatch.lib.counting import CountingPaginator
from transferwatch.reports import packet, profile, services, snapshot
from transferwatch.reports.models import Packet
from transferwatch.reports.publish import CSV_COLUMNS
from transferwatch.reports.quarters import Quarter, QuarterError
from transferwatch.reports.tasks import ask_for_publish, build_packet
from transferwatch.transfers.models import TransferRequest

PREPARING = (
    "The report is being prepared; it is published within minutes. Please come back shortly."
)
RETRY_AFTER_SECONDS = 120


def latest_report() -> dict[str, Any] | None:
    """The newest stored report (see `snapshot`); None while the first is being prepared.

    A stale snapshot is served while one rebuild is asked for; with no snapshot, a small
    installation builds one now, a large one asks for it."""
    head = snapshot.newest()
    stamp = snapshot.fingerprint()
    if head is not None:
        if head.fingerprint != stamp:
            ask_for_publish()
        return snapshot.load(head)
    if snapshot.small():
        return snapshot.load(snapshot.build(stamp))
    ask_for_publish()
    return None


def _not_ready() -> HttpResponse:
    response = HttpResponse(PREPARING + "\n", content_type="text/plain; charset=utf-8", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


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
    if report is None:
        return render(request, "reports/public_preparing.html", {"message": PREPARING})
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
    if report is None:
        return _not_ready()
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
def public_json(request: HttpRequest) -> HttpResponse:
    report = latest_report()
    if report is None:
        return _not_ready()
    data = {k: report[k] for k in ("metadata", "measures", "rows")}
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'inline; filename="{_filename(report, "json")}"'
    return response


# Internal reports: the quarterly packet and the agency profile -----------------------------
# Anything a user may not open is a 404 (permission_or_404), never a 403.

VIEW_PACKET = "reports.view_packet"
ADD_PACKET = "reports.add_packet"


class QuarterForm(forms.Form):
    quarter = forms.CharField(
        label="Quarter", max_length=7, help_text="For example 2015Q3.", strip=True
    )

    def clean_quarter(self) -> str:
        try:
            return Quarter.parse(self.cleaned_data["quarter"]).label
        except QuarterError as exc:
            raise forms.ValidationError(str(exc)) from None


def _last_quarter() -> str:
    """The last full quarter; when no transfer request is dated in or after it (the demo, or
    releases of earlier years), the quarter of the latest request, so the form starts on data."""
    last = Quarter.of(timezone.localdate()).previous
    latest = TransferRequest.objects.order_by("-request_date").values_list(
        "request_date", flat=True
    )
    newest = latest.first()
    if newest is not None and newest < last.start:
        return Quarter.of(newest).label
    return last.label


def _quarter_asked(request: HttpRequest) -> str:
    """The quarter a link asks the form to start on (a meeting's, `?quarter=2015Q3`), else the
    last full quarter."""
    try:
        return Quarter.parse(request.GET.get("quarter", "")).label
    except QuarterError:
        return _last_quarter()


def get_packet_for_user(request: HttpRequest, pk: int) -> Packet:
    return get_object_or_404(Packet.objects.visible_to(request.user), pk=pk)


@permission_or_404(VIEW_PACKET)
def packet_list(request: HttpRequest) -> HttpResponse:
    can_build = request.user.has_perm(ADD_PACKET)
    form = QuarterForm(
        request.POST if request.method == "POST" else None,
        initial={"quarter": _quarter_asked(request)},
    )
    if request.method == "POST":
        if not can_build:
            raise Http404
        if form.is_valid():
            quarter = Quarter.parse(form.cleaned_data["quarter"])
            with transaction.atomic():
                built = services.queue(request.user, quarter)
                transaction.on_commit(lambda: build_packet.enqueue(built.pk))
            return redirect("packet_detail", pk=built.pk)
    packets = Packet.objects.visible_to(request.user).select_related("created_by")
    context = {
        "form": form,
        "can_build": can_build,
        "page": CountingPaginator(packets, 25).get_page(request.GET.get("page")),
    }
    return render(request, "reports/packet_list.html", context)


@permission_or_404(VIEW_PACKET)
def packet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    built = get_packet_for_user(request, pk)
    if request.htmx and not built.finished:
        return render(request, "reports/_packet_status.html", {"packet": built})
    if request.htmx:
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    return render(request, "reports/packet_detail.html", {"packet": built})


@permission_or_404(VIEW_PACKET)
@csp.document
def packet_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    built = get_packet_for_user(request, pk)
    path = built.path(kind) if built.status == "done" else None
    if path is None or not path.is_file():
        raise Http404
    record("reports.packet.opened", built, actor=request.user, changes={"format": kind})
    content_type = "application/pdf" if kind == "pdf" else "text/html; charset=utf-8"
    return FileResponse(
        path.open("rb"),
        content_type=content_type,
        as_attachment=False,
        filename=f"transferwatch-packet-{built.quarter}.{kind}",
    )


def _agency_for_profile(request: HttpRequest, ori: str) -> Agency:
    return get_object_or_404(Agency.objects.visible_to(request.user), ori=ori)


@permission_or_404(VIEW_PACKET, "agencies.view_agency")
@csp.document
def agency_profile(request: HttpRequest, ori: str) -> HttpResponse:
    agency = _agency_for_profile(request, ori)
    return HttpResponse(profile.render_html(agency))


@permission_or_404(VIEW_PACKET, "agencies.view_agency")
def agency_profile_pdf(request: HttpRequest, ori: str) -> HttpResponse:
    agency = _agency_for_profile(request, ori)
    pdf, _pages = packet.to_pdf(profile.render_html(agency))
    record("reports.profile.pdf", agency, actor=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agency-profile-{agency.ori}.pdf"'
    return response
