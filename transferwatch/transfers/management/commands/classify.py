"""`transferwatch classify --policy pep-2014 [--in FILE|-] [--out FILE|-] [--explain]`.

CONTRACTS.md section 1: JSON Lines in, one result per line out in the same order. A line that
cannot be read or fails validation yields ``{"id": <its id, or null>, "error": "<field>: <message>"}``
and the command exits 2 at the end; the other lines are still classified. An output file is written
to a temporary file beside it and renamed into place only when complete. `--policy auto` judges each
line by the policy in force on its `as_of`.

A thin wrapper around the pure engine (`transferwatch.policy`): no database work per line. The loop
is `transferwatch.policy.jsonlines.classify_lines` (msgspec typed decoding, falling back to the
detailed parser for any line it does not accept as it stands, so messages are unchanged); the
console script starts this command without django.setup() (transferwatch/cli.py, PURE).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from transferwatch.policy import Policy, PolicyNotFound, classify, get_policy
from transferwatch.policy.jsonlines import classify_lines
from transferwatch.policy.registry import POLICIES

BATCH = 4096  # output lines per write
SHOWN_ERRORS = 20  # line errors printed to stderr; the output file has them all


class Command(BaseCommand):
    help = (
        "Classify transfer-request cases (JSON Lines) under an enforcement policy "
        "(CONTRACTS.md section 1)."
    )
    stealth_options = ("stdin",)
    requires_system_checks: list[str] = []  # a pure computation: no model checks needed

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--policy",
            required=True,
            help=f"policy id ({', '.join(POLICIES)}), or auto for the policy in force on as_of",
        )
        parser.add_argument("--in", dest="input", default="-", help="cases, JSON Lines (- stdin)")
        parser.add_argument("--out", dest="output", default="-", help="results (- stdout)")
        parser.add_argument(
            "--explain",
            action="store_true",
            help="add not_met (why each other clause did not match) and notes to every result",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        policy: Policy | None = None
        if options["policy"] != "auto":
            try:
                policy = get_policy(options["policy"])
            except PolicyNotFound as exc:
                raise CommandError(f"--policy: {exc.args[0]} (or auto)", returncode=2) from None
        source = options["input"]
        target = options["output"]
        name = "<stdin>" if source == "-" else source  # for messages
        with self._open_input(source, options.get("stdin")) as lines:
            if target == "-":
                stream = options.get("stdout") or sys.stdout
                write = _writer(stream)
                errors, total = self._run(lines, write, policy, options["explain"], name)
                stream.flush()
            else:
                errors, total = self._write_file(lines, Path(target), policy, options, name)
        if errors:
            raise CommandError(
                f"{errors:,} of {total:,} lines could not be classified "
                f'(their results carry "error")',
                returncode=2,
            )

    @contextlib.contextmanager
    def _open_input(self, source: str, stdin: IO[Any] | None) -> Iterator[Iterable[bytes | str]]:
        if source == "-":
            stream = stdin or sys.stdin
            yield getattr(stream, "buffer", stream)
            return
        try:
            handle = open(source, "rb", buffering=1 << 20)  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"--in {source}: {exc.strerror}", returncode=2) from None
        with handle:
            yield handle

    def _write_file(
        self,
        lines: Iterable[bytes | str],
        target: Path,
        policy: Policy | None,
        options: dict[str, Any],
        source: str,
    ) -> tuple[int, int]:
        """Write next to `target` and rename into place, so no half-written file is ever seen."""
        folder = target.parent
        if not folder.is_dir():
            raise CommandError(f"--out {target}: folder {folder} does not exist", returncode=2)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
        try:
            with open(fd, "wb", buffering=1 << 20) as stream:
                counts = self._run(lines, stream.write, policy, options["explain"], source)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        return counts

    def _run(
        self,
        lines: Iterable[bytes | str],
        write: Callable[[bytes], object],
        policy: Policy | None,
        explain: bool,
        source: str,
    ) -> tuple[int, int]:
        """Classify every line into `write`; returns (lines with an error, lines)."""
        shown = 0

        def report(number: int, message: str) -> None:
            nonlocal shown
            shown += 1
            if shown <= SHOWN_ERRORS:
                self.stderr.write(f"{source}:{number}: {message}")
            elif shown == SHOWN_ERRORS + 1:
                self.stderr.write(f"{source}: more line errors; see the output")

        collecting = gc.isenabled()
        gc.disable()  # the loop makes no reference cycles; collections only cost time here
        try:
            return classify_lines(
                lines,
                write,
                policy,
                explain=explain,
                today=date.today(),
                classify=classify,
                batch=BATCH,
                on_error=report,
            )
        finally:
            if collecting:
                gc.enable()


def _writer(stream: IO[str]) -> Callable[[bytes], object]:
    """Write ASCII bytes to a text stream: to its binary buffer when it has one."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        return lambda data: stream.write(data.decode("ascii"))
    stream.flush()
    return buffer.write  # type: ignore[no-any-return]
