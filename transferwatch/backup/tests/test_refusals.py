"""What `backup` refuses, with the file named and nothing written (exit 2), on both vendors."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from transferwatch.backup import manifest as mf
from transferwatch.backup.tests.conftest import BackedUp
from transferwatch.backup.tests.site import AUDIT_KEY, OTHER_KEY, Site, written


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _a_parquet_file(backup: Path) -> str:
    return sorted(p.relative_to(backup).as_posix() for p in backup.rglob("*.parquet"))[0]


def test_verify_passes_an_intact_backup(backed_up: BackedUp) -> None:
    result = backed_up.site.run("backup", "verify", str(backed_up.backup))
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout and "every SHA-256 as in the manifest" in result.stdout


def test_a_corrupted_file_is_refused_by_verify_and_restore_naming_it(
    backed_up: BackedUp, backup_copy: Path
) -> None:
    damaged = _a_parquet_file(backup_copy)
    _flip_a_byte(backup_copy / damaged)
    site = backed_up.fresh_site()

    verify = site.run("backup", "verify", str(backup_copy))
    restore = site.run("backup", "restore", str(backup_copy))

    for result in (verify, restore):
        assert result.returncode == 2
        assert f"{damaged}: corrupted (its SHA-256 does not match the manifest)" in result.stderr
    assert written(site) == (0, 0, 0)


def test_a_missing_dump_is_refused_naming_it(backed_up: BackedUp, backup_copy: Path) -> None:
    dump = next((backup_copy / "database").iterdir())
    dump.unlink()
    result = backed_up.site.run("backup", "verify", str(backup_copy))
    assert result.returncode == 2
    assert f"database/{dump.name}: missing" in result.stderr


def test_a_damaged_manifest_is_refused(backed_up: BackedUp, backup_copy: Path) -> None:
    manifest = backup_copy / mf.MANIFEST
    manifest.write_text(manifest.read_text().replace('"rows": 603', '"rows": 604'))
    result = backed_up.site.run("backup", "verify", str(backup_copy))
    assert result.returncode == 2
    assert "manifest.json: corrupted" in result.stderr


def test_restore_refuses_another_audit_key_and_writes_nothing(backed_up: BackedUp) -> None:
    site = backed_up.fresh_site(audit_key=OTHER_KEY)
    result = site.run("backup", "restore", str(backed_up.backup))
    assert result.returncode == 2
    assert "the audit key of this environment is not the key of the backed-up" in result.stderr
    assert "nothing was restored" in result.stderr
    assert written(site) == (0, 0, 0)


def test_restore_refuses_a_database_with_data(backed_up: BackedUp) -> None:
    result = backed_up.site.run("backup", "restore", str(backed_up.backup))
    assert result.returncode == 2
    assert "has data" in result.stderr and "restore only into an empty database" in result.stderr


def test_create_refuses_a_folder_that_is_not_empty(backed_up: BackedUp) -> None:
    before = (backed_up.backup / mf.MANIFEST).read_bytes()
    result = backed_up.site.run("backup", "create", str(backed_up.backup))
    assert result.returncode == 2
    assert "already exists and is not empty" in result.stderr
    assert (backed_up.backup / mf.MANIFEST).read_bytes() == before
    assert not list(backed_up.backup.parent.glob(".*partial*"))


def test_the_audit_key_is_never_in_a_backup(backed_up: BackedUp) -> None:
    secret_key = (backed_up.site.folder / "secret.key").read_bytes().strip()
    for path in backed_up.backup.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert AUDIT_KEY.encode() not in content, path
            assert secret_key not in content, path
    body = mf.read(backed_up.backup)
    assert body["audit"]["key"].startswith("not in this backup")


def test_restore_runs_the_audit_verification_and_fails_on_a_broken_chain(
    backed_up: BackedUp, backup_copy: Path
) -> None:
    """An event edited inside the dump (its manifest rewritten to match) is found after restore."""
    if backed_up.vendor != "sqlite":
        pytest.skip("editing an event inside a pg_dump archive is not practical; same code path")
    body = mf.read(backup_copy)
    dump = backup_copy / body["database"]["file"]
    with sqlite3.connect(dump) as con:
        con.execute("DROP TRIGGER audit_event_no_update")
        con.execute("UPDATE audit_event SET action = 'edited.quietly' WHERE seq = 2")
    con.close()
    entries = [
        mf.Entry(e.path, mf.sha256_of(dump), dump.stat().st_size)
        if e.path == body["database"]["file"]
        else e
        for e in mf.entries(body)
    ]
    mf.write(backup_copy, {k: v for k, v in body.items() if k != "files"}, entries)
    site = backed_up.fresh_site()

    result = site.run("backup", "restore", str(backup_copy))

    assert result.returncode == 1
    assert "audit trail BROKEN at event 2 after the restore" in result.stderr


def test_create_refuses_a_pg_dump_older_than_the_server_and_leaves_nothing(
    backed_up: BackedUp, tmp_path: Path
) -> None:
    if backed_up.vendor != "postgresql":
        pytest.skip("pg_dump's version matters on PostgreSQL only")
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n')
    fake.chmod(0o755)
    site = backed_up.site
    site.extra["PATH"] = f"{fake.parent}:{os.environ.get('PATH', '')}"
    try:
        result = site.run("backup", "create", str(tmp_path / "backup"))
    finally:
        del site.extra["PATH"]
    assert result.returncode == 1
    assert "pg_dump 9.6.24 is older than the PostgreSQL" in result.stderr
    assert "apt-get install postgresql-client" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]


def test_a_backup_made_under_a_key_that_does_not_verify_the_chain_warns_and_still_restores(
    backed_up: BackedUp, tmp_path: Path
) -> None:
    """Its key check would be of the wrong key: none is recorded, and the site's key restores."""
    site = backed_up.site
    misconfigured = Site(site.folder, site.database_url, OTHER_KEY)

    made = misconfigured.run("backup", "create", str(tmp_path / "backup"))

    assert made.returncode == 0, made.stderr
    assert "does not verify the newest audit event" in made.stderr
    assert mf.read(tmp_path / "backup")["audit"]["key_check"] is None
    restored = backed_up.fresh_site().run("backup", "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr
    assert "recorded no key check" in restored.stdout
    assert "audit trail intact" in restored.stdout
