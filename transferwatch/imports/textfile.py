"""Text files in other encodings than UTF-8: checked, detected, named, or turned into UTF-8.

DuckDB reads UTF-8. A file in another encoding is decoded here once, as a stream, into a UTF-8
copy beside the staging tables (never row by row); without a named encoding a file that is not
UTF-8 is refused with the encoding it appears to be in, so nobody imports mojibake unknowingly.
"""

from __future__ import annotations

import codecs
import uuid
from pathlib import Path

from charset_normalizer import from_path

from transferwatch.analytics.warehouse import InputProblem

AUTO = "auto"
CHUNK = 1 << 20


def first_bad_byte(path: Path) -> int | None:
    """The offset of the first byte that is not UTF-8, or None when the whole file is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return offset + exc.start
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return offset + exc.start
    return None


def detect(path: Path) -> str | None:
    """The encoding charset-normalizer finds most likely, or None."""
    best = from_path(path).best()
    return str(best.encoding) if best is not None else None


def not_utf8_message(path: Path, name: str, bad: int) -> str:
    found = detect(path)
    looks = (
        f"it appears to be {found} (detected): give --encoding {found}, or --encoding auto"
        if found
        else "its encoding could not be detected: give it with --encoding"
    )
    return f"{name}: not UTF-8 text (byte {bad + 1:,}); {looks}"


def readable(path: Path, encoding: str, work: Path, name: str) -> tuple[Path, str]:
    """(a UTF-8 file to read, the encoding it was read as).

    `encoding`: "" (UTF-8 required), "auto" (UTF-8 if it is, else detected) or a codec name.
    InputProblem names the file and the encoding when it cannot be read so.
    """
    wanted = encoding.strip().lower()
    if wanted not in ("", AUTO):
        try:
            wanted = codecs.lookup(wanted).name
        except LookupError:
            raise InputProblem(f"{name}: unknown encoding {encoding!r}") from None
        if wanted in ("utf-8", "utf-8-sig"):
            wanted = ""
    if wanted in ("", AUTO):
        bad = first_bad_byte(path)
        if bad is None:
            return path, "utf-8"
        if wanted == "":
            raise InputProblem(not_utf8_message(path, name, bad))
        found = detect(path)
        if found is None:
            raise InputProblem(
                f"{name}: not UTF-8 text (byte {bad + 1:,}) and its encoding could not be "
                "detected: give it with --encoding"
            )
        wanted = codecs.lookup(found).name
    work.mkdir(parents=True, exist_ok=True)
    copy = work / f"utf8-{uuid.uuid4().hex}.csv"
    try:
        with (
            path.open(encoding=wanted, newline="") as source,
            copy.open("w", encoding="utf-8", newline="") as target,
        ):
            while text := source.read(CHUNK):
                target.write(text)
    except UnicodeDecodeError as exc:
        copy.unlink(missing_ok=True)
        raise InputProblem(f"{name}: not {wanted} text ({exc.reason})") from None
    return copy, wanted
