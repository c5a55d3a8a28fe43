from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from transferwatch.accounts.access import permission_or_404
from transferwatch.audit.services import record
from transferwatch.lib import exports, next_moves
from transferwatch.lib.listing import list_context
from transferwatch.transfers import review
from transferwatch.transfers.forms import TransferFilter
from transferwatch.transfers.lists import (
    QUEUE_EXPORT,
    QUEUE_SORTING,
    TRANSFER_EXPORT,
    TRANSFER_SORTING,
)
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
    requests, sort = TRANSFER_SORTING.apply(requests, request.GET.get("sort"))
    if fmt := exports.requested(request):
        return exports.respond(request, TRANSFER_EXPORT, requests, fmt, form=form, sort=sort)
    requests = requests.select_related("aor", "agency", "facility")
    context = {
        "form": form,
        **list_context(request, requests, TRANSFER_SORTING, sort),
        **exports.links(TRANSFER_EXPORT, request.user),
    }
    template = "transfers/_search.html" if request.htmx else "transfers/list.html"
    return render(request, template, context)


@permission_or_404("transfers.view_transferrequest")
def transfer_detail(request: HttpRequest, pk: int, refusal: str = "") -> HttpResponse:
    transfer = get_transfer_for_user(request, pk)
    offered = [n for n in review.MOVES if review.may(request.user, transfer, n) is None]
    context = {
        "transfer": transfer,
        "can_open_person": request.user.has_perm("transfers.view_person"),
        "classification": transfer.classifications.first(),
        "convictions": transfer.person.convictions.all() if transfer.person else [],
        "charges": transfer.person.charges.all() if transfer.person else [],
        "steps": transfer.review_steps.select_related("actor"),
        "actions": [
            (name, review.MOVES[name].label, review.MOVES[name].needs_text) for name in offered
        ],
        "pd_factors": review.PD_FACTORS,
        "outlook": next_moves.for_record(
            review.MOVES,
            transfer,
            request.user,
            offered,
            field="review_status",
            why_not=lambda name: review.may(request.user, transfer, name),
        ),
        "refusal": refusal,
        # A refused form keeps what was typed.
        "posted_action": request.resolver_match.kwargs.get("action", "") if refusal else "",
        "posted_text": request.POST.get("text", "") if refusal else "",
    }
    return render(request, "transfers/detail.html", context, status=403 if refusal else 200)


@require_POST
@permission_or_404("transfers.view_transferrequest")
def transfer_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take a review action; a refusal is shown on the request's page and changes nothing."""
    transfer = get_transfer_for_user(request, pk)
    factors = [f for f in request.POST.getlist("factors") if f in dict(review.PD_FACTORS)]
    try:
        review.act(
            transfer,
            action,
            request.user,
            request.POST.get("text", ""),
            {"factors": factors} if factors else None,
        )
    except review.ReviewRefused as exc:
        return transfer_detail(request, pk, refusal=str(exc))
    messages.success(request, f"{review.MOVES[action].label}: done.")
    return redirect("transfer_detail", pk=pk)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The requests awaiting the user's review, overdue first."""
    if not (request.user.has_perm(review.REVIEW) or request.user.has_perm(review.ADVISE)):
        raise Http404
    queue, sort = QUEUE_SORTING.apply(review.queue_for(request.user), request.GET.get("sort"))
    if fmt := exports.requested(request):
        return exports.respond(request, QUEUE_EXPORT, queue, fmt, sort=sort)
    context = {
        **list_context(request, queue.select_related("aor", "agency"), QUEUE_SORTING, sort),
        **exports.links(QUEUE_EXPORT, request.user),
        "today": timezone.localdate(),
        "can_bulk": request.user.has_perm(review.REVIEW),
    }
    return render(request, "transfers/queue.html", context)


def _selected_ids(request: HttpRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("ids") if v.isdigit()][: review.BULK_MAX + 1]


@require_POST
@permission_or_404(review.REVIEW)
def review_bulk(request: HttpRequest) -> HttpResponse:
    """Concur with many requests: a confirmation page first, then each request through `act`."""
    action = request.POST.get("action", "concur")
    ids = _selected_ids(request)
    if not ids:
        messages.error(request, "Select at least one request.")
        return redirect("review_queue")
    try:
        if request.POST.get("confirmed") != "yes":
            outcome = review.bulk_preview(request.user, action, ids)
            context = {"outcome": outcome, "label": review.MOVES[action].label}
            return render(request, "transfers/bulk_confirm.html", context)
        outcome = review.act_many(request.user, action, ids, request.POST.get("text", ""))
    except review.ReviewRefused as exc:
        messages.error(request, f"{str(exc).capitalize()}.")
        return redirect("review_queue")
    context = {"outcome": outcome, "label": review.MOVES[action].label}
    return render(request, "transfers/bulk_result.html", context)


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
