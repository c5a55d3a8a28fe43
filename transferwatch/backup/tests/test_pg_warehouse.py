"""Backups of a site whose bookings live in PostgreSQL (TRANSFERWATCH_WAREHOUSE=postgresql://...).

Two sites: one with the warehouse in a database of its own (its bookings exported into Parquet
files in the backup, with their SHA-256), one with the warehouse in the app's own database (the
bookings inside the dump, their rows and checksum in the manifest). Each is backed up, its
databases dropped, restored, and everything compared; a damaged bookings file is refused by
verify and restore naming it; a restore refuses a bookings store that is not empty, naming it.
Runs when DATABASE_URL names a PostgreSQL server (conftest.py), skips otherwise.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from transferwatch.backup import manifest as mf
from transferwatch.backup.tests.conftest import Databases, _postgres_url
from transferwatch.backup.tests.site import Site, written
from transferwatch.backup.tests.test_refusals import _flip_a_byte


def _rows(url: str) -> int | None:
    """Bookings in the warehouse table of the database `url` (None when there is no table)."""
    import psycopg

    with psycopg.connect(url) as con:
        row = con.execute("SELECT to_regclass('tw_warehouse.bookings') IS NOT NULL").fetchone()
        if not (row and row[0]):
            return None
        row = con.execute("SELECT count(*) FROM tw_warehouse.bookings").fetchone()
    return int(row[0]) if row else None


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@dataclass
class PgSite:
    where: str  # "own database" or "app database"
    site: Site
    warehouse: str
    backup: Path
    census: dict[str, Any]
    made: str
    databases: Databases
    root: Path

    def fresh(self, warehouse: str = "") -> Site:
        """A new installation: empty app database, empty warehouse (its own database or the app's)."""
        app = self.databases.create()
        if not warehouse:
            warehouse = app if self.where == "app database" else self.databases.create()
        extra = {"TRANSFERWATCH_WAREHOUSE": warehouse}
        return Site(self.root / f"fresh-{_name(app)}", app, extra=extra)


@pytest.fixture(scope="module", params=["own database", "app database"])
def pg_site(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[PgSite]:
    databases = Databases(_postgres_url())
    root = tmp_path_factory.mktemp("backup-pg-warehouse")
    try:
        app = databases.create()
        warehouse = app if request.param == "app database" else databases.create()
        site = Site(root / "site", app, extra={"TRANSFERWATCH_WAREHOUSE": warehouse})
        site.build(root / "synth")
        census = site.census()
        made = site.ok("backup", "create", str(root / "backup"))
        yield PgSite(request.param, site, warehouse, root / "backup", census, made, databases, root)
    finally:
        databases.drop_all()


def test_the_backup_holds_the_bookings_of_the_postgres_store(pg_site: PgSite) -> None:
    body = mf.read(pg_site.backup)
    assert pg_site.census["bookings"] == _rows(pg_site.warehouse) == 603
    assert body["warehouse"]["store"] == "postgresql"
    assert body["warehouse"]["rows"] == 603 and int(body["warehouse"]["checksum"]) > 0
    parquet = [f["path"] for f in body["files"] if f["path"].endswith(".parquet")]
    if pg_site.where == "own database":
        assert body["warehouse"]["held_in"] == "export"
        assert "603 bookings exported from the PostgreSQL warehouse" in pg_site.made
        assert parquet and all(p.startswith("warehouse/bookings/v000001/quarter=") for p in parquet)
        on_disk = {p.relative_to(pg_site.backup).as_posix() for p in pg_site.backup.rglob("*")}
        assert {f["path"] for f in body["files"]} <= on_disk
        assert not [p for p in on_disk if p.endswith(".lock")]
    else:
        assert body["warehouse"]["held_in"] == "database dump"
        assert "603 bookings in the database dump" in pg_site.made
        assert parquet == []
    assert "postgres@" not in pg_site.made and "postgres@" not in str(body)


def test_it_restores_the_bookings_into_the_postgres_store_after_both_are_dropped(
    pg_site: PgSite,
) -> None:
    site, databases = pg_site.site, pg_site.databases
    for url in {site.database_url, pg_site.warehouse}:
        databases.drop(_name(url))
        databases.create(_name(url))
    for folder in ("warehouse", "attachments", "imports", "packets"):
        shutil.rmtree(site.folder / folder, ignore_errors=True)
    assert _rows(pg_site.warehouse) is None

    result = site.run("backup", "restore", str(pg_site.backup))

    assert result.returncode == 0, result.stderr
    assert "603 bookings, as in the backup (checksum" in result.stdout
    assert "in the PostgreSQL warehouse" in result.stdout
    assert "audit trail intact" in result.stdout
    assert _rows(pg_site.warehouse) == 603
    assert site.census() == pg_site.census
    assert not (site.folder / "warehouse" / "bookings" / "manifest.json").exists()
    again = site.run("import", "bookings", str(pg_site.root / "synth" / "bookings.csv"))
    assert "already imported" in again.stdout + again.stderr


def test_a_damaged_bookings_file_is_refused_by_verify_and_restore_naming_it(
    pg_site: PgSite, tmp_path: Path
) -> None:
    copy = tmp_path / "backup"
    shutil.copytree(pg_site.backup, copy)
    if pg_site.where == "own database":
        damaged = sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*.parquet"))[0]
    else:
        damaged = mf.read(copy)["database"]["file"]
    _flip_a_byte(copy / damaged)
    site = pg_site.fresh()

    verify = site.run("backup", "verify", str(copy))
    restore = site.run("backup", "restore", str(copy))

    for result in (verify, restore):
        assert result.returncode == 2
        assert f"{damaged}: corrupted (its SHA-256 does not match the manifest)" in result.stderr
    assert written(site) == (0, 0, 0)
    assert _rows(site.extra["TRANSFERWATCH_WAREHOUSE"]) is None


def test_restore_refuses_a_bookings_store_that_is_not_empty_naming_it(
    pg_site: PgSite,
) -> None:
    if pg_site.where == "app database":
        pytest.skip("the app's own database with bookings is refused as a database with data")
    site = pg_site.fresh(warehouse=pg_site.warehouse)  # the original store, with its bookings

    result = site.run("backup", "restore", str(pg_site.backup))

    assert result.returncode == 2
    assert f"the PostgreSQL warehouse 127.0.0.1:5432/{_name(pg_site.warehouse)}" in result.stderr
    assert "is not empty (603 bookings, 1 imports)" in result.stderr
    assert written(site) == (0, 0, 0)


def test_a_backup_with_bookings_in_its_dump_needs_the_store_in_the_app_database(
    pg_site: PgSite,
) -> None:
    site = pg_site.fresh()
    site.extra["TRANSFERWATCH_WAREHOUSE"] = ""  # the Parquet files
    result = site.run("backup", "restore", str(pg_site.backup))
    if pg_site.where == "own database":  # exported bookings go into any store: here Parquet
        assert result.returncode == 0, result.stderr
        assert "603 bookings, as in the backup" in result.stdout
        assert "in the Parquet warehouse" in result.stdout
        return
    assert result.returncode == 2
    assert "its bookings are inside its database dump" in result.stderr
    assert written(site) == (0, 0, 0)


def test_a_failed_database_restore_leaves_the_bookings_store_empty(
    pg_site: PgSite, tmp_path: Path
) -> None:
    """The store in its own database is filled first; the database restore failing empties it."""
    if pg_site.where == "app database":
        pytest.skip(
            "in the app's database the bookings come back with the dump, in its transaction"
        )
    fake = tmp_path / "bin" / "pg_restore"
    fake.parent.mkdir()
    real = shutil.which("pg_restore")
    fake.write_text(
        f'#!/bin/sh\nif [ "$1" = --version ]; then exec {real} --version; fi\n'
        'echo "pg_restore: error: a failure for the test" >&2\nexit 1\n'
    )
    fake.chmod(0o755)
    site = pg_site.fresh()
    site.extra["PATH"] = f"{fake.parent}:{os.environ.get('PATH', '')}"

    result = site.run("backup", "restore", str(pg_site.backup))

    assert result.returncode == 1
    assert "pg_restore failed: pg_restore: error: a failure for the test" in result.stderr
    assert _rows(site.extra["TRANSFERWATCH_WAREHOUSE"]) is None
    assert written(site) == (0, 0, 0)
