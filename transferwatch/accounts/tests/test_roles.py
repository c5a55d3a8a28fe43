"""Roles are groups with exactly the permissions of roles.ROLES, kept in step after migrations."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError

from transferwatch.accounts.models import User
from transferwatch.accounts.roles import ROLES
from transferwatch.accounts.sync import sync_roles
from transferwatch.audit.models import Event


def perms_of(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_every_role_is_a_group_with_its_permissions(db: Any) -> None:
    for role in ROLES.values():
        assert perms_of(Group.objects.get(name=role.code)) == set(role.permissions)


def test_sync_restores_permissions_changed_by_hand(db: Any) -> None:
    group = Group.objects.get(name="dhs_leadership")
    group.permissions.add(Permission.objects.get(codename="reveal_person"))
    sync_roles()
    assert perms_of(group) == set(ROLES["dhs_leadership"].permissions)


def test_only_people_who_need_it_may_reveal_identities(db: Any) -> None:
    may = {code for code, role in ROLES.items() if "transfers.reveal_person" in role.permissions}
    assert may == {
        "crcl_investigator",
        "crcl_supervisor",
        "ice_field_reviewer",
        "ice_hq_reviewer",
        "opla_attorney",
    }


def create(*args: str, password: str = "a long enough passphrase") -> str:
    out = StringIO()
    import sys

    stdin = sys.stdin
    sys.stdin = StringIO(password + "\n")
    try:
        call_command("users", "create", *args, "--password-stdin", stdout=out)
    finally:
        sys.stdin = stdin
    return out.getvalue()


def test_the_users_command_creates_a_scoped_reviewer(db: Any) -> None:
    assert "created phil" in create("phil", "--role", "ice_field_reviewer", "--area", "PHI")
    user = User.objects.get(username="phil")
    assert user.role is not None and user.role.code == "ice_field_reviewer"
    assert [a.code for a in user.areas.all()] == ["PHI"]
    assert user.check_password("a long enough passphrase")
    event = Event.objects.get(action="accounts.user.created")
    assert event.changes == {"role": "ice_field_reviewer", "areas": ["PHI"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["phil", "--role", "ice_field_reviewer"], "--area is required"),
        (["phil", "--role", "crcl_analyst", "--area", "XXX"], "XXX is not a known area"),
    ],
)
def test_the_users_command_refuses_bad_input(db: Any, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message) as caught:
        create(*args)
    assert caught.value.returncode == 2
    assert not User.objects.filter(username="phil").exists()


def test_the_users_command_refuses_a_weak_password(db: Any) -> None:
    with pytest.raises(CommandError, match="password: This password is too short"):
        create("phil", "--role", "crcl_analyst", password="short")
    assert not User.objects.exists()


def test_the_users_command_refuses_a_taken_name(analyst: Any) -> None:
    with pytest.raises(CommandError, match="exists already"):
        create("ana", "--role", "crcl_analyst")


def test_the_users_command_lists_users(field_phi: Any) -> None:
    out = StringIO()
    call_command("users", "list", stdout=out)
    assert "phil\tice_field_reviewer\tPHI" in out.getvalue()
