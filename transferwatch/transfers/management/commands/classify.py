"""`transferwatch classify --policy pep-2014 [--in FILE|-] [--out FILE|-] [--explain]`.

CONTRACTS.md section 1: JSON Lines in, one result per line out in the same order. A line that
cannot be read or fails validation yields ``{"id": <its id, or null>, "error": "<field>: <message>"}``
and the command exits 2 at the end; the other lines are still classified. An output file is written
to a temporary file beside it and renamed into place only when complete. `--policy auto` judges each
line by the policy in force on its `as_of`.

A thin wrapper around the pure engine (`transferwatch.policy`): no database work per line. The loop
is written for speed (about a million lines in well under a minute on one core): lines are decoded
and encoded with the C JSON scanner/encoder and written in batches.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from json.scanner import c_make_scanner  # type: ignore[attr-defined]
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from transferwatch.policy import (
    CaseError,
    Policy,
    PolicyNotFound,
    classify,
    get_policy,
    parse_case,
    result_to_json,
)
from transferwatch.policy.registry import POLICIES

BATCH = 4096  # output lines per write
SHOWN_ERRORS = 20  # line errors printed to stderr; the output file has them all
# What a bad line can raise; anything else is a fault of ours and stops the run (exit 1).
LINE_ERRORS = (CaseError, PolicyNotFound, UnicodeDecodeError, json.JSONDecodeError, RecursionError)


def _encoder() -> Callable[[Any], str]:
    """A compact, ASCII-only JSON encoder that skips json.dumps' per-call set-up."""
    if c_make_encoder is None:  # pragma: no cover - CPython always has the C accelerator
        return lambda obj: json.dumps(obj, separators=(",", ":"))
    encode = c_make_encoder(None, None, encode_basestring_ascii, None, ":", ",", False, False, True)
    return lambda obj: "".join(encode(obj, 0))


def _decoder() -> Callable[[str], Any]:
    """json.loads without its per-call wrappers: the C scanner first, the full decoder (and its
    exact error) only when the scanner alone cannot read the line."""
    decoder = json.JSONDecoder()
    full = decoder.decode
    scan = c_make_scanner(decoder) if c_make_scanner is not None else None
    if scan is None:  # pragma: no cover - CPython always has the C accelerator
        return full

    def decode(text: str) -> Any:
        try:
            obj, end = scan(text, 0)
        except (StopIteration, ValueError):
            return full(text)  # raises the proper JSONDecodeError (or reads leading spaces)
        if end != len(text) and text[end:].strip():
            return full(text)  # "Extra data" error
        return obj

    return decode


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
                errors, total = self._run(lines, stream, policy, options["explain"], name)
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
            with open(fd, "w", encoding="ascii", newline="\n", buffering=1 << 20) as stream:
                counts = self._run(lines, stream, policy, options["explain"], source)
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
        stream: IO[str],
        policy: Policy | None,
        explain: bool,
        source: str,
    ) -> tuple[int, int]:
        """Classify every line into `stream`; returns (lines with an error, lines)."""
        decode = _decoder()
        encode = _encoder()
        today = date.today()
        write = stream.write
        batch: list[str] = []
        errors = 0
        number = 0
        collecting = gc.isenabled()
        gc.disable()  # the loop makes no reference cycles; collections only cost time here
        try:
            for number, line in enumerate(lines, 1):
                obj: Any = None
                try:
                    obj = decode(line if type(line) is str else line.decode())
                    case = parse_case(obj, today)
                    result = classify(case, policy, explain)
                    batch.append(encode(result_to_json(result)))
                except LINE_ERRORS as exc:
                    message = _line_error(exc, line)
                    case_id = obj.get("id") if type(obj) is dict else None
                    batch.append(encode({"id": case_id, "error": message}))
                    errors += 1
                    if errors <= SHOWN_ERRORS:
                        self.stderr.write(f"{source}:{number}: {message}")
                    elif errors == SHOWN_ERRORS + 1:
                        self.stderr.write(f"{source}: more line errors; see the output")
                if len(batch) >= BATCH:
                    batch.append("")
                    write("\n".join(batch))
                    batch.clear()
            if batch:
                batch.append("")
                write("\n".join(batch))
        finally:
            if collecting:
                gc.enable()
        return errors, number


def _line_error(exc: Exception, line: bytes | str) -> str:
    """The contract's "<field>: <message>" for a line that could not be classified."""
    if isinstance(exc, CaseError):
        return str(exc)
    if isinstance(exc, PolicyNotFound):
        return f"as_of: {exc.args[0]}"
    if isinstance(exc, UnicodeDecodeError):
        return f"line: not valid UTF-8 (byte {exc.start + 1})"
    if isinstance(exc, json.JSONDecodeError):
        if not line.strip():
            return "line: empty (expected a JSON object)"
        return f"line: not valid JSON ({exc.msg} at column {exc.colno})"
    return "line: nested too deeply to read"
