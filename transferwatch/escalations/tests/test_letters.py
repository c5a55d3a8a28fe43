"""The letter: HTML and PDF from one template, with the agency, findings and legal basis."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.conftest import CANARY_A_NUMBER, client_for
from transferwatch.escalations import letters
from transferwatch.escalations.models import DEFAULT_LEGAL_BASIS, Escalation
from transferwatch.escalations.tests.conftest import FINDINGS


def test_it_writes_the_agency_findings_and_legal_basis_into_the_html(
    investigator: Any, make_escalation: Callable[..., Escalation]
) -> None:
    e = make_escalation(kind="doj", legal_basis=DEFAULT_LEGAL_BASIS["doj"])
    response = client_for(investigator).get(reverse("escalation_letter", args=[e.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Montgomery County Sheriff",
        "PA0460000",
        "<dd>PA</dd>",
        FINDINGS,
        "34 U.S.C. 12601",
        "pattern or practice",
        "Office for Civil Rights and Civil Liberties",
        e.number,
        "DRAFT",
        "size: Letter",
        "counter(page)",
    ):
        assert text in html, text


@pytest.mark.parametrize(
    ("kind", "paragraph"),
    [
        ("leadership", "notifies you that it has significant concerns"),
        ("doj", "refers the agency named below to the Civil Rights Division"),
        ("state_ag", "under the laws of your State"),
        ("other", "as an authority with jurisdiction"),
    ],
)
def test_it_has_a_paragraph_per_kind(
    make_escalation: Callable[..., Escalation], kind: str, paragraph: str
) -> None:
    assert paragraph in letters.render_letter(make_escalation(kind=kind))


def test_it_escapes_what_was_typed(make_escalation: Callable[..., Escalation]) -> None:
    html = letters.render_letter(make_escalation(findings="<script>alert(1)</script>"))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_it_renders_the_pdf(
    investigator: Any, make_escalation: Callable[..., Escalation], tmp_path: Path
) -> None:
    e = make_escalation(kind="doj", status="sent", legal_basis=DEFAULT_LEGAL_BASIS["doj"])
    response = client_for(investigator).get(reverse("escalation_letter_pdf", args=[e.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{e.number}.pdf"' in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's text is not checked")
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "Montgomery County Sheriff" in flat
    assert " ".join(FINDINGS.split()) in flat
    assert "12601" in flat
    assert f"{e.number} · page 1 of" in flat
    assert "DRAFT" not in flat


def test_it_marks_a_draft_pdf(
    investigator: Any, make_escalation: Callable[..., Escalation]
) -> None:
    e = make_escalation()
    response = client_for(investigator).get(reverse("escalation_letter_pdf", args=[e.pk]))
    assert response.content.startswith(b"%PDF")
    assert f'filename="{e.number}-draft.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    "text",
    ["A123456789", "a-123-456-789", CANARY_A_NUMBER, "A12345678", "099 912 345", "(A123456789)"],
)
def test_it_spots_a_numbers(text: str) -> None:
    assert letters.a_number_found(f"Seen in the file of {text} last year.")


@pytest.mark.parametrize(
    "text",
    [
        "ORI PA0460000",
        "CRCL-E-2026-000001",
        "a 150% rise",
        "2015-03-01",
        "1,234,567 arrests",
        "(215) 555-1234",
        "2155551234",
    ],
)
def test_it_does_not_mistake_other_numbers_for_a_numbers(text: str) -> None:
    assert not letters.a_number_found(text)


def test_it_refuses_to_send_a_letter_with_an_a_number(
    investigator: Any, make_escalation: Callable[..., Escalation]
) -> None:
    # Made directly, as if the form had been bypassed.
    e = make_escalation(status="approved", findings=f"Person {CANARY_A_NUMBER} was arrested.")
    response = client_for(investigator).post(reverse("escalation_act", args=[e.pk, "send"]))
    page = response.content.decode()
    assert response.status_code == 403
    assert "looks like an A-number" in page
    e.refresh_from_db()
    assert (e.status, e.letter_html, e.sent_at) == ("approved", "", None)
    event = Event.objects.get(action="escalations.escalation.refused")
    assert "A-number" in event.changes["reason"]
    assert CANARY_A_NUMBER not in str(event.changes)


def test_it_refuses_to_approve_a_letter_with_an_a_number(
    supervisor: Any, make_escalation: Callable[..., Escalation]
) -> None:
    e = make_escalation(concerns="A-099-912-345 and others.")
    response = client_for(supervisor).post(reverse("escalation_act", args=[e.pk, "approve"]))
    assert response.status_code == 403
    e.refresh_from_db()
    assert e.status == "draft"


@pytest.mark.parametrize(("status", "draft"), [("draft", True), ("sent", False)])
def test_it_audits_each_pdf_download(
    investigator: Any, make_escalation: Callable[..., Escalation], status: str, draft: bool
) -> None:
    e = make_escalation(status=status)
    client = client_for(investigator)
    for _ in range(2):
        assert client.get(reverse("escalation_letter_pdf", args=[e.pk])).status_code == 200
    events = Event.objects.filter(action="escalations.escalation.pdf", object_id=str(e.pk))
    assert events.count() == 2
    event = events.first()
    assert event is not None
    assert (event.actor_name, event.object_type) == (
        investigator.username,
        "escalations.escalation",
    )
    assert event.changes == {"format": "pdf", "draft": draft}


def test_it_audits_no_pdf_outside_scope(
    leadership: Any, make_escalation: Callable[..., Escalation]
) -> None:
    e = make_escalation(kind="doj", status="sent")
    response = client_for(leadership).get(reverse("escalation_letter_pdf", args=[e.pk]))
    assert response.status_code == 404
    assert not Event.objects.filter(action="escalations.escalation.pdf").exists()
