"""Signing in: Argon2 hashes, limited attempts, idle sessions ending, and an event per sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from transferwatch.audit.models import Event
from transferwatch.conftest import PASSWORD


@pytest.mark.real_password_hashing
def test_it_stores_passwords_with_argon2(analyst: Any) -> None:
    assert analyst.password.startswith("argon2$")


def test_it_signs_in_and_records_it(analyst: Any) -> None:
    client = Client()
    response = client.post(reverse("login"), {"username": "ana", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    event = Event.objects.get(action="accounts.user.logged_in")
    assert event.actor == analyst
    assert PASSWORD not in str(event.changes)


def test_it_says_what_went_wrong(analyst: Any) -> None:
    response = Client().post(reverse("login"), {"username": "ana", "password": "wrong"})
    assert response.status_code == 200
    assert "The username or password is not right" in response.content.decode()
    event = Event.objects.get(action="accounts.user.login_failed")
    assert (event.object_type, event.object_id, event.actor) == (
        "accounts.user",
        str(analyst.pk),
        None,
    )


def test_it_locks_out_after_five_failures(analyst: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "ana", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "ana", "password": PASSWORD})
    assert response.status_code == 429
    assert "Sign-in locked" in response.content.decode()
    assert not Event.objects.filter(action="accounts.user.logged_in").exists()


def test_it_ends_idle_sessions() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_it_signs_out_on_post_only(analyst: Any) -> None:
    client = Client()
    client.post(reverse("login"), {"username": "ana", "password": PASSWORD})
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302
    assert Event.objects.filter(action="accounts.user.logged_out").count() == 1
