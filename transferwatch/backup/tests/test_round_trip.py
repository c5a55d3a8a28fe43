"""Backup, then the database dropped and the files gone, then restore: everything is back.

Runs on SQLite and on PostgreSQL (conftest.py says when PostgreSQL runs). "Everything" is the
census of the site taken before the backup: the rows of every table, the audit chain's head, the
bookings read back from the warehouse and every stored file with its SHA-256.
"""

from __future__ import annotations

from transferwatch.backup.tests.conftest import BackedUp
from transferwatch.backup.tests.site import written


def test_the_site_backed_up_has_records_bookings_and_files(backed_up: BackedUp) -> None:
    census = backed_up.census
    assert census["bookings"] == 603  # 600-odd synthetic bookings; the bad row refused
    assert census["tables"]["audit_event"] == census["audit"][0] >= 5
    assert census["tables"]["agencies_agency"] == 3
    assert {name.split("/")[0] for name in census["files"]} == {"attachments", "imports"}


def test_a_backup_is_readable_by_its_owner_only(backed_up: BackedUp) -> None:
    modes = {p.stat().st_mode & 0o777 for p in backed_up.backup.rglob("*")}
    assert modes == {0o700, 0o600}
    assert backed_up.backup.stat().st_mode & 0o777 == 0o700


def test_it_restores_every_record_booking_and_file_after_the_database_is_dropped(
    backed_up: BackedUp,
) -> None:
    site = backed_up.site
    backed_up.drop_site()
    assert written(site) == (0, 0, 0)

    result = site.run("backup", "restore", str(backed_up.backup))

    assert result.returncode == 0, result.stderr
    events = backed_up.census["audit"][0]
    assert "the audit key is not in backups" in result.stdout
    assert f"audit trail intact: {events} events verified" in result.stdout
    assert "every table's count as in the backup" in result.stdout
    verified = site.run("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert f"{events} events verified" in verified.stdout
    assert site.census() == backed_up.census
    attachments = list((site.folder / "attachments").iterdir())
    assert attachments and all(p.stat().st_mode & 0o777 == 0o600 for p in attachments)


def test_the_restored_site_keeps_working(backed_up: BackedUp) -> None:
    """A fresh installation restored from the backup takes new audit events onto the chain."""
    site = backed_up.fresh_site()
    site.ok("backup", "restore", str(backed_up.backup))
    site.ok("shell", "-c", "from transferwatch.audit.services import record; record('test.after')")
    result = site.run("audit", "verify")
    assert result.returncode == 0, result.stderr
    assert f"{backed_up.census['audit'][0] + 1} events verified" in result.stdout
