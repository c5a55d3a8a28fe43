"""The audit log page: times in UTC, as its column says, whatever the site's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from transferwatch.audit.services import record
from transferwatch.conftest import client_for

# 17:30:05 UTC on 15 January 2026 is 12:30:05 in New York (EST, UTC-5).
AT = datetime(2026, 1, 15, 17, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize("page", ["audit_log", "home"])
@override_settings(TIME_ZONE="America/New_York")
def test_it_shows_event_times_in_utc(auditor: Any, analyst: Any, page: str) -> None:
    with time_machine.travel(AT, tick=False):
        record("test.utc", actor=analyst)
    html = client_for(auditor).get(reverse(page)).content.decode()
    assert "Time (UTC)" in html
    assert "2026-01-15 17:30:05" in html
    assert "12:30:05" not in html
