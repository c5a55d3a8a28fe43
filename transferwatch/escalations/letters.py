"""The letter of a notification or referral: one Django template, rendered to HTML and to PDF.

The HTML is a complete document with its own print stylesheet (US Letter pages, page numbers in
the footer); the PDF is WeasyPrint's rendering of that same HTML, so what a supervisor approves on
screen is what is sent. When the escalation is sent its HTML is frozen in `letter_html`; later
renderings (the page and the PDF) use the frozen copy.

A letter describes patterns of an agency, never individuals: `a_number_found` is the check that
refuses a letter carrying something shaped like an A-number.

When sent, the letter is e-mailed as its PDF to the address configured for its kind
(`settings.MAIL_TO`, from TRANSFERWATCH_MAIL_TO); the e-mail's own text names only the letter,
its record number and the agency, all of which the letter holds.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from transferwatch.lib.pdf import to_pdf as html_to_pdf

if TYPE_CHECKING:
    from transferwatch.escalations.models import Escalation

# An A-number: 8 or 9 digits, optionally after "A" and with the usual separators
# (A123456789, A-123-456-789, 099 912 345). Not inside a longer word or number, so an ORI
# (PA0460000) or a record number (CRCL-E-2026-000001) does not match.
A_NUMBER = re.compile(r"(?<![A-Za-z0-9])A?[- ]?\d{3}[- ]?\d{3}[- ]?\d{2,3}(?![0-9])", re.IGNORECASE)
SENDER = "Office for Civil Rights and Civil Liberties, U.S. Department of Homeland Security"
TEMPLATE = "escalations/letters/letter.html"


def a_number_found(*texts: str) -> bool:
    """Whether any text holds something shaped like an A-number (markup ignored)."""
    return any(A_NUMBER.search(strip_tags(t or "")) for t in texts)


def render_letter(escalation: Escalation, at: datetime | None = None) -> str:
    """The letter as a complete HTML document, dated `at` (the send time; now for a draft)."""
    at = at or escalation.sent_at or timezone.now()
    context = {
        "e": escalation,
        "agency": escalation.agency,
        "date": timezone.localtime(at).date() if timezone.is_aware(at) else at.date(),
        "draft": escalation.status in ("draft", "approved"),
        "sender": SENDER,
        "inquiries": list(escalation.inquiries.order_by("number")) if escalation.pk else [],
        "run": escalation.monitoring_run,
        "paragraph": f"escalations/letters/_{escalation.kind}.html",
    }
    return render_to_string(TEMPLATE, context)


def letter_html(escalation: Escalation) -> str:
    """The frozen letter once sent, else a fresh rendering of the draft."""
    return escalation.letter_html or render_letter(escalation)


def to_pdf(html: str) -> bytes:
    """The letter as a tagged PDF (PDF/UA-1), titled from its <title>; nothing is fetched."""
    return html_to_pdf(html)[0]


def mail_key(escalation: Escalation) -> str:
    """The TRANSFERWATCH_MAIL_TO entry of the letter: its kind, a state AG by the agency's state."""
    if escalation.kind == "state_ag" and f"state_ag:{escalation.agency.state}" in settings.MAIL_TO:
        return f"state_ag:{escalation.agency.state}"
    return escalation.kind


def no_address(escalation: Escalation) -> str | None:
    """Why the letter cannot be e-mailed (no address configured for its kind), or None."""
    if settings.MAIL_TO.get(mail_key(escalation)):
        return None
    key = "state_ag:XX or state_ag" if escalation.kind == "state_ag" else escalation.kind
    return (
        f"no e-mail address is set for this kind of letter: add {key}=ADDRESS to "
        "TRANSFERWATCH_MAIL_TO"
    )


def mail(escalation: Escalation) -> None:
    """Queue the frozen letter as a PDF for its recipient (inside the send move's transaction)."""
    from transferwatch.notifications.services import queue

    e, agency = escalation, escalation.agency
    queue(
        "letter",
        e,
        to=[settings.MAIL_TO[mail_key(e)]],
        subject=f"{e.get_kind_display()} {e.number}: {e.subject}",
        body=(
            f"{SENDER} sends the attached letter ({e.get_kind_display()}, {e.number}) "
            f"concerning {agency.name} ({agency.ori}).\n\n"
            f"Please cite {e.number} in any answer.\n"
        ),
        attachments=[(f"{e.number}.pdf", to_pdf(e.letter_html), "application/pdf")],
        url=reverse("escalation_detail", args=[e.pk]),
    )
