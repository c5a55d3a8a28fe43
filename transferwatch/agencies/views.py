from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst

from transferwatch.accounts.access import permission_or_404
from transferwatch.agencies.crosswalk import CrosswalkRefused, coverage, set_facility_agency
from transferwatch.agencies.forms import (
    AgencyFilter,
    AgencyForm,
    CrosswalkUploadForm,
    FacilityAgencyForm,
    FacilityFilter,
)
from transferwatch.agencies.models import POPULATION_GROUPS, Agency, Facility
from transferwatch.analytics.stores import WarehouseError
from transferwatch.audit.services import diff, record
from transferwatch.escalations.services import agency_timeline
from transferwatch.imports.facilities import import_upload
from transferwatch.imports.warehouse import store
from transferwatch.lib import exports
from transferwatch.lib.counting import EXACT_UP_TO, count, kept
from transferwatch.lib.listing import Column, Sorting, list_context
from transferwatch.monitoring.services import agency_section
from transferwatch.transfers.models import TransferRequest


def requests_of(field: str, **where: Any) -> Any:
    """The number of transfer requests whose `field` is the outer query's row, as a subquery:
    counted through the field's index for the rows of the page, not joined over every request."""
    per_row = (
        TransferRequest.objects.filter(**{field: OuterRef("pk")}, **where)
        .order_by()
        .values(field)
        .annotate(n=Count("*"))  # count(*): the field's index alone answers it
        .values("n")
    )
    return Coalesce(Subquery(per_row), 0)


def get_agency_for_user(request: HttpRequest, ori: str) -> Agency:
    return get_object_or_404(Agency.objects.visible_to(request.user), ori=ori)


AGENCY_SORTING = Sorting(
    [
        Column("name", "Agency", ("name", "state")),
        Column("ori", "ORI", ("ori",)),
        Column("state", "State", ("state", "name")),
        Column("area", "Area", ("aor__code", "name")),
        Column("since", "Taking part since", ("activation_date", "name"), desc_first=True),
        Column("population", "Population", ("population", "name"), numeric=True),
        Column("requests", "Transfer requests", ("n_requests", "name"), numeric=True),
    ],
    default="state",
)
AGENCY_EXPORT = exports.ExportSpec(
    "agencies",
    [
        exports.Field("ORI", lambda a: a.ori),
        exports.Field("Agency", lambda a: a.name),
        exports.Field("State", lambda a: a.state),
        exports.Field("Area", lambda a: a.aor.code if a.aor else ""),
        exports.Field("Taking part since", lambda a: a.activation_date),
        exports.Field("Population", lambda a: a.population),
        exports.Field("Transfer requests", lambda a: a.n_requests),
    ],
)


@permission_or_404("agencies.view_agency")
def agency_list(request: HttpRequest) -> HttpResponse:
    form = AgencyFilter(request.GET or None)
    agencies = Agency.objects.visible_to(request.user).select_related("aor")
    if form.is_valid():
        if q := form.cleaned_data["q"]:
            agencies = agencies.filter(Q(name__icontains=q) | Q(ori__iexact=q))
        if state := form.cleaned_data["state"]:
            agencies = agencies.filter(state=state.upper())
    # Counted for the page's agencies only (a correlated count; PostgreSQL evaluates it after
    # the LIMIT), not joined over every transfer request, unless the list is sorted by it.
    agencies = agencies.annotate(n_requests=requests_of("agency"))
    agencies, sort = AGENCY_SORTING.apply(agencies, request.GET.get("sort"))
    if fmt := exports.requested(request):
        return exports.respond(request, AGENCY_EXPORT, agencies, fmt, form=form, sort=sort)
    context = {
        "form": form,
        **list_context(request, agencies, AGENCY_SORTING, sort),
        **exports.links(AGENCY_EXPORT, request.user),
    }
    return render(request, "agencies/list.html", context)


@permission_or_404("agencies.view_agency")
def agency_detail(request: HttpRequest, ori: str) -> HttpResponse:
    agency = get_agency_for_user(request, ori)
    transfers = TransferRequest.objects.visible_to(request.user).filter(agency=agency)
    total = count(transfers)
    by_type = kept(
        transfers.values("request_type").annotate(n=Count("pk")).order_by("request_type"),
        long=total.value > EXACT_UP_TO,
    )
    context = {
        "agency": agency,
        "facilities": agency.facilities.annotate(n_requests=Count("transfer_requests")),
        "populations": [
            (capfirst(Agency._meta.get_field(name).verbose_name), getattr(agency, name))
            for name in [*POPULATION_GROUPS, "pop_lep"]
        ],
        "transfer_count": total,
        "by_type": by_type,
        "recent": transfers.select_related("aor", "facility")[:10],
    }
    try:
        context["bookings"] = store().by_quarter(agency.ori)
    except WarehouseError:  # a PostgreSQL or Spark store that is down: say so, not a 500
        context["bookings_unreachable"] = True
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


# ---------------------------------------------------------------- facilities and their agencies

