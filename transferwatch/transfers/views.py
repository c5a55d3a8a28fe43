from __future__ import annotations

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from transferwatch.accounts.access import permission_or_404
from transferwatch.audit.services import record
from transferwatch.transfers.forms import TransferFilter
from transferwatch.transfers.models import Person, TransferRequest


def get_transfer_for_user(request: HttpRequest, pk: int) -> TransferRequest:
    requests = TransferRequest.objects.visible_to(request.user)
    return get_object_or_404(requests.select_related("aor", "agency", "facility"), pk=pk)


def get_person_for_user(request: HttpRequest, pk: int) -> Person:
    return get_object_or_404(Person.objects.visible_to(request.user), pk=pk)


@permission_or_404("transfers.view_transferrequest")
def transfer_list(request: HttpRequest) -> HttpResponse:
    form = TransferFilter(request.GET or None, user=request.user)
    requests = TransferRequest.objects.visible_to(request.user)
    if form.is_valid():
        requests = form.apply(requests)
    elif form.is_bound:
        requests = requests.none()
    requests = requests.select_related("aor", "agency", "facility")
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "transfers/_search.html" if request.htmx else "transfers/list.html"
    return render(request, template, context)


@permission_or_404("transfers.view_transferrequest")
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = get_transfer_for_user(request, pk)
    can_open_person = request.user.has_perm("transfers.view_person")
    return render(
        request,
        "transfers/detail.html",
        {"transfer": transfer, "can_open_person": can_open_person},
    )


def _person_page(request: HttpRequest, person: Person, revealed: bool) -> HttpResponse:
    context = {
        "person": person,
        "revealed": revealed,
        "convictions": person.convictions.all(),
        "charges": person.charges.all(),
        "requests": TransferRequest.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("aor", "agency"),
    }
    return render(request, "transfers/person.html", context)


@permission_or_404("transfers.view_person")
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_page(request, get_person_for_user(request, pk), revealed=False)


@require_POST
@permission_or_404("transfers.reveal_person")
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the identifying fields; every reveal is an audited access."""
    person = get_person_for_user(request, pk)
    with transaction.atomic():
        record(
            "transfers.person.revealed",
            person,
            actor=request.user,
            changes={"fields": list(Person.SENSITIVE)},
        )
    if request.htmx:
        return render(request, "transfers/_identity.html", {"person": person, "revealed": True})
    return _person_page(request, person, revealed=True)
