"""Import records: an import whose process died is marked interrupted, not left running."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from transferwatch.audit.models import Event
from transferwatch.imports import services
from transferwatch.imports.models import Import


def test_it_marks_an_import_of_a_dead_process_as_interrupted(data_dir: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    host = socket.gethostname()
    gone = Import.objects.create(
        kind="bookings",
        file_name="b.csv",
        status="running",
        details={"runner": {"host": host, "pid": dead.pid}},
    )
    alive = Import.objects.create(
        kind="bookings",
        file_name="c.csv",
        status="running",
        details={"runner": {"host": host, "pid": os.getpid()}},
    )
    assert services.reap_interrupted() == 1
    gone.refresh_from_db()
    alive.refresh_from_db()
    assert gone.status == "interrupted" and "restart it" in gone.message
    assert alive.status == "running"
    assert Event.objects.filter(
        action="imports.import.interrupted", object_id=str(gone.pk)
    ).exists()
