"""The manifest on its own: checksums, sizes, missing and unlisted files, the key check."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from transferwatch.backup import manifest as mf


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    (tmp_path / "files" / "attachments").mkdir(parents=True)
    entries = []
    for name, data in (("files/attachments/a", b"first file"), ("database/db", b"dump" * 100)):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entries.append(mf.Entry(name, hashlib.sha256(data).hexdigest(), len(data)))
    mf.write(tmp_path, {"created": "2026-12-04T00:00:00+00:00"}, entries)
    return tmp_path


def test_it_checks_every_file(backup: Path) -> None:
    checked = mf.verify(backup, mf.read(backup))
    assert checked.ok and checked.files == 2 and checked.bytes == 410
    assert checked.unexpected == ()


def test_it_names_a_file_whose_bytes_changed_but_not_its_size(backup: Path) -> None:
    (backup / "database" / "db").write_bytes(b"dumP" * 100)
    checked = mf.verify(backup, mf.read(backup))
    assert checked.problems == ("database/db: corrupted (its SHA-256 does not match the manifest)",)


def test_it_names_a_file_cut_short_and_a_missing_one(backup: Path) -> None:
    (backup / "database" / "db").write_bytes(b"dump")
    (backup / "files" / "attachments" / "a").unlink()
    checked = mf.verify(backup, mf.read(backup))
    assert checked.problems == (
        "database/db: corrupted (4 bytes, the manifest says 400)",
        "files/attachments/a: missing",
    )


def test_it_lists_files_the_manifest_does_not_name(backup: Path) -> None:
    (backup / "notes.txt").write_text("added by hand")
    checked = mf.verify(backup, mf.read(backup))
    assert checked.ok and checked.unexpected == ("notes.txt",)


def test_a_damaged_or_missing_manifest_is_named(backup: Path) -> None:
    text = (backup / mf.MANIFEST).read_text()
    (backup / mf.MANIFEST).write_text(text.replace("2026", "2025"))
    with pytest.raises(mf.BackupProblem, match=r"manifest.json: corrupted"):
        mf.read(backup)
    (backup / mf.MANIFEST).unlink()
    with pytest.raises(mf.BackupProblem, match=r"manifest.json: cannot be read"):
        mf.read(backup)


def test_the_key_check_tells_keys_apart_without_holding_the_key() -> None:
    key = b"k" * 40
    check = mf.key_check(key)
    assert mf.key_matches(key, check)
    assert not mf.key_matches(b"j" * 40, check)
    assert key.decode() not in check and len(check) == 64
