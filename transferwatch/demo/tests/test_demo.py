"""`transferwatch demo` loads invented data once and gives every role a demo user."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from transferwatch.accounts.models import User
from transferwatch.accounts.roles import ROLES
from transferwatch.agencies.models import Agency
from transferwatch.audit.services import verify_chain
from transferwatch.transfers.models import Person, TransferRequest


def test_it_loads_data_and_one_user_per_role(db: Any) -> None:
    out = StringIO()
    call_command("demo", stdout=out)
    assert Agency.objects.count() == 10 and TransferRequest.objects.count() > 100
    roles = {user.role.code for user in User.objects.all() if user.role}
    assert roles == set(ROLES)
    printed = out.getvalue()
    for username in ("analyst", "field-phi", "auditor"):
        assert username in printed
    assert all(p.a_number.startswith("0999") for p in Person.objects.all())


def test_it_is_idempotent_and_resets_passwords(db: Any) -> None:
    call_command("demo", stdout=StringIO())
    hashes = dict(User.objects.values_list("username", "password"))
    counts = (Agency.objects.count(), TransferRequest.objects.count())
    out = StringIO()
    call_command("demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert (Agency.objects.count(), TransferRequest.objects.count()) == counts
    assert all(hashes[u] != p for u, p in User.objects.values_list("username", "password"))
    assert verify_chain().ok
