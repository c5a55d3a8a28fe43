from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from transferwatch.accounts.access import permission_or_404
from transferwatch.lib import csp, next_moves, workflow
from transferwatch.meetings import agenda, services
from transferwatch.meetings.forms import (
    ActionItemForm,
    AgendaFormSet,
    AttendeeFormSet,
    MeetingForm,
    MinutesForm,
)
from transferwatch.meetings.models import ActionItem, Meeting
from transferwatch.reports.models import Packet

VIEW = services.VIEW
CHANGE = services.CHANGE
STEP_LABELS = {
    "created": "Created",
    "edited_details": "Details edited",
    "edited_agenda": "Agenda edited",
    "drafted_agenda": "Agenda drafted from open records",
    "edited_attendees": "Attendees edited",
    "edited_minutes": "Minutes edited",
    "edited_action_item": "Action item added",
    **{name: m.label for name, m in services.MOVES.items()},
}


def get_meeting_for_user(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(Meeting.objects.visible_to(request.user), pk=pk)


def _refused(request: HttpRequest, pk: int, exc: workflow.Refused) -> HttpResponse:
    """The meeting page with why (403): nothing was changed, and the attempt was audited."""
    return meeting_detail(request, pk, refusal=str(exc))


@permission_or_404(VIEW)
def meeting_list(request: HttpRequest) -> HttpResponse:
    upcoming, past = services.upcoming_and_past(request.user)
    context = {"upcoming": upcoming, "past": past, "can_add": request.user.has_perm(services.ADD)}
    return render(request, "meetings/list.html", context)


@permission_or_404(services.ADD)
def meeting_new(request: HttpRequest) -> HttpResponse:
    form = MeetingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        m = services.create_meeting(request.user, form.cleaned_data)
        carried = m.action_items.count()
        note = (
            f" {carried} open action item{'s' if carried != 1 else ''} carried." if carried else ""
        )
        messages.success(request, f"{m} planned.{note}")
        return redirect("meeting_detail", pk=m.pk)
    return render(request, "meetings/form.html", {"form": form, "meeting": None})


@permission_or_404(CHANGE)
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_meeting_for_user(request, pk)
    form = MeetingForm.for_meeting(m, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_fields(m, request.user, "details", form.cleaned_data)
        except workflow.Refused as exc:
            return _refused(request, m.pk, exc)
        return redirect("meeting_detail", pk=m.pk)
    return render(request, "meetings/form.html", {"form": form, "meeting": m})


def _agenda_rows(m: Meeting, user: Any) -> list[dict[str, Any]]:
    rows = []
    for item in m.agenda.all():
        links = [
            {"label": link.get("label", ""), "url": agenda.link_url(link, user)}
            for link in item.links
        ]
        rows.append({"item": item, "links": links})
    return rows


def _action_items(m: Meeting) -> list[ActionItem]:
    items = list(
        m.action_items.select_related("owner", "carried_from__meeting").prefetch_related(
            "carried_to__meeting"
        )
    )
    return items


@permission_or_404(VIEW)
def meeting_detail(request: HttpRequest, pk: int, refusal: str = "") -> HttpResponse:
    m = get_meeting_for_user(request, pk)
    user = request.user
    can_change = user.has_perm(CHANGE)
    context = {
        "m": m,
        "agenda_rows": _agenda_rows(m, user),
        "attendees": m.attendees.select_related("user"),
        "action_items": _action_items(m),
        "actions": workflow.allowed(services.MOVES, m, user, Meeting.objects.visible_to),
        "outlook": next_moves.for_record(
            services.MOVES,
            m,
            user,
            workflow.allowed(services.MOVES, m, user, Meeting.objects.visible_to),
        ),
        "can_edit": {what: can_change and m.status in s for what, s in services.EDITS.items()},
        "can_close_items": user.has_perm(services.CHANGE_ITEM),
        "item_form": ActionItemForm() if can_change and m.status == "held" else None,
        "late_items": services.open_items_before(m)
        if can_change and m.status != "minutes_approved" and m.next() is None
        else 0,
        "previous": m.previous(),
        "next": m.next(),
        "steps": workflow.history_rows(m, services.MOVES, STEP_LABELS),
        "refusal": refusal,
        "packet": Packet.objects.visible_to(user)
        .filter(quarter=m.quarter, status="done")
        .order_by("-finished_at")
        .first(),
    }
    return render(request, "meetings/detail.html", context, status=403 if refusal else 200)


@permission_or_404(VIEW)
@csp.document
def meeting_print(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_meeting_for_user(request, pk)
    context = {
        "m": m,
        "agenda_rows": _agenda_rows(m, request.user),
        "attendees": m.attendees.select_related("user"),
        "action_items": _action_items(m),
    }
    return render(request, "meetings/print.html", context)


@require_POST
@login_required  # the engine checks the scope itself and audits an attempt outside it (404)
def meeting_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    m = get_object_or_404(Meeting, pk=pk)
    try:
        services.meeting_move(m, action, request.user, request.POST.get("text", ""))
    except workflow.Refused as exc:
        return _refused(request, pk, exc)
    else:
        messages.success(request, f"{services.MOVES[action].label}: done.")
    return redirect("meeting_detail", pk=pk)


@require_POST
@permission_or_404(CHANGE)
def meeting_draft_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_meeting_for_user(request, pk)
    try:
        items = services.draft_agenda(m, request.user)
    except workflow.Refused as exc:
        return _refused(request, pk, exc)
    else:
        drafted = sum(1 for item in items if item.drafted)
        messages.success(request, f"Agenda drafted: {drafted} item(s) from open records.")
    return redirect("meeting_detail", pk=pk)


@permission_or_404(CHANGE)
def meeting_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_meeting_for_user(request, pk)
    data = request.POST if request.method == "POST" else None
    formset = AgendaFormSet(data, queryset=m.agenda.all(), prefix="agenda")
    if request.method == "POST" and formset.is_valid():

        def change(locked: Meeting) -> list[str]:
            items = formset.save(commit=False)
            for item in items:
                item.meeting = locked
                item.drafted = False  # written or changed by staff: kept when drafting again
                item.save()
            for item in formset.deleted_objects:
                item.delete()
            return ["agenda"] if items or formset.deleted_objects else []

        try:
            services.edit(m, request.user, "agenda", change)
        except workflow.Refused as exc:
            return _refused(request, pk, exc)
        return redirect("meeting_detail", pk=pk)
    return render(request, "meetings/agenda_form.html", {"m": m, "formset": formset})


@permission_or_404(CHANGE)
def meeting_attendees(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_meeting_for_user(request, pk)
    data = request.POST if request.method == "POST" else None
    formset = AttendeeFormSet(data, queryset=m.attendees.all(), prefix="attendees")
    if request.method == "POST" and formset.is_valid():

        def change(locked: Meeting) -> list[str]:
            people = formset.save(commit=False)
            for person in people:
                person.meeting = locked
                person.save()
            for person in formset.deleted_objects:
                person.delete()
            return ["attendees"] if people or formset.deleted_objects else []

        try:
            services.edit(m, request.user, "attendees", change)
        except workflow.Refused as exc:
            return _refused(request, pk, exc)
        return redirect("meeting_detail", pk=pk)
    return render(request, "meetings/attendees_form.html", {"m": m, "formset": formset})


@permission_or_404(CHANGE)
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_meeting_for_user(request, pk)
    initial = {"minutes": m.minutes, "decisions": m.decisions}
    form = MinutesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_fields(m, request.user, "minutes", form.cleaned_data)
        except workflow.Refused as exc:
            return _refused(request, pk, exc)
        return redirect("meeting_detail", pk=pk)
    return render(request, "meetings/minutes_form.html", {"m": m, "form": form})


@require_POST
@permission_or_404(CHANGE)
def action_item_new(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_meeting_for_user(request, pk)
    form = ActionItemForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Action item not added: "
            + " ".join(form.errors.get("__all__", []) or ["check the fields."]),
        )
        return redirect("meeting_detail", pk=pk)
    try:
        services.add_action_item(m, request.user, form.cleaned_data)
    except workflow.Refused as exc:
        return _refused(request, pk, exc)
    else:
        messages.success(request, "Action item added.")
    return redirect("meeting_detail", pk=pk)


@require_POST
@login_required  # as meeting_act
def action_item_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    item = get_object_or_404(ActionItem, pk=pk)
    try:
        services.item_move(item, action, request.user, request.POST.get("text", ""))
    except workflow.Refused as exc:
        return _refused(request, item.meeting_id, exc)
    else:
        messages.success(request, f"{services.ACTION_MOVES[action].label}: done.")
    return redirect("meeting_detail", pk=item.meeting_id)


@require_POST
@permission_or_404(services.CHANGE_ITEM)
def meeting_carry(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_meeting_for_user(request, pk)
    if m.next() is not None:
        raise Http404
    try:
        carried = services.carry_late_items(m, request.user)
    except workflow.Refused as exc:
        return _refused(request, pk, exc)
    else:
        messages.success(request, f"{len(carried)} open action item(s) carried to this meeting.")
    return redirect("meeting_detail", pk=pk)
