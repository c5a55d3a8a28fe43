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
