from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from transferwatch.accounts.access import permission_or_404
from transferwatch.agencies.models import Agency
from transferwatch.audit.services import record
from transferwatch.cases.forms import refusal_message
from transferwatch.cases.services import AttachmentRefused, stored_path
from transferwatch.escalations import letters, services
from transferwatch.escalations.forms import (
    EscalationFilter,
    EscalationForm,
    EvidenceForm,
    MeasureForm,
    NewDueDateForm,
    default_recipient,
)
from transferwatch.escalations.lists import (
    ESCALATION_EXPORT,
    ESCALATION_SORTING,
    MEASURE_EXPORT,
    MEASURE_SORTING,
)
from transferwatch.escalations.models import (
    DEFAULT_LEGAL_BASIS,
    KINDS,
    Escalation,
    MeasureEvidence,
    RemedialMeasure,
)
from transferwatch.lib import csp, exports, next_moves, workflow
from transferwatch.lib.listing import list_context

VIEW = "escalations.view_escalation"
VIEW_MEASURE = "escalations.view_remedialmeasure"


def get_escalation_for_user(request: HttpRequest, pk: int) -> Escalation:
    escalations = Escalation.objects.visible_to(request.user).select_related("agency")
    return get_object_or_404(escalations, pk=pk)


def get_measure_for_user(request: HttpRequest, pk: int) -> RemedialMeasure:
    measures = RemedialMeasure.objects.visible_to(request.user).select_related("agency")
    return get_object_or_404(measures, pk=pk)


def _agency_from_query(request: HttpRequest) -> Agency | None:
    ori = request.GET.get("agency") or request.POST.get("agency") or ""
    return Agency.objects.visible_to(request.user).filter(ori=ori).first() if ori else None


def _available(moves: dict[str, workflow.Move], obj: Any, user: Any) -> list[tuple[str, Any]]:
    """The moves to offer on a page the user may see. A check that judges what the move's form
    asks for (`fields`) is left to the move itself: the form is shown, the engine decides."""
    return [
        (name, m)
        for name, m in moves.items()
        if obj.status in m.sources
        and user.has_perm(m.permission)
        and (m.fields or m.check is None or m.check(obj, user, {}) is None)
    ]


# Escalations -------------------------------------------------------------------------------


@permission_or_404(VIEW)
def escalation_list(request: HttpRequest) -> HttpResponse:
    form = EscalationFilter(request.GET or None)
    visible = Escalation.objects.visible_to(request.user)
    escalations = visible
    if form.is_valid():
        if kind := form.cleaned_data["kind"]:
            escalations = escalations.filter(kind=kind)
        if status := form.cleaned_data["status"]:
            escalations = escalations.filter(status=status)
    elif form.is_bound:
        escalations = escalations.none()
    escalations, sort = ESCALATION_SORTING.apply(escalations, request.GET.get("sort"))
    if fmt := exports.requested(request):
        return exports.respond(request, ESCALATION_EXPORT, escalations, fmt, form=form, sort=sort)
    rows = escalations.select_related("agency")
    context = {
        "form": form,
        **list_context(request, rows, ESCALATION_SORTING, sort),
        **exports.links(ESCALATION_EXPORT, request.user),
        "can_add": request.user.has_perm(services.ADD),
        "waiting": visible.filter(status="draft").count()
        if request.user.has_perm(services.APPROVE)
        else None,
    }
    return render(request, "escalations/list.html", context)


@permission_or_404(services.ADD)
def escalation_new(request: HttpRequest) -> HttpResponse:
    agency = _agency_from_query(request)
    if request.method == "POST":
        form = EscalationForm(request.POST, user=request.user, agency=agency)
        if form.is_valid():
            e = services.create_escalation(
                request.user, form.model_fields(), list(form.cleaned_data["inquiries"])
            )
            messages.success(request, f"Draft {e.number} saved. A supervisor must approve it.")
            return redirect("escalation_detail", pk=e.pk)
    else:
        kind = request.GET.get("kind", "leadership")
        kind = kind if kind in dict(KINDS) else "leadership"
        initial = {
            "kind": kind,
            "agency": agency.ori if agency else None,
            "recipient": default_recipient(kind, agency),
            "legal_basis": DEFAULT_LEGAL_BASIS.get(kind, ""),
        }
        form = EscalationForm(user=request.user, agency=agency, initial=initial)
    # For the page's script: changing the kind changes the prefilled recipient and basis.
    kind_defaults = {
        code: {
            "recipient": default_recipient(code, agency),
            "legal_basis": DEFAULT_LEGAL_BASIS.get(code, ""),
        }
        for code, _label in KINDS
    }
    context = {
        "form": form,
        "agency": agency,
        "escalation": None,
        "kinds": KINDS,
        "kind_defaults": kind_defaults,
    }
    return render(request, "escalations/form.html", context)


