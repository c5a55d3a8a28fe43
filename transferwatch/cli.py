"""The `transferwatch` console script: Django's management commands with our settings preset."""

from __future__ import annotations

import os
import sys

# Commands that must work without a database (help, version, settings checks).
NO_DATABASE = {
    "help", "--help", "-h", "version", "--version", "check", "collectstatic", "synth", "mail_server",
}  # fmt: skip
# Pure computations: they read no database and need no app registry, so they start without
# django.setup() (about a second of imports) and without a database connection. `monitor` is one
# when given its files (--bookings and --agencies); without them it reads the imported data.
PURE = {"classify"}


def _pure(argv: list[str]) -> bool:
    if len(argv) < 2:
        return False
    if argv[1] in PURE:
        return True
    return argv[1] == "monitor" and any(a.split("=")[0] == "--bookings" for a in argv[2:])


def _fail(message: str, status: int) -> None:
    sys.stderr.write(f"transferwatch: {message}\n")
    raise SystemExit(status)


def setup() -> None:
    """Load settings and start Django, turning a misconfiguration into one clear line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "transferwatch.settings")
    from transferwatch.lib.config import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        _fail(f"configuration error: {exc}", 2)


def check_database() -> None:
    from django.db import connection
    from django.db.utils import Error

    from transferwatch.lib.config import redact_url

    try:
        connection.ensure_connection()
    except Error as exc:
        where = redact_url(os.environ.get("DATABASE_URL", "")) or connection.settings_dict["NAME"]
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(f"cannot connect to the database {where}: {reason}", 1)


def _mark_run() -> None:
    """Events written by this run share one request id and name the account that ran it."""
    import getpass
    import uuid

    from transferwatch.lib.requestid import current_request_id, current_system_actor

    current_request_id.set("cli-" + uuid.uuid4().hex[:28])
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = "unknown"
    current_system_actor.set(f"cli:{account}")


def run_pure(argv: list[str]) -> None:
    """Run a PURE command: settings are read (a misconfiguration is refused as by `setup`), the
    rest of Django is not started."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "transferwatch.settings")
    from django.conf import settings

    from transferwatch.lib.config import ConfigError

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loading the settings checks them
    except ConfigError as exc:
        _fail(f"configuration error: {exc}", 2)
    if argv[1] == "monitor":
        from transferwatch.monitoring.management.commands.monitor import Command
    else:
        from transferwatch.transfers.management.commands.classify import Command  # type: ignore[assignment]

    Command().run_from_argv(argv)


def _hash_early(argv: list[str]) -> None:
    """`import KIND FILE`: begin the file's SHA-256 on another thread while Django starts
    (`lib.filehash`); the import record takes it from there."""
    if len(argv) > 3 and argv[1] == "import":
        from pathlib import Path

        from transferwatch.lib import filehash

        for arg in argv[3:]:
            if not arg.startswith("-"):
                filehash.begin(Path(arg))


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "transferwatch"
    if _pure(argv):
        run_pure(argv)
        return
    _hash_early(argv)
    setup()
    _mark_run()
    command = argv[1] if len(argv) > 1 else "help"
    if command not in NO_DATABASE:
        check_database()
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
