"""The public pages (no login): report a problem, then check its status with number and secret.

Offered in English and Spanish (`?lang=es`, else the browser's language). Abuse resistance that
does not block people who need help, and no CAPTCHA:

- CSRF protection; the request size is checked before the body is read (413).
- A honeypot field hidden from people: when it is filled, the sender sees a thank-you page and
  nothing is stored (bots learn nothing; a person never sees the field).
- A signed form-start time: a form sent back faster than MIN_SECONDS, or older than a day, or
  without a valid signature, is NOT dropped: the form comes back with everything typed and a
  gentle "please check and send again" (a fast person or a password manager gets through on the
  second try; a bot replaying the same post does not).
- A per-client limit in Django's cache, keyed on an HMAC of the address (never the address).
  When reached, the page says to wait and that nothing already sent is lost.
- The status check gives the same answer for an unknown number and a wrong secret, after the
  same work (a password hash check either way), and is rate limited.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from transferwatch.cases import services
from transferwatch.cases.forms import PublicReportForm, StatusForm
from transferwatch.cases.models import Allegation

log = logging.getLogger(__name__)

LANGS = ("en", "es")
MIN_SECONDS = 3
MAX_FORM_AGE = 24 * 3600
REPORT_LIMIT = (20, 3600)  # posts of the report form per client per hour
STATUS_LIMIT = (20, 900)  # status checks per client per 15 minutes
SALT = "transferwatch.cases.report.started"
SESSION_KEY = "cases_report_done"
_DUMMY_HASH: list[str] = []


def language(request: HttpRequest) -> str:
    chosen = request.POST.get("lang") or request.GET.get("lang")
    if chosen in LANGS:
        return chosen
    detected = translation.get_language_from_request(request) or "en"
    return "es" if detected.startswith("es") else "en"


def _rate_key(request: HttpRequest, bucket: str) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]
    return f"cases:rate:{bucket}:{digest}"


def over_limit(request: HttpRequest, bucket: str, limit: tuple[int, int]) -> bool:
    """Count one more request of this client; True when past the limit of the window."""
    allowed, window = limit
    key = _rate_key(request, bucket)
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count > allowed


def started_token() -> str:
    return signing.dumps(time.time(), salt=SALT)


def started_ok(token: str) -> bool:
    try:
        started = float(signing.loads(token, salt=SALT, max_age=MAX_FORM_AGE))
    except (signing.BadSignature, TypeError, ValueError):
        return False
    return time.time() - started >= MIN_SECONDS


def _page(
    request: HttpRequest, lang: str, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    other = "en" if lang == "es" else "es"
    context = {"lang": lang, "other_lang": other, **context}
    response = render(request, template, context, status=status)
    response["Content-Language"] = lang
    return response


def _too_many(request: HttpRequest, lang: str) -> HttpResponse:
    return _page(request, lang, "cases/public/limited.html", {}, status=429)


@csrf_exempt  # the size is checked first; CSRF right after, before the body is read
def report(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > settings.REPORT_MAX_REQUEST_BYTES:
            lang = request.GET.get("lang") if request.GET.get("lang") in LANGS else "en"
            with translation.override(lang):
                return _page(request, lang, "cases/public/too_big.html", {}, status=413)
    return _report(request)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _report(request: HttpRequest) -> HttpResponse:
    lang = language(request)
    with translation.override(lang):
        if request.method != "POST":
            form = PublicReportForm(initial={"started": started_token()})
            return _page(request, lang, "cases/public/report.html", {"form": form})
        if over_limit(request, "report", REPORT_LIMIT):
            return _too_many(request, lang)
        form = PublicReportForm(request.POST, request.FILES)
        if request.POST.get("website"):
            log.info("public report dropped: honeypot filled")
            return _page(request, lang, "cases/public/done.html", {"number": None})
        valid = form.is_valid()
        in_time = started_ok(request.POST.get("started", ""))
        if not (valid and in_time):
            data = form.data.copy()
            data["started"] = started_token()
            form.data = data
            context = {
                "form": form,
                "retry": valid and not in_time,
                "files_dropped": bool(request.FILES),
            }
            return _page(request, lang, "cases/public/report.html", context)
        allegation, secret = services.create_allegation(
            form.allegation_data("public", "web", lang),
            None,
            form.cleaned_data["attachments"],
            with_secret=True,
        )
        request.session[SESSION_KEY] = {"number": allegation.number, "secret": secret}
        return redirect(f"{reverse('report_done')}?lang={lang}")


def report_done(request: HttpRequest) -> HttpResponse:
    """The record number and secret, shown once."""
    lang = language(request)
    shown = request.session.pop(SESSION_KEY, None)
    if not shown:
        return redirect(f"{reverse('report')}?lang={lang}")
    with translation.override(lang):
        return _page(request, lang, "cases/public/done.html", shown)


def _public_words() -> dict[str, str]:
    return {
        "received": _("We received your report. Someone will review it soon."),
        "under_review": _("Your report is being reviewed."),
        "under_investigation": _(
            "The Office for Civil Rights and Civil Liberties opened an investigation based on your report."
        ),
        "referred": _("Your report was sent to another office that can act on it."),
        "closed": _("Your report was reviewed and its file is closed."),
    }


def _discretion_words(allegation: Allegation) -> str:
    """What the submitter may know of a PD request CRCL made to ICE: that it exists and whether
    ICE has decided (never the decision's content, which CRCL explains in person)."""
    from transferwatch.discretion.models import PDRequest

    requests = PDRequest.objects.filter(inquiry__allegation=allegation).exclude(
        status__in=("draft", "withdrawn")
    )
    if requests.filter(status="final").exists():
        return str(
            _(
                "ICE made a final decision on a request for prosecutorial discretion that CRCL "
                "sent about your report. CRCL will contact you about it."
            )
        )
    if requests.exists():
        return str(
            _("CRCL asked ICE to consider prosecutorial discretion; ICE is reviewing the request.")
        )
    return ""


def _find(number: str, secret: str) -> Allegation | None:
    """The allegation when the pair matches; the same work is done when the number is unknown."""
    allegation = Allegation.objects.filter(number=number.strip().upper()).first()
    if allegation is None or not allegation.secret_hash:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(make_password("not a secret"))
        check_password(secret, _DUMMY_HASH[0])
        return None
    return allegation if allegation.check_secret(secret) else None


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    lang = language(request)
    with translation.override(lang):
        if request.method != "POST":
            return _page(request, lang, "cases/public/status.html", {"form": StatusForm()})
        if over_limit(request, "status", STATUS_LIMIT):
            return _too_many(request, lang)
        form = StatusForm(request.POST)
        context: dict[str, Any] = {"form": form}
        if form.is_valid():
            allegation = _find(form.cleaned_data["number"], form.cleaned_data["secret"])
            if allegation is None:
                context["not_found"] = True
            else:
                shown = allegation.merged_into if allegation.merged_into_id else allegation
                context["found"] = {
                    "number": allegation.number,
                    "received": allegation.received_at,
                    "words": _public_words()[shown.public_status],
                    "discretion": _discretion_words(shown),
                }
                context["form"] = StatusForm()
        return _page(request, lang, "cases/public/status.html", context)
