"""Keep the role groups' permissions equal to roles.ROLES after every migration."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from transferwatch.accounts.roles import ROLES


def sync_roles(using: str = "default") -> None:
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    with transaction.atomic(using=using):
        for role in ROLES.values():
            group, _ = Group.objects.using(using).get_or_create(name=role.code)
            wanted = []
            for dotted in role.permissions:
                app_label, codename = dotted.split(".")
                wanted.append(
                    Permission.objects.using(using).get(
                        content_type__app_label=app_label, codename=codename
                    )
                )
            group.permissions.set(wanted)


def after_migrate(using: str = "default", **kwargs: Any) -> None:
    sync_roles(using)


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from transferwatch.audit.services import record

    record("accounts.user.logged_in", user, actor=user)


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    from transferwatch.audit.services import record

    record("accounts.user.logged_out", user, actor=user)


def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    """A failed sign-in, tied to the account it tried; the typed name itself is not stored."""
    from transferwatch.accounts.models import User
    from transferwatch.audit.services import record

    user = User.objects.filter(username=credentials.get("username", "")).first()
    record("accounts.user.login_failed", user)


def connect_login_events() -> None:
    user_login_failed.connect(_login_failed, dispatch_uid="transferwatch-login-failed-event")
    user_logged_in.connect(_logged_in, dispatch_uid="transferwatch-login-event")
    user_logged_out.connect(_logged_out, dispatch_uid="transferwatch-logout-event")
