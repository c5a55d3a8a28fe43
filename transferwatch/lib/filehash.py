"""The SHA-256 of a file, begun early on another thread.

An import records the hash of its file before anything else (`imports.services.start`): for a
large file that is a read of its own (0.3-0.7 s per 400 MB). `transferwatch import ... FILE`
begins it as the process starts (`begin`, from `transferwatch.cli`), on a thread, while Python
imports Django and the apps on the other core (hashlib lets go of the GIL while it hashes).
`sha256` then takes that result if the file is the one hashed (same path, size and
modification time), and otherwise reads the file itself. No Django here: it runs before setup.
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import Future
from pathlib import Path

CHUNK = 4 * 1024 * 1024
WORTH_A_THREAD = 16 * 1024 * 1024  # smaller files are hashed when asked

_begun: dict[tuple[str, int, int], Future[str]] = {}
_lock = threading.Lock()


def _identity(path: Path) -> tuple[str, int, int]:
    stat = os.stat(path)
    return (os.path.realpath(path), stat.st_size, stat.st_mtime_ns)


def compute(path: Path, chunk: int = CHUNK) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def begin(path: Path) -> None:
    """Start hashing `path` on a thread, if it is a file large enough to be worth it."""
    try:
        if not path.is_file():
            return
        identity = _identity(path)
    except OSError:
        return
    if identity[1] < WORTH_A_THREAD:
        return
    future: Future[str] = Future()

    def run() -> None:
        try:
            future.set_result(compute(path))
        except BaseException as exc:  # given to whoever asks for the result
            future.set_exception(exc)

    with _lock:
        if identity in _begun:
            return
        _begun[identity] = future
    threading.Thread(target=run, name="filehash", daemon=True).start()


def sha256(path: Path) -> str:
    """The hex SHA-256 of the file: the one `begin` computed if it is the same file, else read."""
    try:
        identity = _identity(path)
    except OSError:
        identity = None
    with _lock:
        future = _begun.pop(identity, None) if identity is not None else None
    if future is not None:
        try:
            digest = future.result()
        except OSError:
            pass
        else:
            try:
                if _identity(path) == identity:  # not changed while it was hashed
                    return digest
            except OSError:
                pass
    return compute(path)
