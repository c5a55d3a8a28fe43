"""The second factor: a code from an authenticator app (TOTP, RFC 6238) after the password.

When settings.REQUIRE_SECOND_FACTOR is on, a signed-in user who has not confirmed a code this
session reaches only these pages and sign-out. A user with no authenticator yet enrols first.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_totp.models import TOTPDevice

from transferwatch.audit.services import record


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Six-digit code",
        min_length=6,
        max_length=6,
        help_text="From your authenticator app. A code is good for about 30 seconds.",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("The code is six digits.")
        return code


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.REQUIRE_SECOND_FACTOR
            and user.is_authenticated
            and not user.is_verified()  # type: ignore[union-attr]
            and request.path not in (reverse("second_factor"), reverse("logout"))
            and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        ):
            return redirect(f"{reverse('second_factor')}?next={request.get_full_path()}")
        return self.get_response(request)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Ask for a code; with no confirmed authenticator yet, enrol one first."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": "authenticator"}
        )
    form = CodeForm(request.POST if request.method == "POST" else None)
    form.fields["code"].widget.attrs["autofocus"] = True  # the page's one task
    allowed, throttle = device.verify_is_allowed()
    if request.method == "POST" and form.is_valid() and not allowed:
        wait = (throttle or {}).get("locked_until")
        seconds = max(1, int((wait - timezone.now()).total_seconds()) + 1) if wait else 1
        form.add_error("code", f"Too many wrong codes: wait {seconds} seconds, then try again.")
    elif request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                if enrolling:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    record("accounts.user.second_factor_enrolled", user, actor=user)
                record("accounts.user.second_factor_verified", user, actor=user)
            django_otp.login(request, device)
            return redirect(_next_url(request))
        record("accounts.user.second_factor_failed", user, actor=user)
        form.add_error("code", "That code is not right, or it has expired. Try the newest one.")
    context = {
        "form": form,
        "enrolling": enrolling,
        "next": _next_url(request),
        "hide_navigation": True,
    }
    if enrolling:
        context["key"] = base64.b32encode(device.bin_key).decode()
        context["qr"] = segno.make(device.config_url, error="m").svg_inline(scale=5, omitsize=True)
    return render(request, "accounts/second_factor.html", context)
