"""`lib.filehash`: the hash begun early is the file's, and a file changed since is hashed again."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from transferwatch.lib import filehash


@pytest.fixture
def big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(filehash, "WORTH_A_THREAD", 1)
    path = tmp_path / "b.csv"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    return path


def test_the_hash_begun_early_is_the_files(big: Path) -> None:
    filehash.begin(big)
    assert filehash._begun
    assert filehash.sha256(big) == hashlib.sha256(big.read_bytes()).hexdigest()
    assert not filehash._begun


def test_a_file_changed_after_the_hash_began_is_hashed_again(big: Path) -> None:
    filehash.begin(big)
    filehash._begun[next(iter(filehash._begun))].result()
    big.write_bytes(b"other bytes")
    assert filehash.sha256(big) == hashlib.sha256(b"other bytes").hexdigest()
    filehash._begun.clear()


def test_nothing_begins_for_a_small_or_missing_file(tmp_path: Path) -> None:
    small = tmp_path / "s.csv"
    small.write_text("booking_id\n")
    filehash.begin(small)
    filehash.begin(tmp_path / "missing.csv")
    assert not filehash._begun
    assert filehash.sha256(small) == hashlib.sha256(b"booking_id\n").hexdigest()
