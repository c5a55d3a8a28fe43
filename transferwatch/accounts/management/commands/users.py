"""`transferwatch users create|list`: staff accounts with one role each."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from transferwatch.accounts.models import Area, User
from transferwatch.accounts.roles import ROLES
from transferwatch.audit.services import record


def assign(user: User, role_code: str, area_codes: list[str]) -> None:
    """Give the user exactly this role (and areas); raises CommandError on a wrong value."""
    if role_code not in ROLES:
        raise CommandError(
            f"--role {role_code!r} is not a role: use one of {', '.join(ROLES)}", returncode=2
        )
    areas = list(Area.objects.filter(code__in=area_codes))
    unknown = sorted(set(area_codes) - {a.code for a in areas})
    if unknown:
        raise CommandError(f"--area {', '.join(unknown)} is not a known area code", returncode=2)
    if ROLES[role_code].area_scoped and not areas:
        raise CommandError(
            f"--area is required for {role_code}: it sees only its own areas", returncode=2
        )
    user.groups.set([Group.objects.get(name=role_code)])
    user.areas.set(areas)


class Command(BaseCommand):
    help = "Create or list staff users. Each user has one role; ICE field reviewers have areas."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a user with a role")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=sorted(ROLES))
        create.add_argument("--area", action="append", default=[], help="AOR code, e.g. PHI")
        create.add_argument("--email", default="")
        create.add_argument(
            "--first-name", default="", help="shown with the title wherever the user is named"
        )
        create.add_argument("--last-name", default="")
        create.add_argument(
            "--job-title", default="", help="e.g. 'Supervisory Immigration Officer'"
        )
        create.add_argument(
            "--title",
            default="",
            choices=[code for code, _ in User.TITLES if code],
            help="official position, for exceptions (e.g. ice_fod for a Field Office Director)",
        )
        create.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        sub.add_parser("list", help="list users with their roles and areas")
        reset = sub.add_parser(
            "reset-2fa",
            help="remove a user's authenticator so they enrol a new one at next sign-in",
        )
        reset.add_argument("username")
        token = sub.add_parser("token", help="issue an API token acting for a user (shown once)")
        token.add_argument("username")
        token.add_argument("--name", required=True, help="which system will use it")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self.list_users()
        elif options["action"] == "token":
            self.issue_token(options["username"], options["name"])
        elif options["action"] == "reset-2fa":
            self.reset_second_factor(options["username"])
        else:
            self.create(options)

    def issue_token(self, username: str, name: str) -> None:
        from transferwatch.api.models import ApiToken

        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}", returncode=2)
        with transaction.atomic():
            issued, token = ApiToken.issue(user, name)
            record("api.token.issued", issued, changes={"user": username, "name": name})
        self.stdout.write(f"API token for {username} ({name}); it is shown only now:\n{token}")

    def reset_second_factor(self, username: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}", returncode=2)
        with transaction.atomic():
            removed, _ = TOTPDevice.objects.filter(user=user).delete()
            record("accounts.user.second_factor_reset", user, changes={"devices": removed})
        self.stdout.write(
            f"{username}: {removed} authenticator(s) removed; enrols again at sign-in"
        )

    def list_users(self) -> None:
        for user in User.objects.prefetch_related("groups", "areas").order_by("username"):
            role = user.role.code if user.role else ("superuser" if user.is_superuser else "-")
            areas = ",".join(a.code for a in user.areas.all())
            state = "" if user.is_active else " (inactive)"
            self.stdout.write(f"{user.username}\t{role}\t{areas}{state}")

    def create(self, options: dict[str, Any]) -> None:
        username = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} exists already", returncode=2)
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
        user = User(
            username=username,
            email=options["email"],
            title=options["title"],
            first_name=options["first_name"],
            last_name=options["last_name"],
            job_title=options["job_title"],
        )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("password: " + " ".join(exc.messages), returncode=2) from None
        with transaction.atomic():
            user.set_password(password)
            user.save()
            assign(user, options["role"], options["area"])
            record(
                "accounts.user.created",
                user,
                changes={"role": options["role"], "areas": sorted(options["area"])},
            )
        self.stdout.write(f"created {username} ({ROLES[options['role']].label})")
