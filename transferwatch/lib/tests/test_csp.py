"""Content-Security-Policy: on every response, strict on pages, inline styles only in documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

import transferwatch
from transferwatch.conftest import client_for
from transferwatch.escalations.models import Escalation

# The printable documents: complete HTML of their own, with their stylesheet inline (the same
# HTML is made into a PDF, which fetches nothing), and no script at all.
DOCUMENTS = {
    "escalations/letters/letter.html",
    "meetings/print.html",
    "reports/packet.html",
    "reports/profile.html",
}


@pytest.fixture
def letter(phi_agency: Any, investigator: Any) -> Escalation:
    return Escalation.objects.create(
        kind="doj",
        agency=phi_agency,
        recipient="Assistant Attorney General",
        subject="Pretextual minor-offence arrests",
        concerns="Arrests for minor offences as a pretext.",
        reasons="The share of such arrests jumped after activation.",
        created_by=investigator,
    )


def policy(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def assert_page_policy(found: dict[str, list[str]]) -> None:
    assert found["default-src"] == ["'self'"]
    assert found["script-src"] == ["'self'"]  # no inline script, no eval
    assert found["style-src"] == ["'self'"]  # no inline style either
    assert found["object-src"] == ["'none'"]
    assert found["base-uri"] == ["'none'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert found["form-action"] == ["'self'"]


@pytest.mark.parametrize(
    "path", ["/login/", "/report/", "/report/status/", "/public/", "/no-such-page/", "/api/docs"]
)
def test_every_public_page_has_the_page_policy(db: Any, path: str) -> None:
    assert_page_policy(policy(Client().get(path)))


@pytest.mark.parametrize(
    "name",
    ["home", "agency_list", "transfer_list", "escalation_list", "escalation_new", "pd_list"],
)
def test_every_staff_page_has_the_page_policy(supervisor: Any, phi_agency: Any, name: str) -> None:
    response = client_for(supervisor).get(reverse(name))
    assert response.status_code == 200
    assert_page_policy(policy(response))


def test_the_policy_is_on_redirects_and_data_too(supervisor: Any) -> None:
    assert_page_policy(policy(Client().get(reverse("home"))))  # to the sign-in page
    data = policy(Client().get(reverse("public_report_json")))
    assert data["default-src"] == ["'none'"]
    assert data["frame-ancestors"] == ["'none'"]


def test_a_letter_is_a_document_with_its_own_styles_and_no_script(
    investigator: Any, letter: Escalation
) -> None:
    found = policy(client_for(investigator).get(reverse("escalation_letter", args=[letter.pk])))
    assert found["default-src"] == ["'none'"]  # so no script, no connection, no frame
    assert "script-src" not in found
    assert found["style-src"] == ["'unsafe-inline'"]
    assert found["frame-ancestors"] == ["'none'"]


def test_a_letter_page_outside_scope_is_an_ordinary_404_page(
    leadership: Any, letter: Escalation
) -> None:
    response = client_for(leadership).get(reverse("escalation_letter", args=[letter.pk]))
    assert response.status_code == 404
    assert_page_policy(policy(response))


def test_a_pdf_keeps_what_the_browsers_pdf_viewer_needs(
    investigator: Any, letter: Escalation
) -> None:
    # Chrome's viewer shows a PDF inside a page of its own with inline styles and a plugin: a
    # default-src, style-src or object-src on the PDF's response leaves it blank.
    response = client_for(investigator).get(reverse("escalation_letter_pdf", args=[letter.pk]))
    found = policy(response)
    assert not {"default-src", "style-src", "object-src"} & set(found)
    assert found["base-uri"] == ["'none'"]


def templates() -> list[tuple[str, str]]:
    root = Path(transferwatch.__file__).parent
    out = []
    for path in sorted(root.glob("**/templates/**/*.html")):
        name = path.as_posix().split("/templates/", 1)[1]
        out.append((name, path.read_text(encoding="utf-8")))
    return out


def test_no_template_has_inline_script_handlers_or_style_attributes() -> None:
    for name, text in templates():
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), name
        assert not re.search(r"\son[a-z]+\s*=", text), name
        assert not re.search(r"\sstyle\s*=", text), name
        assert not re.search(r"javascript:", text, re.IGNORECASE), name
        if name not in DOCUMENTS:
            assert "<style" not in text, name


def test_the_printable_meeting_and_the_profile_are_documents(
    supervisor: Any, phi_agency: Any
) -> None:
    from datetime import date

    from transferwatch.meetings.models import Meeting

    m = Meeting.objects.create(quarter="2015Q3", date=date(2015, 10, 15), created_by=supervisor)
    client = client_for(supervisor)
    for url in (
        reverse("meeting_print", args=[m.pk]),
        reverse("agency_profile", args=[phi_agency.ori]),
    ):
        found = policy(client.get(url))
        assert found["default-src"] == ["'none'"], url
        assert found["style-src"] == ["'unsafe-inline'"], url
