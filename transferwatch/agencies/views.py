from __future__ import annotations

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst

from transferwatch.accounts.access import permission_or_404
from transferwatch.agencies.forms import AgencyFilter, AgencyForm
from transferwatch.agencies.models import POPULATION_GROUPS, Agency
from transferwatch.analytics.warehouse import bookings_by_quarter
from transferwatch.audit.services import diff, record
from transferwatch.escalations.services import agency_timeline
from transferwatch.imports.warehouse import store
from transferwatch.monitoring.services import agency_section
from transferwatch.transfers.models import TransferRequest


def get_agency_for_user(request: HttpRequest, ori: str) -> Agency:
    return get_object_or_404(Agency.objects.visible_to(request.user), ori=ori)


@permission_or_404("agencies.view_agency")
def agency_list(request: HttpRequest) -> HttpResponse:
    form = AgencyFilter(request.GET or None)
    agencies = Agency.objects.visible_to(request.user).select_related("aor")
    if form.is_valid():
        if q := form.cleaned_data["q"]:
            agencies = agencies.filter(Q(name__icontains=q) | Q(ori__iexact=q))
        if state := form.cleaned_data["state"]:
            agencies = agencies.filter(state=state.upper())
    agencies = agencies.annotate(n_requests=Count("transfer_requests")).order_by("state", "name")
    page = Paginator(agencies, 50).get_page(request.GET.get("page"))
    return render(request, "agencies/list.html", {"form": form, "page": page})


@permission_or_404("agencies.view_agency")
def agency_detail(request: HttpRequest, ori: str) -> HttpResponse:
    agency = get_agency_for_user(request, ori)
    transfers = TransferRequest.objects.visible_to(request.user).filter(agency=agency)
    by_type = transfers.values("request_type").annotate(n=Count("pk")).order_by("request_type")
    context = {
        "agency": agency,
        "facilities": agency.facilities.all(),
        "populations": [
            (capfirst(Agency._meta.get_field(name).verbose_name), getattr(agency, name))
            for name in [*POPULATION_GROUPS, "pop_lep"]
        ],
        "transfer_count": transfers.count(),
        "by_type": by_type,
        "recent": transfers.select_related("aor", "facility")[:10],
        "bookings": bookings_by_quarter(store(), agency.ori),
    }
    if request.user.has_perm("monitoring.view_monitoringrun"):
        context["monitoring"] = agency_section(agency)
    context["timeline"] = agency_timeline(agency, request.user, context.get("monitoring"))
    return render(request, "agencies/detail.html", context)


@permission_or_404("agencies.add_agency")
def agency_create(request: HttpRequest) -> HttpResponse:
    form = AgencyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            agency = form.save()
            record(
                "agencies.agency.created",
                agency,
                actor=request.user,
                changes=diff({}, agency.audit_fields()),
            )
        return redirect("agency_detail", ori=agency.ori)
    return render(request, "agencies/form.html", {"form": form, "agency": None})


@permission_or_404("agencies.change_agency")
def agency_edit(request: HttpRequest, ori: str) -> HttpResponse:
    agency = get_agency_for_user(request, ori)
    before = agency.audit_fields()
    form = AgencyForm(request.POST if request.method == "POST" else None, instance=agency)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            agency = form.save()
            changes = diff(before, agency.audit_fields())
            if changes:
                record("agencies.agency.updated", agency, actor=request.user, changes=changes)
        return redirect("agency_detail", ori=agency.ori)
    return render(request, "agencies/form.html", {"form": form, "agency": agency})
