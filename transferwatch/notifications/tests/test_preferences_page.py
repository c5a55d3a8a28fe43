"""The page where a user chooses immediate e-mail or a daily digest."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from transferwatch.conftest import client_for
from transferwatch.notifications import services


@pytest.mark.parametrize("role", ["analyst", "field_phi", "leadership", "auditor"])
def test_every_signed_in_user_chooses_how_to_be_told(
    request: pytest.FixtureRequest, role: str
) -> None:
    user = request.getfixturevalue(role)
    client = client_for(user)
    page = client.get(reverse("notification_preferences")).content.decode()
    assert 'value="immediate" checked' in page and "no e-mail address" in page
    response = client.post(reverse("notification_preferences"), {"delivery": "daily"})
    assert response.status_code == 302
    assert services.delivery_of(user) == "daily"
    page = client.get(reverse("notification_preferences")).content.decode()
    assert 'value="daily" checked' in page


def test_a_bad_choice_is_refused_and_changes_nothing(analyst: Any) -> None:
    response = client_for(analyst).post(reverse("notification_preferences"), {"delivery": "hourly"})
    assert response.status_code == 200
    assert "usa-error-message" in response.content.decode()
    assert services.delivery_of(analyst) == "immediate"


def test_signed_out_visitors_are_sent_to_sign_in(client: Any) -> None:
    response = client.get(reverse("notification_preferences"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_page_is_linked_from_the_user_menu(investigator: Any) -> None:
    page = client_for(investigator).get(reverse("home")).content.decode()
    assert reverse("notification_preferences") in page
