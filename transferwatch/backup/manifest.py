"""The backup folder's manifest: every file with its SHA-256 and size, and what was backed up.

Pure Python (no Django) so a backup can be checked anywhere. Layout of a backup folder::

    manifest.json                   this manifest (files, database, migrations, counts)
    manifest.sha256                 the SHA-256 of manifest.json, so a damaged manifest is named
    database/transferwatch.pgdump   pg_dump's custom format (PostgreSQL), or
    database/transferwatch.sqlite3  a copy made with SQLite's online backup API
    warehouse/bookings/...          the Parquet files the warehouse manifest names, and it
    files/attachments/...           allegation attachments and remedial-measure evidence
    files/imports/...               uploaded import files and their rejects reports
    files/packets/...               quarterly packets as built

The audit key is never in a backup; `key_check` is an HMAC under the key of a fixed text, which
tells whether a key is the right one without revealing anything about it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "transferwatch-backup/1"
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
KEY_CHECK_TEXT = b"transferwatch backup: audit key check"
CHUNK = 4 * 1024 * 1024


class BackupProblem(Exception):
    """The backup (or the place it goes to) cannot be used; the message names the file."""


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the backup folder, with forward slashes
    sha256: str
    size: int


def sha256_of(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            if progress is not None:
                progress(len(block))
    return digest.hexdigest()


def copy_with_sum(
    source: Path, target: Path, progress: Callable[[int], None] | None = None
) -> Entry:
    """Copy `source` to `target` (new file), hashing the bytes written; returns size and hash.

    `Entry.path` is left empty for the caller to fill in.
    """
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as src, target.open("xb") as out:
        while block := src.read(CHUNK):
            out.write(block)
            digest.update(block)
            size += len(block)
            if progress is not None:
                progress(len(block))
        out.flush()
        os.fsync(out.fileno())
    return Entry("", digest.hexdigest(), size)


def key_check(key: bytes) -> str:
    return hmac.new(key, KEY_CHECK_TEXT, hashlib.sha256).hexdigest()


def key_matches(key: bytes, check: str) -> bool:
    return hmac.compare_digest(key_check(key), check)


def write(folder: Path, manifest: dict[str, Any], entries: Iterable[Entry]) -> None:
    body = dict(manifest, format=FORMAT)
    body["files"] = [
        {"path": e.path, "sha256": e.sha256, "size": e.size}
        for e in sorted(entries, key=lambda e: e.path)
    ]
    text = json.dumps(body, indent=1, sort_keys=True).encode() + b"\n"
    (folder / MANIFEST).write_bytes(text)
    (folder / MANIFEST_SUM).write_text(f"{hashlib.sha256(text).hexdigest()}  {MANIFEST}\n")


def read(folder: Path) -> dict[str, Any]:
    """The manifest, checked against its own checksum; BackupProblem naming the file otherwise."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupProblem(f"{folder}: no such backup folder")
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise BackupProblem(f"{path}: cannot be read ({exc.strerror}); not a backup?") from None
    try:
        expected = (folder / MANIFEST_SUM).read_text().split()[0]
    except (OSError, IndexError):
        raise BackupProblem(f"{folder / MANIFEST_SUM}: missing or empty") from None
    if hashlib.sha256(text).hexdigest() != expected:
        raise BackupProblem(f"{path}: corrupted (its SHA-256 does not match {MANIFEST_SUM})")
    try:
        data: dict[str, Any] = json.loads(text)
    except ValueError:
        raise BackupProblem(f"{path}: not JSON") from None
    if data.get("format") != FORMAT:
        raise BackupProblem(f"{path}: format {data.get('format')!r} is not {FORMAT!r}")
    return data


def entries(manifest: dict[str, Any]) -> list[Entry]:
    return [Entry(str(f["path"]), str(f["sha256"]), int(f["size"])) for f in manifest["files"]]


@dataclass(frozen=True)
class Checked:
    files: int
    bytes: int
    problems: tuple[str, ...]  # one line per bad file, naming it
    unexpected: tuple[str, ...]  # files in the folder the manifest does not list

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    folder: Path, manifest: dict[str, Any], progress: Callable[[int], None] | None = None
) -> Checked:
    """Check every listed file's presence, size and SHA-256; list files nobody listed."""
    problems = []
    listed = entries(manifest)
    total = 0
    for entry in listed:
        path = folder / entry.path
        if not path.is_file():
            problems.append(f"{entry.path}: missing")
            if progress is not None:
                progress(entry.size)
            continue
        size = path.stat().st_size
        if size != entry.size:
            problems.append(
                f"{entry.path}: corrupted ({size:,} bytes, the manifest says {entry.size:,})"
            )
            if progress is not None:
                progress(entry.size)
            continue
        if sha256_of(path, progress) != entry.sha256:
            problems.append(f"{entry.path}: corrupted (its SHA-256 does not match the manifest)")
        total += size
    known = {e.path for e in listed} | {MANIFEST, MANIFEST_SUM}
    unexpected = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).as_posix() not in known
    )
    return Checked(len(listed), total, tuple(problems), tuple(unexpected))
