"""A record to send messages about: an invented agency (any model with a pk will do)."""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.notifications import services
from transferwatch.notifications.models import Message

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def queue_one(phi_agency: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Queue a message with a PDF attached and run the after-commit delivery."""

    def queue(**fields: Any) -> Message:
        values: dict[str, Any] = {
            "subject": "A test letter",
            "body": "The letter is attached.",
            "to": ["office@agency.example"],
            "attachments": [("letter.pdf", PDF, "application/pdf")],
            **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            message = services.queue("letter", phi_agency, **values)
        message.refresh_from_db()
        return message

    return queue


@pytest.fixture
def inquiry(phi_request: Any, phi_agency: Any, investigator: Any) -> Any:
    """An inquiry under way about the PHI transfer (made directly: no notices of its own)."""
    from transferwatch.cases.models import Allegation, Inquiry

    allegation = Allegation.objects.create(
        agency=phi_agency, types=["profiling_ethnicity"], source="public", channel="web"
    )
    allegation.transfers.add(phi_request)
    return Inquiry.objects.create(
        allegation=allegation, investigator=investigator, status="investigating"
    )


@pytest.fixture
def pd_draft(inquiry: Any, investigator: Any, phi_request: Any) -> Any:
    from transferwatch.discretion import services as discretion

    return discretion.create(
        investigator,
        inquiry,
        person=phi_request.person,
        transfer=phi_request,
        bases=["profiling"],
        person_status=["victim"],
        agency_conduct="Stopped for a broken tail light, held for a fingerprint check.",
    )


def give_addresses(*users: Any) -> None:
    """Invented addresses for staff users (`<username>@staff.example`)."""
    for user in users:
        user.email = f"{user.username}@staff.example"
        user.save(update_fields=["email"])
