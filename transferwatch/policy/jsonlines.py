"""Classifying JSON Lines (CONTRACTS.md section 1): a fast path, and the detailed one it falls back to.

`classify_lines` writes one result per input line, in order, as compact ASCII JSON. Each line
first takes the fast path: msgspec decodes it straight into a `Case` (typed decoding checks the
shape and the types in one pass, in C), a few checks finish what the types cannot say (known
codes, whole numbers >= 0, `as_of` not in the future, the birth date not after `as_of`), the
engine classifies it and msgspec encodes the `Result`. Any line the fast path does not accept
as it stands (bad JSON, invalid UTF-8, a wrong field, a default given as null, an integer
incident, no `id` key, a character the two encoders write differently...) goes through the
detailed path instead: the standard json module, `parse_case` and `result_to_json`, exactly as
the command read every line before. That path names the line's first bad field, so every error
message is the one it always was, and a line either path accepts gets the same bytes from both
(tests/test_jsonlines.py checks this on every synthetic scenario and on generated lines).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from json.scanner import c_make_scanner  # type: ignore[attr-defined]
from typing import Any

import msgspec

from transferwatch.policy.engine import classify as engine_classify
from transferwatch.policy.engine import result_to_json
from transferwatch.policy.model import (
    CATEGORIES,
    PROBABLE_CAUSE,
    SEVERITIES,
    Case,
    CaseError,
    Policy,
    PolicyNotFound,
    Result,
)
from transferwatch.policy.parse import parse_case

BATCH = 4096  # output lines per write
# What a bad line can raise; anything else is a fault of ours and stops the run.
LINE_ERRORS = (CaseError, PolicyNotFound, UnicodeDecodeError, json.JSONDecodeError, RecursionError)
# How msgspec ends a Result without an explanation; result_to_json leaves both keys out.
_UNEXPLAINED = b',"not_met":null,"notes":null}'

Classifier = Callable[[Case, "Policy | str | None", bool], Result]
ErrorReport = Callable[[int, str], None]


def ascii_encoder() -> Callable[[Any], str]:
    """A compact, ASCII-only JSON encoder that skips json.dumps' per-call set-up."""
    if c_make_encoder is None:  # pragma: no cover - CPython always has the C accelerator
        return lambda obj: json.dumps(obj, separators=(",", ":"))
    encode = c_make_encoder(None, None, encode_basestring_ascii, None, ":", ",", False, False, True)
    return lambda obj: "".join(encode(obj, 0))


def plain_decoder() -> Callable[[str], Any]:
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


def line_error(exc: Exception, line: bytes | str) -> str:
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


def _accepted(case: Case, today: date) -> bool:
    """What typed decoding cannot check; False sends the line to the detailed path."""
    as_of = case.as_of
    if as_of > today:
        return False
    birth = case.birth_date
    if birth is not None and birth > as_of:
        return False
    for conviction in case.convictions:
        if (
            conviction.severity not in SEVERITIES
            or conviction.sentence_days < 0
            or not conviction.categories <= CATEGORIES
        ):
            return False
    for charge in case.pending_charges:
        severity = charge.severity
        if (severity is not None and severity not in SEVERITIES) or not (
            charge.categories <= CATEGORIES
        ):
            return False
    return not case.probable_cause or PROBABLE_CAUSE.issuperset(case.probable_cause)


def _fast(
    line: bytes | str,
    decode_case: Callable[[bytes | str], Case],
    encode_result: Callable[[Result], bytes],
    classify: Classifier,
    policy: Policy | None,
    explain: bool,
    today: date,
) -> bytes | None:
    """The line's result by the fast path, or None to send it to the detailed path."""
    try:
        if type(line) is bytes and not line.isascii():
            line.decode()  # msgspec does not check the UTF-8 of fields it skips
        case = decode_case(line)
    except (ValueError, RecursionError):  # msgspec's errors, bad UTF-8, deep nesting
        return None
    if not _accepted(case, today):
        return None
    try:
        result = classify(case, policy, explain)
    except PolicyNotFound:
        return None
    if result.not_met is not None and result.notes is not None:
        data = encode_result(result)
    elif result.not_met is None and result.notes is None:
        data = encode_result(result)
        if not data.endswith(_UNEXPLAINED):  # pragma: no cover - msgspec writes None as null
            return None
        data = data[: -len(_UNEXPLAINED)] + b"}"
    else:
        return None  # one of the two: left to result_to_json
    if not data.isascii() or b"\x7f" in data:
        return None  # the json module escapes these characters; msgspec does not
    return data


def classify_lines(
    lines: Iterable[bytes | str],
    write: Callable[[bytes], object],
    policy: Policy | None,
    *,
    explain: bool = False,
    today: date | None = None,
    classify: Classifier = engine_classify,
    batch: int = BATCH,
    on_error: ErrorReport | None = None,
    fast: bool = True,
) -> tuple[int, int]:
    """Classify every line into `write` (ASCII bytes, one result a line); (errors, lines).

    Parameters
    ----------
    lines
        JSON Lines, as bytes (a file opened in binary) or text.
    write
        Called with batches of `batch` complete output lines.
    policy
        The policy, or None for the policy in force on each case's `as_of`.
    explain
        Add `not_met` and `notes` to every result.
    today
        The day `as_of` may not be later than (default: the machine's date).
    classify
        The engine (tests pass one that fails, to see that nothing half written is kept).
    on_error
        Told ``(line number, "<field>: <message>")`` for each line that could not be classified.
    fast
        False reads every line by the detailed path alone (what the identity tests compare).
    """
    today = date.today() if today is None else today
    decode_case = msgspec.json.Decoder(Case).decode
    encode_result = msgspec.json.Encoder().encode
    decode = plain_decoder()
    encode = ascii_encoder()
    out: list[bytes] = []
    errors = 0
    number = 0
    for number, line in enumerate(lines, 1):
        data = (
            _fast(line, decode_case, encode_result, classify, policy, explain, today)
            if fast
            else None
        )
        if data is None:
            obj: Any = None
            try:
                obj = decode(line if isinstance(line, str) else line.decode())
                case = parse_case(obj, today)
                data = encode(result_to_json(classify(case, policy, explain))).encode("ascii")
            except LINE_ERRORS as exc:
                message = line_error(exc, line)
                case_id = obj.get("id") if type(obj) is dict else None
                data = encode({"id": case_id, "error": message}).encode("ascii")
                errors += 1
                if on_error is not None:
                    on_error(number, message)
        out.append(data)
        if len(out) >= batch:
            out.append(b"")
            write(b"\n".join(out))
            out.clear()
    if out:
        out.append(b"")
        write(b"\n".join(out))
    return errors, number
