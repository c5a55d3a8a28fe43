from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from transferwatch.accounts.access import permission_or_404
from transferwatch.audit.models import Event
from transferwatch.audit.services import verify_chain


class EventFilter(forms.Form):
    action = forms.CharField(label="Action starts with", required=False, max_length=100)
    actor = forms.CharField(label="User", required=False, max_length=150)
    object_type = forms.CharField(label="Record type", required=False, max_length=60)
    object_id = forms.CharField(label="Record id", required=False, max_length=64)
    access_only = forms.BooleanField(label="Only access to personal data", required=False)


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
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"form": form, "page": page})


@require_POST
@permission_or_404("audit.view_event")
def verify(request: HttpRequest) -> HttpResponse:
    result = verify_chain()
    return render(request, "audit/_verify.html", {"result": result})
