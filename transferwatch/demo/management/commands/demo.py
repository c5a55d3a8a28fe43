"""`transferwatch demo`: load the synthetic demo data and (re)set one demo user per role."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from transferwatch.accounts.management.commands.users import assign
from transferwatch.accounts.models import User
from transferwatch.accounts.roles import ROLES
from transferwatch.audit.services import record
from transferwatch.demo import casework, data

# username -> (role, areas)
DEMO_USERS = {
    "analyst": ("crcl_analyst", []),
    "investigator": ("crcl_investigator", []),
    "supervisor": ("crcl_supervisor", []),
    "field-phi": ("ice_field_reviewer", ["PHI"]),
    "fod-phi": ("ice_field_reviewer", ["PHI"]),
    "hq": ("ice_hq_reviewer", []),
    "opla": ("opla_attorney", []),
    "leadership": ("dhs_leadership", []),
    "auditor": ("auditor", []),
}


# The position the priorities name for exceptions: field-phi is an officer, fod-phi the Director.
TITLES = {"field-phi": "immigration_officer", "fod-phi": "ice_fod"}


class Command(BaseCommand):
    help = "Load synthetic demo data and give each demo user (one per role) a new password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2015)

    def handle(self, *args: Any, **options: Any) -> None:
        # What happens goes to stderr as it happens; the users and their passwords go to stdout,
        # last and on their own, so they are neither lost among log lines nor mixed with them.
        self.stderr.write("demo data (all invented), through the importers:")
        for imp in data.load(seed=options["seed"]):
            self.stderr.write(f"  {imp.message}")
        users: dict[str, User] = {}
        lines: list[str] = []
        for username, (role, areas) in DEMO_USERS.items():
            password = secrets.token_urlsafe(12)
            with transaction.atomic():
                user, created = User.objects.get_or_create(username=username)
                user.set_password(password)
                user.email = f"{username}@example.org"  # invented: mail stays on the demo server
                user.save()
                assign(user, role, areas)
                user.title = TITLES.get(username, "")
                user.save(update_fields=["title"])
                record(
                    "accounts.user.created" if created else "accounts.user.password_reset",
                    user,
                    changes={"role": role, "areas": areas},
                )
            users[username] = user
            where = f" ({', '.join(areas)})" if areas else ""
            if username in TITLES:
                where += f", {dict(User.TITLES)[TITLES[username]]}"
            lines.append(f"  {username:<13} {password}   {ROLES[role].label}{where}")
        public = casework.load(users)
        self.stderr.write("invented casework loaded" if public else "casework already there")
        out = ["", "=" * 72, "Demo users (passwords are new each time `make demo` runs):", *lines]
        if public:
            out += [
                "",
                "A public report to check at /report/status/: "
                f"record number {public['number']}, secret {public['secret']}",
            ]
        out += [
            "",
            "Open http://127.0.0.1:8000 and sign in as any of them. E-mail the demo sends is kept",
            "in var/mail/ by the local mail server (`transferwatch mail_server`).",
            "=" * 72,
        ]
        self.stdout.write("\n".join(out))
