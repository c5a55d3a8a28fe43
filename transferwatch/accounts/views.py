from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from transferwatch.accounts.dashboard import grouped, items_of, work_lists
from transferwatch.agencies.models import Agency
from transferwatch.analytics.stores import WarehouseError
from transferwatch.audit.models import Event
from transferwatch.imports.models import Import
from transferwatch.imports.warehouse import store
from transferwatch.lib.counting import EXACT_UP_TO, CountingPaginator, count, kept
from transferwatch.transfers.models import TransferRequest


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The username or password is not right. Both are case-sensitive.",
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What the user's role works on, with the numbers that exist today."""
    user = request.user
    role = user.role
    context: dict[str, object] = {"role": role, "areas": user.areas.all()}
    context["work_groups"] = grouped(work_lists(user))
    if user.has_perm("agencies.view_agency"):
        agencies = Agency.objects.visible_to(user)
        context["agency_count"] = agencies.count()
        context["participating_count"] = agencies.filter(activation_date__isnull=False).count()
    if user.has_perm("transfers.view_transferrequest"):
        transfers = TransferRequest.objects.visible_to(user)
        since = timezone.localdate() - timedelta(days=90)
        total = count(transfers)
        long = total.value > EXACT_UP_TO
        context["transfer_count"] = total
        context["pending_count"] = count(transfers.filter(outcome="pending"))
        context["by_type"] = kept(
            transfers.filter(request_date__gte=since)
            .values("request_type")
            .annotate(n=Count("pk"))
            .order_by("request_type"),
            long=long,
        )
        context["by_area"] = kept(
            transfers.values("aor__name").annotate(n=Count("pk")).order_by("-n", "aor__name")[:10],
            long=long,
        )
        context["recent"] = transfers.select_related("aor", "agency")[:8]
    if user.has_perm("imports.view_import"):
        try:
            context["warehouse_rows"] = store().state()["rows"]
        except WarehouseError:  # a PostgreSQL or Spark store that is down: say so, not a 500
            context["warehouse_unreachable"] = True
        context["last_import"] = Import.objects.filter(kind="bookings", status="done").first()
    if user.has_perm("audit.view_event"):
        since_dt = timezone.now() - timedelta(days=30)
        context["events"] = Event.objects.all()[:10]
        context["reveal_count"] = Event.objects.filter(
            action="transfers.person.revealed", at__gte=since_dt
        ).count()
    return render(request, "accounts/home.html", context)


@login_required
def work_list(request: HttpRequest, key: str) -> HttpResponse:
    """One of the user's work lists in full, 50 a page (the home page shows the first few)."""
    found = {w.key: w for w in work_lists(request.user)}.get(key)
    if found is None:
        raise Http404
    page = CountingPaginator(found.qs, 50).get_page(request.GET.get("page"))
    items = items_of(page.object_list, found.detail, found.due)
    return render(request, "accounts/work_list.html", {"wl": found, "page": page, "items": items})
