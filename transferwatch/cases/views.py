"""Staff pages of the cases app: allegations (list, entry, triage) and CRCL inquiries.

Anything a user may not see is a 404 (`permission_or_404`, `visible_to`). Status changes go
through `cases.moves` (the workflow engine); a refused move is shown on the record's page, the
record is unchanged and the attempt is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from transferwatch.accounts.access import permission_or_404
from transferwatch.cases import moves, services
from transferwatch.cases.forms import (
    AllegationFilter,
    EntryForm,
    OfficerReportForm,
    RecommendationForm,
    StaffAllegationForm,
)
from transferwatch.cases.lists import (
    ALLEGATION_EXPORT,
    ALLEGATION_SORTING,
    INQUIRY_EXPORT,
    INQUIRY_SORTING,
)
from transferwatch.cases.models import Allegation, Attachment, Inquiry, Recommendation
from transferwatch.lib import exports, next_moves, workflow
from transferwatch.lib.listing import list_context

VIEW = "cases.view_allegation"
REPORT = "cases.report_allegation"
TEXT_LABELS = {
    "start": "Investigation plan",
    "findings": "Findings",
    "respond": "The component's response, in its words",
    "referral_answer": "The other office's answer",
}


def get_allegation_for_user(request: HttpRequest, number: str) -> Allegation:
    allegations = Allegation.objects.visible_to(request.user).select_related(
        "agency", "merged_into"
    )
    return get_object_or_404(allegations, number=number)


def get_inquiry_for_user(request: HttpRequest, number: str) -> Inquiry:
    inquiries = Inquiry.objects.visible_to(request.user)
    return get_object_or_404(
        inquiries.select_related("agency", "allegation", "investigator", "closed_by"), number=number
    )


def _actions(
    table: dict[str, workflow.Move], obj: Any, user: Any, visible: Any
) -> list[dict[str, Any]]:
    return [
        {"name": name, "move": m, "text_label": TEXT_LABELS.get(name, "Reason")}
        for name, m in moves.available(table, obj, user, visible)
    ]


@login_required
def allegation_list(request: HttpRequest) -> HttpResponse:
    if not (request.user.has_perm(VIEW) or request.user.has_perm(REPORT)):
        raise Http404
    form = AllegationFilter(request.GET or None)
    allegations = Allegation.objects.visible_to(request.user)
    if form.is_valid():
        allegations = form.apply(allegations)
    elif form.is_bound:
        allegations = allegations.none()
    allegations, sort = ALLEGATION_SORTING.apply(allegations, request.GET.get("sort"))
    if fmt := exports.requested(request):
        return exports.respond(request, ALLEGATION_EXPORT, allegations, fmt, form=form, sort=sort)
    context = {
        "form": form,
        **list_context(request, allegations.select_related("agency"), ALLEGATION_SORTING, sort),
        **exports.links(ALLEGATION_EXPORT, request.user),
    }
    return render(request, "cases/allegation_list.html", context)


def _allegation_page(
    request: HttpRequest, allegation: Allegation, *, revealed: bool = False, refusal: str = ""
) -> HttpResponse:
    user = request.user
    crcl = user.has_perm(VIEW)
    context: dict[str, Any] = {
        "allegation": allegation,
        "crcl": crcl,
        "revealed": revealed and crcl,
        "can_reveal": crcl and user.has_perm("cases.change_allegation"),
        "people": allegation.people.all(),
        "refusal": refusal,
        # A refused form keeps what was typed.
        "posted": request.POST if refusal else {},
        "posted_action": request.resolver_match.kwargs.get("action", "") if refusal else "",
    }
    if crcl:
        context.update(
            transfers=allegation.transfers.select_related("aor", "agency"),
            attachments=allegation.attachments.all(),
            related=allegation.related.all(),
            merged=allegation.merged.all(),
            inquiries=allegation.inquiries.all(),
            steps=workflow.history_rows(
                allegation, moves.ALLEGATION_MOVES, {"created": "Received"}
            ),
            actions=_actions(
                moves.ALLEGATION_MOVES, allegation, user, Allegation.objects.visible_to
            ),
            investigators=services.investigators(),
            transfer_suggestions=services.transfer_suggestions(allegation)
            if user.has_perm("cases.change_allegation")
            else [],
        )
        if allegation.status in ("received", "triaged"):
            context["duplicates"] = services.possible_duplicates(allegation)
            context["duplicates_shown"] = services.DUPLICATES_SHOWN
    context["outlook"] = next_moves.for_record(
        moves.ALLEGATION_MOVES, allegation, user, context.get("actions", [])
    )
    return render(request, "cases/allegation_detail.html", context, status=403 if refusal else 200)


@login_required
def allegation_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _allegation_page(request, get_allegation_for_user(request, number))


@require_POST
@permission_or_404(VIEW, "cases.change_allegation")
def allegation_reveal(request: HttpRequest, number: str) -> HttpResponse:
    allegation = get_allegation_for_user(request, number)
    services.reveal_people(allegation, request.user)
    return _allegation_page(request, allegation, revealed=True)


@require_POST
@permission_or_404(VIEW, "cases.change_allegation")
def allegation_transfer(request: HttpRequest, number: str) -> HttpResponse:
    """Link (or unlink) a transfer request, by its number, to the allegation."""
    from transferwatch.transfers.models import TransferRequest

    allegation = get_allegation_for_user(request, number)
    raw = request.POST.get("transfer", "").strip().lstrip("#")
    transfer = (
        TransferRequest.objects.visible_to(request.user).filter(pk=int(raw)).first()
        if raw.isdigit()
        else None
    )
    if transfer is None:
        messages.error(request, f"No transfer request #{raw or '?'} that you may see.")
    else:
        unlink = request.POST.get("unlink") == "on"
        services.link_transfer(allegation, transfer, request.user, unlink=unlink)
        messages.success(
            request, f"Transfer request #{transfer.pk} {'unlinked' if unlink else 'linked'}."
        )
    return redirect("allegation_detail", number=number)


@require_POST
@login_required
def allegation_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    # Scope is checked by the workflow, so that an attempt outside it is audited (then a 404).
    allegation = get_object_or_404(Allegation, number=number)
    data = {k: request.POST.get(k, "") for k in ("agency", "other", "investigator", "office")}
    try:
        moves.allegation_move(
            allegation, action, request.user, request.POST.get("text", ""), **data
        )
    except workflow.Refused as exc:
        return _allegation_page(request, allegation, refusal=str(exc))
    messages.success(request, f"{moves.ALLEGATION_MOVES[action].label}: done.")
    return redirect("allegation_detail", number=number)


def _create(request: HttpRequest, form_class: Any, template: str, **fixed: str) -> HttpResponse:
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = form.allegation_data(
            fixed.get("source") or d["source"],
            fixed.get("channel") or d["channel"],
            d.get("language") or "en",
        )
        allegation, _ = services.create_allegation(data, request.user, d["attachments"])
        messages.success(request, f"Allegation {allegation.number} recorded.")
        return redirect("allegation_detail", number=allegation.number)
    status = 400 if form.is_bound else 200
    return render(request, template, {"form": form}, status=status)


@permission_or_404("cases.add_allegation")
def allegation_new(request: HttpRequest) -> HttpResponse:
    """A complaint CRCL received by mail, e-mail, fax, phone or in person."""
    return _create(request, StaffAllegationForm, "cases/allegation_new.html")


@permission_or_404(REPORT)
def allegation_report(request: HttpRequest) -> HttpResponse:
    """An ICE officer reports improper conduct by a local agency."""
    return _create(
        request,
        OfficerReportForm,
        "cases/allegation_report.html",
        source="ice_officer",
        channel="ice_form",
    )


@permission_or_404("cases.open_attachment")
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(Attachment, pk=pk)
    if attachment.allegation_id is not None:
        visible = Allegation.objects.visible_to(request.user).filter(pk=attachment.allegation_id)
    elif attachment.inquiry_id is not None:
        visible = Inquiry.objects.visible_to(request.user).filter(pk=attachment.inquiry_id)
    else:
        raise Http404
    if not visible.exists():
        raise Http404
    path = services.attachment_path(attachment)
    if not path.is_file():
        raise Http404
    services.record_download(attachment, request.user)
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@permission_or_404("cases.view_inquiry")
def inquiry_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "mine")
    inquiries = Inquiry.objects.visible_to(request.user)
    if show == "overdue":
        inquiries = inquiries.overdue()
    elif show == "all":
        pass
    else:
        show = "mine"
        inquiries = inquiries.filter(investigator=request.user)
    inquiries, sort = INQUIRY_SORTING.apply(inquiries, request.GET.get("sort"))
    if fmt := exports.requested(request):
        return exports.respond(
            request, INQUIRY_EXPORT, inquiries, fmt, filters={"show": show}, sort=sort
        )
    inquiries = inquiries.select_related("agency", "allegation", "investigator")
    context = {
        "show": show,
        **list_context(request, inquiries, INQUIRY_SORTING, sort),
        **exports.links(INQUIRY_EXPORT, request.user),
    }
    return render(request, "cases/inquiry_list.html", context)


def _inquiry_page(
    request: HttpRequest,
    inquiry: Inquiry,
    *,
    refusal: str = "",
    entry_form: EntryForm | None = None,
    recommendation_form: RecommendationForm | None = None,
) -> HttpResponse:
    user = request.user
    can_work = user.has_perm("cases.change_inquiry")
    recommendations = list(inquiry.recommendations.select_related("recorded_by"))
    context = {
        "inquiry": inquiry,
        "entries": inquiry.entries.select_related("author").prefetch_related("attachments"),
        "recommendations": recommendations,
        "awaiting": [r for r in recommendations if not r.response],
        "responses": [c for c in Recommendation.RESPONSES if c[0]],
        "actions": _actions(moves.INQUIRY_MOVES, inquiry, user, Inquiry.objects.visible_to),
        "steps": workflow.history_rows(inquiry, moves.INQUIRY_MOVES, {"created": "Opened"}),
        "pd_requests": inquiry.pd_requests.all()
        if user.has_perm("discretion.view_pdrequest")
        else [],
        "entry_form": entry_form or EntryForm(),
        "recommendation_form": recommendation_form or RecommendationForm(),
        "can_add_entry": can_work and inquiry.status in services.OPEN_FILE_STATES,
        "can_add_recommendation": can_work and inquiry.status in ("investigating", "findings"),
        "refusal": refusal,
        # A refused form keeps what was typed.
        "posted": request.POST if refusal else {},
        "posted_action": request.resolver_match.kwargs.get("action", "") if refusal else "",
    }
    context["outlook"] = next_moves.for_record(
        moves.INQUIRY_MOVES, inquiry, user, context["actions"]
    )
    bad = refusal or (entry_form is not None and entry_form.errors)
    bad = bad or (recommendation_form is not None and recommendation_form.errors)
    return render(
        request,
        "cases/inquiry_detail.html",
        context,
        status=403 if refusal else 400 if bad else 200,
    )


@permission_or_404("cases.view_inquiry")
def inquiry_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _inquiry_page(request, get_inquiry_for_user(request, number))


@require_POST
@login_required
def inquiry_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    # Scope is checked by the workflow, so that an attempt outside it is audited (then a 404).
    inquiry = get_object_or_404(Inquiry, number=number)
    data: dict[str, Any] = {"response": request.POST.get("response", "")}
    if request.POST.get("recommendation", "").isdigit():
        data["recommendation"] = int(request.POST["recommendation"])
    try:
        moves.inquiry_move(inquiry, action, request.user, request.POST.get("text", ""), **data)
    except workflow.Refused as exc:
        return _inquiry_page(request, inquiry, refusal=str(exc))
    messages.success(request, f"{moves.INQUIRY_MOVES[action].label}: done.")
    return redirect("inquiry_detail", number=number)


@require_POST
@permission_or_404("cases.view_inquiry", "cases.change_inquiry")
def inquiry_entry(request: HttpRequest, number: str) -> HttpResponse:
    inquiry = get_inquiry_for_user(request, number)
    form = EntryForm(request.POST, request.FILES)
    if not form.is_valid():
        return _inquiry_page(request, inquiry, entry_form=form)
    d = form.cleaned_data
    try:
        services.add_entry(
            inquiry, request.user, d["kind"], d["text"], d.get("on_date"), d.get("place", ""),
            d["attachments"],
        )  # fmt: skip
    except workflow.Refused as exc:
        return _inquiry_page(request, inquiry, refusal=str(exc))
    messages.success(request, "Added to the inquiry's file.")
    return redirect("inquiry_detail", number=number)


@require_POST
@permission_or_404("cases.view_inquiry", "cases.change_inquiry")
def inquiry_recommendation(request: HttpRequest, number: str) -> HttpResponse:
    inquiry = get_inquiry_for_user(request, number)
    form = RecommendationForm(request.POST)
    if not form.is_valid():
        return _inquiry_page(request, inquiry, recommendation_form=form)
    try:
        rec = services.add_recommendation(inquiry, request.user, form.cleaned_data["text"])
    except workflow.Refused as exc:
        return _inquiry_page(request, inquiry, refusal=str(exc))
    messages.success(request, f"Recommendation {rec.number} added.")
    return redirect("inquiry_detail", number=number)
