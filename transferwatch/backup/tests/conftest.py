"""One backed-up site per database vendor, built once per test session.

SQLite runs when DATABASE_URL is not PostgreSQL (CI's first pass). PostgreSQL runs when
DATABASE_URL names a PostgreSQL server (CI's second pass) and pg_dump and pg_restore are
installed: the sites get databases of their own, with unique names, created on that server and
dropped afterwards; the database DATABASE_URL names (CI's `test`) is not touched.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from transferwatch.backup.tests.site import AUDIT_KEY, Site


def _names_postgres(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql", "pgsql")


def _postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not _names_postgres(url):
        pytest.skip(
            "the PostgreSQL backup tests run when DATABASE_URL names a PostgreSQL server "
            f"(it is {'unset' if not url else 'not PostgreSQL'})"
        )
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install postgresql-client)")
    return url


@dataclass
class Databases:
    """Databases of our own on the server DATABASE_URL names; all dropped by `drop_all`."""

    url: str
    made: list[str] = field(default_factory=list)

    def _admin(self) -> Any:
        import psycopg

        parts = urlsplit(self.url)
        return psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True)

    def create(self, name: str = "") -> str:
        import psycopg

        name = name or f"twbackup_{uuid.uuid4().hex[:12]}"
        try:
            with self._admin() as con:
                con.execute(f'CREATE DATABASE "{name}"')
        except psycopg.errors.InsufficientPrivilege:
            pytest.skip("the DATABASE_URL account may not create databases (CREATEDB)")
        if name not in self.made:
            self.made.append(name)
        return urlsplit(self.url)._replace(path=f"/{name}").geturl()

    def drop(self, name: str) -> None:
        with self._admin() as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_all(self) -> None:
        for name in self.made:
            self.drop(name)


@dataclass
class BackedUp:
    """A site with records, bookings and files; its backup; and what it held when backed up."""

    vendor: str
    site: Site
    backup: Path
    census: dict[str, Any]
    root: Path
    databases: Databases | None = None

    def fresh_site(self, audit_key: str = AUDIT_KEY) -> Site:
        """A new installation: an empty data folder and an empty database."""
        url = self.databases.create() if self.databases is not None else ""
        return Site(self.root / f"fresh-{uuid.uuid4().hex[:8]}", url, audit_key)

    def drop_site(self) -> None:
        """The disaster: the site's database dropped, its warehouse and files gone (keys kept)."""
        data = self.site.folder
        if self.databases is not None:
            name = urlsplit(self.site.database_url).path.lstrip("/")
            self.databases.drop(name)
            self.databases.create(name)
        else:
            for suffix in ("", "-wal", "-shm"):
                (data / f"transferwatch.sqlite3{suffix}").unlink(missing_ok=True)
        for folder in ("warehouse", "attachments", "imports", "packets"):
            shutil.rmtree(data / folder, ignore_errors=True)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backed_up(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[BackedUp]:
    vendor = request.param
    if vendor == "sqlite" and _names_postgres(os.environ.get("DATABASE_URL", "")):
        pytest.skip(
            "the SQLite backup tests do not depend on DATABASE_URL: they run in the pass "
            "without it, this pass runs PostgreSQL's"
        )
    databases = Databases(_postgres_url()) if vendor == "postgresql" else None
    root = tmp_path_factory.mktemp(f"backup-{vendor}")
    try:
        site = Site(root / "site", databases.create() if databases else "")
        site.build(root / "synth")
        census = site.census()
        site.ok("backup", "create", str(root / "backup"))
        yield BackedUp(vendor, site, root / "backup", census, root, databases)
    finally:
        if databases is not None:
            databases.drop_all()


@pytest.fixture
def backup_copy(backed_up: BackedUp, tmp_path: Path) -> Path:
    """A copy of the backup to damage."""
    copy = tmp_path / "backup"
    shutil.copytree(backed_up.backup, copy)
    return copy