# The table's columns in order: sort key, label, ORDER BY fields (the Facilities page was the first
# sortable list; lib/listing.py is its approach made common).
FACILITY_SORTING = Sorting(
    [
        Column("name", "Facility", ("name", "state")),
        Column("code", "Code", ("code", "name")),
        Column("state", "State", ("state", "name")),
        Column("kind", "Kind", ("kind", "name")),
        Column("agency", "Agency", ("agency__name", "name")),
        Column("link", "Linked by", ("agency_source", "name")),
        Column("requests", "Transfer requests", ("n_requests", "name"), numeric=True),
        Column("without", "Without an agency", ("n_without", "name"), numeric=True),
    ],
    default="-requests",
)
FACILITY_EXPORT = exports.ExportSpec(
    "facilities",
    [
        exports.Field("Facility", lambda f: f.name),
        exports.Field("Code", lambda f: f.code),
        exports.Field("City", lambda f: f.city),
        exports.Field("State", lambda f: f.state),
        exports.Field("Kind", lambda f: f.get_kind_display()),
        exports.Field("Agency ORI", lambda f: f.agency.ori if f.agency else ""),
        exports.Field("Agency", lambda f: f.agency.name if f.agency else ""),
        exports.Field("Linked by", lambda f: f.get_agency_source_display()),
        exports.Field("Transfer requests", lambda f: f.n_requests),
        exports.Field("Without an agency", lambda f: f.n_without),
    ],
)


@permission_or_404("agencies.change_facility")
def facility_list(request: HttpRequest) -> HttpResponse:
    upload = CrosswalkUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not request.user.has_perm("imports.add_import"):
            raise Http404
        if upload.is_valid():
            imp = import_upload(upload.cleaned_data["file"], request.user)
            return redirect("import_detail", pk=imp.pk)
    form = FacilityFilter(request.GET or None)
    facilities = Facility.objects.select_related("agency").annotate(
        n_requests=requests_of("facility"),
        n_without=requests_of("facility", agency__isnull=True),
    )
    if form.is_valid():
        facilities = form.apply(facilities)
    elif form.is_bound:
        facilities = facilities.none()
    facilities, sort = FACILITY_SORTING.apply(facilities, request.GET.get("sort"))
    if fmt := exports.requested(request):
        return exports.respond(request, FACILITY_EXPORT, facilities, fmt, form=form, sort=sort)
    context = {
        "form": form,
        "upload": upload,
        "can_upload": request.user.has_perm("imports.add_import"),
        **list_context(request, facilities, FACILITY_SORTING, sort),
        **exports.links(FACILITY_EXPORT, request.user),
        "coverage": coverage(TransferRequest.objects.visible_to(request.user)),
    }
    return render(request, "agencies/facility_list.html", context)


def _back(request: HttpRequest, facility: Facility) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(facility)


@permission_or_404("agencies.change_facility")
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    facility = get_object_or_404(
        Facility.objects.select_related("agency", "agency_confirmed_by"), pk=pk
    )
    form = FacilityAgencyForm(initial={"agency": str(facility.agency or "")})
    if request.method == "POST":
        action = request.POST.get("action", "")
        agency: Agency | None = None
        if action == "set":
            form = FacilityAgencyForm(request.POST)
            if not form.is_valid():
                return _facility_page(request, facility, form)
            agency = form.cleaned_data["agency"]
        elif action == "confirm":
            agency = facility.agency
            shown = request.POST.get("shown", "")
            if shown != (agency.ori if agency else ""):  # changed since the page was drawn
                message = f"The agency changed since you opened the page: now {agency or 'none'}."
                return _facility_page(request, facility, _refused(str(agency or ""), message))
        elif action != "clear":
            raise Http404
        before = facility.agency
        try:
            moved = set_facility_agency(facility, agency, actor=request.user)
        except CrosswalkRefused as exc:
            typed = request.POST.get("agency", "") if action == "set" else str(agency or "")
            return _facility_page(request, facility, _refused(typed, str(exc)))
        messages.success(request, _outcome(facility, before, agency, moved))
        return _back(request, facility)
    return _facility_page(request, facility, form)


def _refused(typed: str, message: str) -> FacilityAgencyForm:
    """The agency form as submitted, with why nothing was changed on its field."""
    form = FacilityAgencyForm({"agency": typed})
    form.is_valid()
    form.errors["agency"] = form.error_class([message])
    return form


def _outcome(facility: Facility, before: Agency | None, agency: Agency | None, moved: int) -> str:
    requests = f"{moved:,} transfer request{pluralize(moved)} moved"
    if agency is None:
        return f"{facility.name}: no agency recorded; {requests} out of monitoring."
    if before is not None and before.pk == agency.pk:
        return f"{facility.name}: {agency} confirmed; {requests} to it."
    return f"{facility.name}: now linked to {agency}; {requests} to it."


def _facility_page(request: HttpRequest, facility: Facility, form: FacilityAgencyForm) -> Any:
    requests = facility.transfer_requests.all()
    by_agency = (
        requests.values("agency__ori", "agency__name").annotate(n=Count("pk")).order_by("-n")
    )
    context = {
        "facility": facility,
        "form": form,
        "request_count": requests.count(),
        "by_agency": by_agency,
        "choices": Agency.objects.filter(state=facility.state).only("ori", "name")[:2000]
        if facility.state
        else [],
    }
    return render(request, "agencies/facility_detail.html", context)
