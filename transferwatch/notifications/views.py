from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from transferwatch.accounts.access import permission_or_404
from transferwatch.lib.workflow import Refused
from transferwatch.notifications import services
from transferwatch.notifications.models import RETRY, VIEW, Attachment, Message, Preference


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        choices=Preference.DELIVERIES,
        widget=forms.RadioSelect,
        label="Send me notices of new work and due dates",
    )


@permission_or_404(VIEW)
def outbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    sent = Message.objects.visible_to(request.user).select_related("user")
    if status in dict(Message.STATUSES):
        sent = sent.filter(status=status)
    sent = sent.prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.defer("content"))
    )
    context = {
        "page": Paginator(sent, 50).get_page(request.GET.get("page")),
        "query": f"status={status}" if status else "",
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
