"""`transferwatch mail_server`: a local SMTP server on 127.0.0.1 for the demo (aiosmtpd).

Every message it receives is written to a folder (one `.eml` file each) and announced with one
line on stderr: when, to how many addresses, the file. It delivers nothing further. Meant for
`make demo` and trying TransferWatch out; production sends through the agency's own server.
"""

from __future__ import annotations

import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Folder:
    """aiosmtpd handler: keep each message as a file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{stamp}-{self.count:04d}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        recipients = len(envelope.rcpt_tos)
        sys.stderr.write(
            f"mail_server: message {self.count} for {recipients} "
            f"address{'es' if recipients != 1 else ''} kept in {path}\n"
        )
        return "250 Message accepted for delivery"


class Command(BaseCommand):
    help = (
        "Run a local SMTP server on 127.0.0.1 that keeps every message it receives as a file "
        "(for the demo). Ctrl-C stops it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=settings.EMAIL_PORT)
        parser.add_argument(
            "--dir", type=Path, default=Path(settings.DATA_DIR) / "mail", help="where to keep mail"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
        folder: Path = options["dir"]
        folder.mkdir(parents=True, exist_ok=True)
        controller = Controller(Folder(folder), hostname="127.0.0.1", port=options["port"])
        try:
            controller.start()
        except OSError as exc:
            raise CommandError(
                f"cannot listen on 127.0.0.1:{options['port']} ({type(exc).__name__}): "
                "is another mail server running? Use --port.",
                returncode=2,
            ) from exc
        sys.stderr.write(
            f"mail_server: listening on 127.0.0.1:{options['port']}, keeping mail in {folder}\n"
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
