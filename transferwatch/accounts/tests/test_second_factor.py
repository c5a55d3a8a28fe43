"""With the second factor required, staff enrol an authenticator and then need a code each sign-in."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from transferwatch.audit.models import Event
from transferwatch.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("require_second_factor")


@pytest.fixture
def require_second_factor() -> Any:
    with override_settings(REQUIRE_SECOND_FACTOR=True):
        yield


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def code_for(device: TOTPDevice, steps: int = 0) -> str:
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=steps):06d}"


def test_it_holds_every_page_until_a_code_is_given(analyst: Any) -> None:
    client = signed_in("ana")
    response = client.get(reverse("agency_list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('second_factor')}?next=/agencies/"


def test_it_enrols_an_authenticator_then_lets_the_user_in(analyst: Any) -> None:
    client = signed_in("ana")
    page = client.get(reverse("second_factor"))
    assert "Set up your authenticator" in page.content.decode() and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=analyst, confirmed=False)
    response = client.post(
        reverse("second_factor"), {"code": code_for(device), "next": "/agencies/"}
    )
    assert response.status_code == 302 and response["Location"] == "/agencies/"
    assert client.get(reverse("agency_list")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    actions = set(Event.objects.filter(actor=analyst).values_list("action", flat=True))
    assert {
        "accounts.user.second_factor_enrolled",
        "accounts.user.second_factor_verified",
    } <= actions


def test_it_refuses_a_wrong_code_and_records_it(analyst: Any) -> None:
    TOTPDevice.objects.create(user=analyst, name="phone", confirmed=True)
    client = signed_in("ana")
    response = client.post(reverse("second_factor"), {"code": "000000"})
    html = response.content.decode()
    assert response.status_code == 200 and "That code is not right" in html
    assert client.get(reverse("agency_list")).status_code == 302
    assert Event.objects.filter(action="accounts.user.second_factor_failed").count() == 1


def test_it_explains_a_code_that_is_not_six_digits(analyst: Any) -> None:
    client = signed_in("ana")
    response = client.post(reverse("second_factor"), {"code": "12a456"})
    assert "The code is six digits." in response.content.decode()


def test_it_asks_enrolled_users_only_for_the_code(analyst: Any) -> None:
    device = TOTPDevice.objects.create(user=analyst, name="phone", confirmed=True)
    client = signed_in("ana")
    assert "Enter your code" in client.get(reverse("second_factor")).content.decode()
    client.post(reverse("second_factor"), {"code": code_for(device)})
    assert client.get(reverse("home")).status_code == 200


def test_it_never_redirects_off_site_after_the_code(analyst: Any) -> None:
    device = TOTPDevice.objects.create(user=analyst, name="phone", confirmed=True)
    client = signed_in("ana")
    response = client.post(
        reverse("second_factor"), {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_sign_out_works_without_a_code(analyst: Any) -> None:
    client = signed_in("ana")
    assert client.post(reverse("logout")).status_code == 302


def test_an_administrator_can_reset_a_lost_authenticator(analyst: Any) -> None:
    TOTPDevice.objects.create(user=analyst, name="phone", confirmed=True)
    out = StringIO()
    call_command("users", "reset-2fa", "ana", stdout=out)
    assert "1 authenticator(s) removed" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=analyst).exists()
    assert Event.objects.filter(action="accounts.user.second_factor_reset").count() == 1


def test_it_says_how_long_to_wait_after_wrong_codes(analyst: Any) -> None:
    device = TOTPDevice.objects.create(user=analyst, name="phone", confirmed=True)
    client = signed_in("ana")
    client.post(reverse("second_factor"), {"code": "000000"})
    response = client.post(reverse("second_factor"), {"code": code_for(device)})
    assert "Too many wrong codes: wait" in response.content.decode()


def test_the_qr_code_scales_to_its_box(analyst: Any) -> None:
    html = signed_in("ana").get(reverse("second_factor")).content.decode()
    assert "viewBox" in html and 'class="usa-nav"' not in html
