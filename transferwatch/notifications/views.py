from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from transferwatch.accounts.access import permission_or_404
from transferwatch.lib import exports
from transferwatch.lib.listing import Column, Sorting, list_context
from transferwatch.lib.workflow import Refused
from transferwatch.notifications import services
from transferwatch.notifications.models import RETRY, VIEW, Attachment, Message, Preference


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        choices=Preference.DELIVERIES,
        widget=forms.RadioSelect,
        label="Send me notices of new work and due dates",
    )


OUTBOX_SORTING = Sorting(
    [
        Column("queued", "Queued", ("queued_at",), desc_first=True),
        Column("kind", "What", ("kind", "queued_at")),
        Column("record", "Record", ("record_number", "queued_at")),
        Column("to", "To"),
        Column("subject", "Subject and attachments", ("subject", "queued_at")),
        Column("status", "Status", ("status", "queued_at")),
        Column("sent", "Sent", ("sent_at",), desc_first=True),
        Column("attempts", "Attempts", ("attempts", "queued_at"), numeric=True),
    ],
    default="-queued",
)
# Addresses and subjects, never a message's body (a letter's text stays with its record).
OUTBOX_EXPORT = exports.ExportSpec(
    "outbox",
    [
        exports.Field("Message", lambda m: m.pk),
        exports.Field("Queued (UTC)", lambda m: m.queued_at),
        exports.Field("What", lambda m: m.get_kind_display()),
        exports.Field("Record", lambda m: m.record_number),
        exports.Field("User", lambda m: m.user.get_username() if m.user else ""),
        exports.Field("To", lambda m: list(m.to)),
        exports.Field("Subject", lambda m: m.subject),
        exports.Field("Status", lambda m: m.get_status_display()),
        exports.Field("Failure", lambda m: m.failure),
        exports.Field("Sent (UTC)", lambda m: m.sent_at),
        exports.Field("Attempts", lambda m: m.attempts),
    ],
    prepare=lambda rows: rows.select_related("user"),
)


@permission_or_404(VIEW)
def outbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    sent = Message.objects.visible_to(request.user)
    if status in dict(Message.STATUSES):
        sent = sent.filter(status=status)
    else:
        status = ""
    sent, sort = OUTBOX_SORTING.apply(sent, request.GET.get("sort"))
    if fmt := exports.requested(request):
        filters = {"status": status}
        return exports.respond(request, OUTBOX_EXPORT, sent, fmt, filters=filters, sort=sort)
    sent = sent.select_related("user").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.defer("content"))
    )
    context = {
        **list_context(request, sent, OUTBOX_SORTING, sort),
        **exports.links(OUTBOX_EXPORT, request.user),
        "status": status,
        "statuses": Message.STATUSES,
        "failed": Message.objects.visible_to(request.user).filter(status="failed").count(),
        "can_retry": request.user.has_perm(RETRY),
    }
    return render(request, "notifications/outbox.html", context)


@require_POST
@permission_or_404(VIEW)
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        message = services.retry(pk, request.user)
    except Refused as exc:
        messages.error(request, f"Not sent again: {exc}.")
    else:
        if message.status == "sent":
            messages.success(request, f"Message {message.pk} sent.")
        else:
            messages.error(request, f"Message {message.pk} failed again: {message.failure}.")
    return redirect("outbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """How the signed-in user hears about new work and due dates: at once or in a daily digest."""
    current = services.delivery_of(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.set_delivery(request.user, form.cleaned_data["delivery"])
            messages.success(request, "Your choice is saved.")
            return redirect("notification_preferences")
    else:
        form = PreferenceForm(initial={"delivery": current})
    held = Message.objects.filter(user=request.user, status="held").count()
    context = {"form": form, "held": held, "email": request.user.email}
    return render(request, "notifications/preferences.html", context)
