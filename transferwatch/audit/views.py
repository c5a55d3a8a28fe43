from __future__ import annotations

import json

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from transferwatch.accounts.access import permission_or_404
from transferwatch.audit.models import Event
from transferwatch.audit.services import verify_chain
from transferwatch.lib import exports
from transferwatch.lib.listing import Column, Sorting, list_context


class EventFilter(forms.Form):
    action = forms.CharField(label="Action starts with", required=False, max_length=100)
    actor = forms.CharField(label="User", required=False, max_length=150)
    object_type = forms.CharField(label="Record type", required=False, max_length=60)
    object_id = forms.CharField(label="Record id", required=False, max_length=64)
    access_only = forms.BooleanField(label="Only access to personal data", required=False)


EVENT_SORTING = Sorting(
    [
        Column("seq", "#", ("seq",), desc_first=True),
        Column("at", "Time (UTC)", ("at",), desc_first=True),
        Column("user", "User", ("actor_name",)),
        Column("role", "Role", ("role",)),
        Column("action", "Action", ("action",)),
        Column("record", "Record", ("object_type", "object_id")),
        Column("changes", "Changes"),
        Column("request", "Request"),
    ],
    default="-seq",
)
# The trail holds no personal data (audit/services.py, `record`): nothing here to mask.
EVENT_EXPORT = exports.ExportSpec(
    "audit-log",
    [
        exports.Field("#", lambda e: e.seq),
        exports.Field("Time (UTC)", lambda e: e.at),
        exports.Field("User", lambda e: e.actor_name),
        exports.Field("Role", lambda e: e.role),
        exports.Field("Action", lambda e: e.action),
        exports.Field("Record type", lambda e: e.object_type),
        exports.Field("Record id", lambda e: e.object_id),
        exports.Field("Changes", lambda e: json.dumps(e.changes, ensure_ascii=False)),
        exports.Field("Request", lambda e: e.request_id),
        exports.Field("Hash", lambda e: e.hash),
    ],
)


@permission_or_404("audit.view_event")
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilter(request.GET or None)
    events = Event.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action__startswith=data["action"])
        if data["actor"]:
            events = events.filter(actor_name=data["actor"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["object_id"]:
            events = events.filter(object_id=data["object_id"])
        if data["access_only"]:
            events = events.filter(action__endswith=".revealed")
    elif form.is_bound:
        events = events.none()
    events, sort = EVENT_SORTING.apply(events, request.GET.get("sort"))
    if fmt := exports.requested(request):
        return exports.respond(request, EVENT_EXPORT, events, fmt, form=form, sort=sort)
    context = {
        "form": form,
        **list_context(request, events, EVENT_SORTING, sort, per_page=100),
        **exports.links(EVENT_EXPORT, request.user),
    }
    return render(request, "audit/list.html", context)


@require_POST
@permission_or_404("audit.view_event")
def verify(request: HttpRequest) -> HttpResponse:
    result = verify_chain()
    return render(request, "audit/_verify.html", {"result": result})
