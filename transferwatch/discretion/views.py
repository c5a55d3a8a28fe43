from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from transferwatch.accounts.access import permission_or_404
from transferwatch.audit.services import record
from transferwatch.cases.models import Inquiry
from transferwatch.discretion import services
from transferwatch.discretion.forms import DECISION_CHOICES, PDFilter, PDRequestForm
from transferwatch.discretion.lists import PD_EXPORT, PD_SORTING, with_days_to_final
from transferwatch.discretion.models import BASES, PERSON_STATUS, PDRequest
from transferwatch.lib import exports, next_moves, workflow
from transferwatch.lib.listing import list_context
from transferwatch.transfers.models import Person


def get_pd_for_user(request: HttpRequest, pk: int) -> PDRequest:
    """The request if the user may see it; else a 404, audited when the request exists."""
    found = (
        PDRequest.objects.visible_to(request.user)
        .select_related("aor", "inquiry", "transfer", "field_decided_by", "hq_decided_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        if PDRequest.objects.filter(pk=pk).exists():
            with transaction.atomic():
                record(
                    "discretion.pdrequest.refused",
                    object_type="discretion.pdrequest",
                    object_id=str(pk),
                    actor=request.user,
                    changes={"action": "view", "reason": "outside scope"},
                )
        raise Http404
    return found


def inquiry_url(inquiry: Inquiry, user: Any) -> str:
    """The inquiry's page, when the cases app has one and the user may open it."""
    if not user.has_perm("cases.view_inquiry"):
        return ""
    try:
        return reverse("inquiry_detail", args=[inquiry.number])
    except NoReverseMatch:
        return ""


@permission_or_404(services.VIEW)
def pd_list(request: HttpRequest) -> HttpResponse:
    form = PDFilter(request.GET or None, user=request.user)
    requests = PDRequest.objects.visible_to(request.user)
    if form.is_valid():
        requests = form.apply(requests)
    elif form.is_bound:
        requests = requests.none()
    ordered, sort = PD_SORTING.apply(with_days_to_final(requests), request.GET.get("sort"))
    if fmt := exports.requested(request):
        return exports.respond(request, PD_EXPORT, ordered, fmt, form=form, sort=sort)
    title = "PD requests"
    if request.user.is_area_scoped:
        title = "PD requests of my area" + ("s" if request.user.areas.count() > 1 else "")
    stats = services.stats(requests)
    context = {
        "form": form,
        **list_context(request, ordered.select_related("aor", "inquiry"), PD_SORTING, sort),
        **exports.links(PD_EXPORT, request.user),
        "stats": stats,
        "status_counts": [(label, stats.by_status[code]) for code, label in PDRequest.STATUSES],
        "title": title,
    }
    template = "discretion/_search.html" if request.htmx else "discretion/list.html"
    return render(request, template, context)


def _detail(
    request: HttpRequest, pd: PDRequest, *, refusal: str = "", revealed: bool = False
) -> HttpResponse:
    steps = workflow.history_rows(pd, services.MOVES, services.LABELS)
    bases = dict(BASES)
    person_status = dict(PERSON_STATUS)
    context = {
        "pd": pd,
        "bases": [bases.get(b, b) for b in pd.bases],
        "person_status": [person_status.get(s, s) for s in pd.person_status],
        "person": pd.person,
        "revealed": revealed,
        "can_see_person": request.user.has_perm("transfers.view_person"),
        "inquiry_url": inquiry_url(pd.inquiry, request.user),
        "steps": steps,
        "actions": services.allowed(pd, request.user),
        "outlook": next_moves.for_record(
            services.MOVES, pd, request.user, services.allowed(pd, request.user)
        ),
        "decisions": DECISION_CHOICES,
        "refusal": refusal,
        "posted_action": request.resolver_match.kwargs.get("action", "")
        if refusal and request.resolver_match
        else "",
        "posted_text": request.POST.get("text", "") if refusal else "",
        "posted_decision": request.POST.get("decision", "") if refusal else "",
    }
    return render(request, "discretion/detail.html", context, status=403 if refusal else 200)


@permission_or_404(services.VIEW)
def pd_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_pd_for_user(request, pk))


@require_POST
@permission_or_404(services.VIEW)
def pd_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take a move; outside the user's scope a 404, a refusal shown on the page (both audited)."""
    if action not in services.MOVES:
        raise Http404
    # Not scoped here: the workflow checks scope itself and audits an attempt from outside it.
    pd = get_object_or_404(PDRequest, pk=pk)
    decision = request.POST.get("decision", "") if services.MOVES[action].fields else None
    try:
        services.act(pd, action, request.user, request.POST.get("text", ""), decision)
    except services.Refused as exc:
        return _detail(request, get_pd_for_user(request, pk), refusal=str(exc))
    messages.success(request, f"{services.MOVES[action].label}: done.")
    return redirect("pd_detail", pk=pk)


@require_POST
@permission_or_404(services.VIEW, "transfers.reveal_person")
def pd_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the person's identifying fields; every reveal is an audited access."""
    pd = get_pd_for_user(request, pk)
    with transaction.atomic():
        record(
            "transfers.person.revealed",
            pd.person,
            actor=request.user,
            changes={"fields": list(Person.SENSITIVE), "via": "discretion.pdrequest", "pd": pd.pk},
        )
    if request.htmx:
        context = {"pd": pd, "person": pd.person, "revealed": True}
        return render(request, "discretion/_identity.html", context)
    return _detail(request, pd, revealed=True)


@permission_or_404(services.VIEW, services.ADD)
def pd_new(request: HttpRequest) -> HttpResponse:
    """A draft PD request from an inquiry at any stage but closed."""
    inquiry_id = request.GET.get("inquiry", "")
    if not inquiry_id.isdigit():
        # Reached without an inquiry (typed, bookmarked): say where PD requests start.
        return render(request, "discretion/start.html", status=400)
    inquiry = get_object_or_404(
        Inquiry.objects.visible_to(request.user).select_related("allegation"), pk=int(inquiry_id)
    )
    if inquiry.status == "closed":
        messages.error(request, f"Inquiry {inquiry.number} is closed: no PD request can be made.")
        return render(
            request,
            "discretion/new.html",
            {"inquiry": inquiry, "closed": True, "inquiry_url": inquiry_url(inquiry, request.user)},
            status=409,
        )
    form = PDRequestForm(request.POST or None, inquiry=inquiry)
    if request.method == "POST" and form.is_valid():
        pd = services.create(request.user, inquiry, **form.values())
        messages.success(request, f"{pd.number} saved as a draft. Submit it to send it to ICE.")
        return redirect("pd_detail", pk=pd.pk)
    context = {
        "inquiry": inquiry,
        "form": form,
        "inquiry_url": inquiry_url(inquiry, request.user),
        "no_people": not form.fields["person"].queryset.exists(),  # type: ignore[attr-defined]
    }
    return render(request, "discretion/new.html", context)


@permission_or_404(services.VIEW, services.CHANGE)
def pd_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a draft before it is submitted."""
    pd = get_pd_for_user(request, pk)
    if pd.status != "draft":
        messages.error(request, "Only a draft can be edited.")
        return redirect("pd_detail", pk=pk)
    initial = {
        "person": pd.person_id,
        "transfer": pd.transfer_id,
        "aor": pd.aor.code,
        "bases": pd.bases,
        "person_status": pd.person_status,
        "agency_conduct": pd.agency_conduct,
        "person_conduct": pd.person_conduct,
        "other_facts": pd.other_facts,
        "hq_review_requested": pd.hq_review_requested,
    }
    form = PDRequestForm(request.POST or None, initial=initial, inquiry=pd.inquiry)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_draft(pd, request.user, **form.values())
        except services.Refused as exc:
            messages.error(request, f"Not saved: {exc}.")
        else:
            messages.success(request, f"{pd.number} saved.")
        return redirect("pd_detail", pk=pk)
    context = {
        "inquiry": pd.inquiry,
        "pd": pd,
        "form": form,
        "inquiry_url": inquiry_url(pd.inquiry, request.user),
        "no_people": False,
    }
    return render(request, "discretion/new.html", context)
