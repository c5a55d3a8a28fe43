"""A TransferWatch site in child processes, for backing up and restoring it for real.

The test process's own database is a rolled-back transaction, which neither pg_dump nor SQLite's
backup API can see; so each site here is a data folder (and, on PostgreSQL, a database of its
own) driven through the `transferwatch` command, exactly as an operator would.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AUDIT_KEY = "backup-test-audit-key-0123456789abcdef"
OTHER_KEY = "another-audit-key-that-is-not-the-site-key"

# Run in the site with Django set up: bookings in the warehouse (one row refused, so the import
# keeps a rejects report), users, an allegation with an attachment, and the audit events of all.
WORLD = """
from datetime import date
from pathlib import Path
from django.core.files.uploadedfile import SimpleUploadedFile
from transferwatch.accounts.models import User
from transferwatch.analytics.synth import generate
from transferwatch.audit.services import record
from transferwatch.cases.models import Allegation
from transferwatch.cases.services import store_attachment
from transferwatch.imports.warehouse import import_agencies, import_bookings
folder = Path(%(synth)r)
generate(folder, agencies=3, start=date(2015, 1, 1), end=date(2016, 6, 30), seed=4,
         plants={}, fmt="csv", bookings=600)
with (folder / "bookings.csv").open("a") as out:
    out.write("B-REFUSED,XX0000000,2015-05-05" + "," * 16 + "\\n")
import_agencies(folder / "agencies.csv")
import_bookings(folder / "bookings.csv", skip_invalid=True)
ana = User.objects.create_user("ana", password="correct horse battery staple")
record("accounts.user.created", ana)
allegation = Allegation.objects.create(source="mail", channel="mail", types=["profiling_ethnicity"])
record("cases.allegation.received", allegation)
store_attachment(SimpleUploadedFile("letter.txt", b"A letter about a traffic stop."),
                 allegation=allegation)
"""

# Printed as JSON: rows of every table, the audit head, bookings read back from the warehouse,
# and every stored file with its SHA-256.
CENSUS = """
import hashlib, json
from django.db import connection
from transferwatch.audit.models import ChainHead
from transferwatch.backup import database, services
files = {}
for name, root in services.file_groups().items():
    for path in services._walk(root):
        files[name + "/" + path.relative_to(root).as_posix()] = hashlib.sha256(
            path.read_bytes()).hexdigest()
head = ChainHead.objects.get(pk=1)
print(json.dumps({"tables": database.table_counts(), "audit": [head.seq, head.hash],
                  "bookings": services.warehouse_rows(), "files": files}))
"""


@dataclass
class Site:
    """One TransferWatch installation: a data folder and a database URL (empty for SQLite)."""

    folder: Path
    database_url: str = ""
    audit_key: str = AUDIT_KEY
    extra: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_URL", "DJANGO_", "TRANSFERWATCH_"))
        }
        env.update(
            TRANSFERWATCH_MODE="development",
            TRANSFERWATCH_DATA_DIR=str(self.folder),
            TRANSFERWATCH_AUDIT_KEY=self.audit_key,
            **self.extra,
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "transferwatch.cli", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        if result.returncode != 0:
            raise AssertionError(f"transferwatch {' '.join(args)}: {result.stderr[-2000:]}")
        return result.stdout

    def build(self, synth: Path) -> None:
        self.ok("migrate", "--no-input")
        self.ok("shell", "-c", WORLD % {"synth": str(synth)})

    def census(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.ok("shell", "-c", CENSUS).strip().splitlines()[-1])
        return data


def written(site: Site) -> tuple[int, int, int]:
    """(tables, stored files, warehouse manifests) in a site: (0, 0, 0) when nothing is there.

    Read straight from the database and the folders, not through the site's own code.
    """
    if site.database_url:
        import psycopg

        with psycopg.connect(site.database_url) as con:
            row = con.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                "('pg_catalog', 'information_schema')"
            ).fetchone()
        tables = int(row[0]) if row else 0
    else:
        path = site.folder / "transferwatch.sqlite3"
        tables = 0
        if path.exists():
            with closing(sqlite3.connect(path)) as con:
                tables = len(
                    con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
                )
    files = sum(
        1
        for folder in ("attachments", "imports", "packets")
        for p in (site.folder / folder).rglob("*")
        if p.is_file() and not p.name.startswith(".")
    )
    manifest = int((site.folder / "warehouse" / "bookings" / "manifest.json").exists())
    return tables, files, manifest
