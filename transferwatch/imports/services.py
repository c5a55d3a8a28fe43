"""The life of an Import record: start (hash, duplicate check), run with progress, finish.

Every finish writes one audit event (`imports.import.done`, `.rejected`, `.failed`, `.unchanged`).
The data itself is written by the importer for its kind, all or nothing, before `finish`.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from transferwatch.audit.services import record
from transferwatch.imports.models import Import
from transferwatch.lib import filehash


class ImportInputError(Exception):
    """The file cannot be imported as given; the message names the file, row and field."""


def plural(n: int, word: str, words: str = "") -> str:
    """'1 row', '2 rows', '1,000 agencies'."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def incoming_folder() -> Path:
    """Where uploads land before they have an import record."""
    folder = Path(settings.DATA_DIR) / "imports" / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_token() -> str:
    return uuid.uuid4().hex


def file_sha256(path: Path) -> str:
    """The file's SHA-256 (begun as the command started, for `transferwatch import`)."""
    return filehash.sha256(path)


def start(
    kind: str,
    path: Path,
    *,
    user: Any = None,
    file_format: str = "",
    skip_invalid: bool = False,
    file_name: str = "",
) -> Import:
    """Record a new import of `path` (status queued), with its size and content hash."""
    if not path.is_file():
        raise ImportInputError(f"{path}: no such file")
    reap_interrupted()
    return Import.objects.create(
        kind=kind,
        file_name=file_name or path.name,
        file_format=file_format,
        file_hash=file_sha256(path),
        file_size=path.stat().st_size,
        skip_invalid=skip_invalid,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def already_imported(imp: Import) -> Import | None:
    """An earlier finished import of the same kind and the same bytes, if any."""
    return (
        Import.objects.filter(kind=imp.kind, file_hash=imp.file_hash, status="done")
        .exclude(pk=imp.pk)
        .order_by("-pk")
        .first()
    )


def mark_running(imp: Import, rows_total: int = 0) -> None:
    runner = {"host": socket.gethostname(), "pid": os.getpid()}
    Import.objects.filter(pk=imp.pk).update(
        status="running",
        started_at=timezone.now(),
        rows_total=rows_total,
        details={**imp.details, "runner": runner},
    )
    imp.refresh_from_db()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_interrupted() -> int:
    """Mark interrupted the imports whose process on this host died while running them.

    A killed import changed nothing (its writes were never committed or swapped in); this only
    corrects its record, which would otherwise say "running" for ever, so it can be restarted.
    """
    host = socket.gethostname()
    reaped = 0
    for imp in Import.objects.filter(status="running"):
        runner = imp.details.get("runner") or {}
        if runner.get("host") == host and not _alive(int(runner.get("pid", 0))):
            interrupt(imp, "its process ended")
            reaped += 1
    return reaped


def interrupt(imp: Import, reason: str) -> Import:
    """A shutdown stopped the import before it finished: nothing was changed; restart it."""
    return finish(
        imp,
        "interrupted",
        message=f"{imp.file_name}: interrupted ({reason}) before it finished; "
        "nothing was changed: restart it",
    )


def requeue(imp: Import, user: Any) -> Import:
    """The reverse of `interrupt`: the same import, on the file kept with it, waits again."""
    with transaction.atomic():
        imp = Import.objects.select_for_update().get(pk=imp.pk)
        if imp.status != "interrupted":
            raise ValueError(f"import {imp.pk} is {imp.status}, not interrupted")
        if not any(imp.folder.glob("upload.*")):
            raise ValueError(f"import {imp.pk} no longer has its file: upload it again")
        imp.status = "queued"
        imp.started_at = imp.finished_at = None
        imp.rows_done = imp.rows_accepted = imp.rows_rejected = 0
        imp.message = ""
        imp.save()
        record("imports.import.requeued", imp, actor=user)
    return imp


def progress(imp: Import, rows_done: int, rows_total: int | None = None) -> None:
    """Progress for the page's indicator.

    Outside a transaction it is written to the import's row. An import that writes as it reads
    holds its transaction open (all or nothing), where a row update would not be seen until the
    end: its progress goes to a small file beside its rejects report instead, which the page
    reads while the import runs (`Import.live_progress`).
    """
    if not transaction.get_connection().in_atomic_block:
        fields: dict[str, Any] = {"rows_done": rows_done}
        if rows_total is not None:
            fields["rows_total"] = rows_total
        Import.objects.filter(pk=imp.pk).update(**fields)
        return
    imp.folder.mkdir(parents=True, exist_ok=True)
    tmp = imp.progress_path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"rows_done": rows_done, "rows_total": rows_total}))
    os.replace(tmp, imp.progress_path)


def finish(
    imp: Import,
    status: str,
    *,
    accepted: int = 0,
    rejected: int = 0,
    message: str = "",
    details: dict[str, Any] | None = None,
) -> Import:
    if status not in Import.FINISHED:
        raise ValueError(f"{status!r} is not a finished status")
    with transaction.atomic():
        imp = Import.objects.select_for_update().get(pk=imp.pk)
        imp.status = status
        imp.finished_at = timezone.now()
        imp.rows_accepted = accepted
        imp.rows_rejected = rejected
        imp.rows_done = imp.rows_total if status == "done" else imp.rows_done
        imp.message = message
        imp.details = {**imp.details, **(details or {})}
        imp.save()
        imp.progress_path.unlink(missing_ok=True)
        record(
            f"imports.import.{status}",
            imp,
            actor=imp.created_by,
            changes={
                "kind": imp.kind,
                "file_name": imp.file_name,
                "file_hash": imp.file_hash,
                "rows_accepted": accepted,
                "rows_rejected": rejected,
            },
        )
    return imp


def classify_imported(imp: Import, progress: Any = None) -> dict[str, int]:
    """Judge every transfer request an import brought in (plan part P2: every request reviewed)."""
    from transferwatch.transfers.bulk_review import classify_pending

    if imp.status != "done" or imp.kind != "detainers":
        return {}
    counts = classify_pending(imp.transfer_requests.all(), actor=imp.created_by, progress=progress)
    Import.objects.filter(pk=imp.pk).update(details={**imp.details, "classification": counts})
    imp.refresh_from_db()
    return counts


def classification_message(counts: dict[str, int]) -> str:
    """What the classification of an import did, in parts that add up to the requests."""
    if not counts.get("requests"):
        return "no new requests to classify"
    consistent = counts["classified"] - counts["queued"]
    return (
        f"of {plural(counts.get('requests', 0), 'new request')}: "
        f"{counts['classified']:,} classified under the policy in force on their date "
        f"({counts['queued']:,} sent for review, {consistent:,} consistent and closed); "
        f"{counts['no_policy']:,} not classified, dated before any policy in force; "
        f"{counts.get('no_facts', 0):,} not classified, without enough facts"
    )