@permission_or_404(services.CHANGE)
def escalation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    e = get_escalation_for_user(request, pk)
    if e.status != "draft":
        messages.error(request, "Only a draft can be edited.")
        return redirect("escalation_detail", pk=e.pk)
    form = EscalationForm.for_escalation(
        e, request.user, request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_escalation(
                e, request.user, form.model_fields(), list(form.cleaned_data["inquiries"])
            )
        except workflow.Refused as exc:
            messages.error(request, f"Not saved: {exc}.")
        return redirect("escalation_detail", pk=e.pk)
    context = {"form": form, "agency": e.agency, "escalation": e, "kinds": KINDS}
    return render(request, "escalations/form.html", context)


@permission_or_404(VIEW)
def escalation_detail(request: HttpRequest, pk: int, refusal: str = "") -> HttpResponse:
    e = get_escalation_for_user(request, pk)
    actions = _available(services.MOVES, e, request.user)
    # A supervisor who drafted the letter gets no Approve button; the page says why.
    context = {
        "e": e,
        "actions": actions,
        "outlook": next_moves.for_record(services.MOVES, e, request.user, actions),
        "own_draft": e.status == "draft"
        and e.created_by_id == request.user.pk
        and request.user.has_perm(services.APPROVE),
        "can_edit": e.status == "draft" and request.user.has_perm(services.CHANGE),
        "mismatch": e.kind_mismatch() if e.status in ("draft", "approved") else None,
        "inquiries": e.inquiries.all(),
        "measures": RemedialMeasure.objects.visible_to(request.user).filter(escalation=e),
        "steps": workflow.history_rows(e, services.MOVES),
        "refusal": refusal,
        "posted_action": request.resolver_match.kwargs.get("action", "") if refusal else "",
        "posted_text": request.POST.get("text", "") if refusal else "",
    }
    return render(request, "escalations/detail.html", context, status=403 if refusal else 200)


@require_POST
@permission_or_404(VIEW)
def escalation_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    # Not scoped here: the engine checks the scope itself and audits an attempt outside it (404).
    e = get_object_or_404(Escalation, pk=pk)
    try:
        services.escalation_move(e, action, request.user, request.POST.get("text", ""))
    except workflow.Refused as exc:
        return escalation_detail(request, pk, refusal=str(exc))
    messages.success(request, f"{services.MOVES[action].label}: done.")
    return redirect("escalation_detail", pk=pk)


@permission_or_404(VIEW)
@csp.document
def escalation_letter(request: HttpRequest, pk: int) -> HttpResponse:
    e = get_escalation_for_user(request, pk)
    return HttpResponse(letters.letter_html(e))


@permission_or_404(VIEW)
def escalation_letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    e = get_escalation_for_user(request, pk)
    pdf = letters.to_pdf(letters.letter_html(e))
    # Each download is audited, like the packet and the agency profile.
    changes = {"format": "pdf", "draft": not e.letter_html}
    record("escalations.escalation.pdf", e, actor=request.user, changes=changes)
    response = HttpResponse(pdf, content_type="application/pdf")
    suffix = "" if e.letter_html else "-draft"
    response["Content-Disposition"] = f'inline; filename="{e.number}{suffix}.pdf"'
    return response


# Remedial measures -------------------------------------------------------------------------


@permission_or_404(VIEW_MEASURE)
def measure_list(request: HttpRequest) -> HttpResponse:
    measures = RemedialMeasure.objects.visible_to(request.user)
    status = request.GET.get("status", "")
    if status in dict(RemedialMeasure.STATUSES):
        measures = measures.filter(status=status)
    elif status == "overdue":
        measures = measures.overdue()
    else:
        status = ""
    measures, sort = MEASURE_SORTING.apply(measures, request.GET.get("sort"))
    if fmt := exports.requested(request):
        filters = {"status": status}
        return exports.respond(request, MEASURE_EXPORT, measures, fmt, filters=filters, sort=sort)
    context = {
        **list_context(request, measures.select_related("agency"), MEASURE_SORTING, sort),
        **exports.links(MEASURE_EXPORT, request.user),
        "status": status,
        "statuses": RemedialMeasure.STATUSES,
        "can_add": request.user.has_perm("escalations.add_remedialmeasure"),
    }
    return render(request, "escalations/measure_list.html", context)


@permission_or_404("escalations.add_remedialmeasure")
def measure_new(request: HttpRequest) -> HttpResponse:
    agency = _agency_from_query(request)
    initial: dict[str, Any] = {"agency": agency.ori if agency else None}
    escalation = request.GET.get("escalation")
    if escalation and escalation.isdigit():
        initial["escalation"] = int(escalation)
    form = MeasureForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        agency=agency,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        m = services.create_measure(request.user, form.cleaned_data)
        messages.success(request, f"Remedial measure {m.pk} added.")
        return redirect("measure_detail", pk=m.pk)
    return render(request, "escalations/measure_form.html", {"form": form, "agency": agency})


@permission_or_404(VIEW_MEASURE)
def measure_detail(request: HttpRequest, pk: int, refusal: str = "") -> HttpResponse:
    m = get_measure_for_user(request, pk)
    context = {
        "m": m,
        "actions": _available(services.MEASURE_MOVES, m, request.user),
        "outlook": next_moves.for_record(
            services.MEASURE_MOVES,
            m,
            request.user,
            _available(services.MEASURE_MOVES, m, request.user),
        ),
        "escalation_visible": m.escalation_id is not None
        and Escalation.objects.visible_to(request.user).filter(pk=m.escalation_id).exists(),
        "steps": workflow.history_rows(
            m, services.MEASURE_MOVES, {"evidence_added": "Evidence file added"}
        ),
        "evidence_files": m.evidence_files.select_related("uploaded_by"),
        "can_add_evidence": request.user.has_perm(services.CHANGE_MEASURE)
        and m.status in services.EVIDENCE_STATES,
        "refusal": refusal,
        "posted_action": request.resolver_match.kwargs.get("action", "") if refusal else "",
        "posted_text": request.POST.get("text", "") if refusal else "",
        "posted_evidence": request.POST.get("evidence", "") if refusal else "",
    }
    return render(
        request, "escalations/measure_detail.html", context, status=403 if refusal else 200
    )


@require_POST
@permission_or_404(VIEW_MEASURE)
def measure_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    m = get_object_or_404(RemedialMeasure, pk=pk)  # scope checked and audited by the engine
    data: dict[str, Any] = {}
    evidence = EvidenceForm(request.POST)
    if evidence.is_valid():
        data["evidence"] = evidence.cleaned_data["evidence"]
    due = NewDueDateForm(request.POST)
    if due.is_valid():
        data["due_date"] = due.cleaned_data["due_date"]
    try:
        services.measure_move(m, action, request.user, request.POST.get("text", ""), data)
    except workflow.Refused as exc:
        return measure_detail(request, pk, refusal=str(exc))
    messages.success(request, f"{services.MEASURE_MOVES[action].label}: done.")
    return redirect("measure_detail", pk=pk)


@require_POST
@permission_or_404(VIEW_MEASURE)
def measure_evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add one evidence file; a refused file or move is shown on the measure's page."""
    m = get_measure_for_user(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        return measure_detail(request, pk, refusal="choose a file to add")
    try:
        services.add_evidence_file(m, upload, request.user)
    except workflow.Refused as exc:
        return measure_detail(request, pk, refusal=str(exc))
    except AttachmentRefused as exc:
        return measure_detail(request, pk, refusal=refusal_message(exc).rstrip("."))
    messages.success(request, "Evidence file added.")
    return redirect("measure_detail", pk=pk)


@permission_or_404(VIEW_MEASURE)
def measure_evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_object_or_404(MeasureEvidence, pk=pk)
    get_measure_for_user(request, evidence.measure_id)  # 404 outside scope
    path = stored_path(evidence.stored_name)
    if not path.is_file():
        raise Http404
    services.record_evidence_download(evidence, request.user)
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
