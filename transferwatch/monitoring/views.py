from __future__ import annotations

from django import forms
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from transferwatch.accounts.access import permission_or_404
from transferwatch.analytics.assess import Q_SIGNIFICANT, Q_WATCH
from transferwatch.cases.models import Allegation
from transferwatch.lib.counting import CountingPaginator, count
from transferwatch.monitoring import services
from transferwatch.monitoring.models import AgencyResult, MonitoringRun
from transferwatch.monitoring.tasks import run_monitoring

CONCERN_ORDER = {"significant": 0, "watch": 1, "none": 2}
# A page lists this many allegations of a kind at most; the allegation list has them all.
SHOWN = 20


class StartForm(forms.Form):
    period_from = forms.DateField(label="From (optional)", required=False)
    period_to = forms.DateField(label="To (optional)", required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            raise forms.ValidationError("The period starts after it ends.")
        return data


def get_run_for_user(request: HttpRequest, pk: int) -> MonitoringRun:
    return get_object_or_404(MonitoringRun.objects.visible_to(request.user), pk=pk)


@permission_or_404("monitoring.view_monitoringrun")
def monitoring_home(request: HttpRequest) -> HttpResponse:
    can_start = request.user.has_perm("monitoring.add_monitoringrun")
    form = StartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_start:
            raise Http404
        if form.is_valid():
            with transaction.atomic():
                run = services.queue(
                    request.user, form.cleaned_data["period_from"], form.cleaned_data["period_to"]
                )
                transaction.on_commit(lambda: run_monitoring.enqueue(run.pk))
            return redirect("monitoring_run", pk=run.pk)
    runs = MonitoringRun.objects.visible_to(request.user).select_related("created_by")
    latest = runs.filter(status="done").order_by("-finished_at", "-pk").first()
    concerns = (
        AgencyResult.objects.filter(run=latest, concern__in=["significant", "watch"])
        .select_related("agency")
        .order_by("-flagged", "agency__ori")
        if latest
        else AgencyResult.objects.none()
    )
    to_triage = (
        Allegation.objects.visible_to(request.user)
        .filter(source="crcl_monitoring", status="received")
        .select_related("agency")
        .order_by("due_at", "pk")
    )
    context = {
        "form": form,
        "can_start": can_start,
        "page": CountingPaginator(runs, 20).get_page(request.GET.get("page")),
        "latest": latest,
        "concerns": concerns,
        "to_triage": to_triage[:SHOWN],
        "to_triage_count": count(to_triage),
        "shown": SHOWN,
        "q_significant": Q_SIGNIFICANT,
        "q_watch": Q_WATCH,
    }
    return render(request, "monitoring/index.html", context)


@permission_or_404("monitoring.view_monitoringrun")
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_user(request, pk)
    if request.htmx and not run.finished:
        return render(request, "monitoring/_status.html", {"run": run})
    if request.htmx:
        # The run just finished: reload the whole page to show its results.
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    results = sorted(
        run.results.select_related("agency").prefetch_related(
            Prefetch("indicators", to_attr="indicator_list")
        ),
        key=lambda r: (CONCERN_ORDER[r.concern], r.agency.ori),
    )
    context = {
        "run": run,
        "results": results,
        "allegations": run.allegations.select_related("agency").order_by("pk")[:SHOWN],
        "allegation_count": count(run.allegations.all()),
        "shown": SHOWN,
    }
    return render(request, "monitoring/run_detail.html", context)
