"""Creating allegations and inquiry records, storing attachments, finding duplicates.

Status changes are not here: they are the moves of `transferwatch.cases.moves`, taken through
`transferwatch.lib.workflow.move`. What is here creates records (with their first history step
and audit event) and adds to an inquiry's file; every change writes an audit event without
personal data.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q, QuerySet

from transferwatch.audit.services import record
from transferwatch.cases.models import (
    Allegation,
    Attachment,
    Inquiry,
    InquiryEntry,
    InvolvedPerson,
    Recommendation,
    Step,
    history,
)
from transferwatch.lib import workflow

log = logging.getLogger(__name__)

# What the content must start with; the file name and the browser's content type are not trusted.
MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
]
# Control characters other than tab, newline, form feed and carriage return mean "not plain text".
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13}) + b"\x7f"


class AttachmentRefused(Exception):
    """A file of a type we do not take, or too big. The message names the file, not its content."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason  # "type" or "size" or "count"


def sniff(head: bytes, whole: bytes | None = None) -> str | None:
    """The content type proven by the bytes, or None: PDF, PNG, JPEG or UTF-8 plain text."""
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    data = whole if whole is not None else head
    if not data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(c in _CONTROL for c in data):
        return None
    return "text/plain"


def check_upload(upload: UploadedFile) -> str:
    """The sniffed content type of an upload; AttachmentRefused when too big or of another type."""
    name = Path(upload.name or "file").name[:200]
    if upload.size is None or upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise AttachmentRefused(name, "size")
    upload.seek(0)
    head = upload.read(16)
    kind = sniff(head)
    if kind is None and head:
        upload.seek(0)
        kind = sniff(head, upload.read())
    upload.seek(0)
    if kind is None:
        raise AttachmentRefused(name, "type")
    return kind


def _attachments_dir() -> Path:
    folder = Path(settings.ATTACHMENTS_DIR)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def attachment_path(attachment: Attachment) -> Path:
    return Path(settings.ATTACHMENTS_DIR) / attachment.stored_name


def write_upload(upload: UploadedFile) -> tuple[str, str, str]:
    """Check one upload by its content and write it under a random name outside the web root.

    Returns (content type, stored name, sha256); AttachmentRefused when it may not be kept.
    Also used for the evidence files of remedial measures (escalations).
    """
    kind = check_upload(upload)
    stored = secrets.token_hex(20)
    digest = hashlib.sha256()
    path = _attachments_dir() / stored
    with open(path, "xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    path.chmod(0o600)
    return kind, stored, digest.hexdigest()


def stored_path(stored_name: str) -> Path:
    return Path(settings.ATTACHMENTS_DIR) / stored_name


def store_attachment(
    upload: UploadedFile,
    *,
    user: Any = None,
    allegation: Allegation | None = None,
    inquiry: Inquiry | None = None,
    entry: InquiryEntry | None = None,
) -> Attachment:
    """Check, write under a random name outside the web root, and record one file."""
    kind, stored, sha256 = write_upload(upload)
    attachment = Attachment.objects.create(
        allegation=allegation,
        inquiry=inquiry,
        entry=entry,
        original_name=Path(upload.name or "file").name[:200],
        content_type=kind,
        size=upload.size or 0,
        sha256=sha256,
        stored_name=stored,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    record(
        "cases.attachment.added",
        attachment,
        actor=user,
        changes={"content_type": kind, "size": attachment.size},
    )
    return attachment


@dataclass
class PersonData:
    name: str = ""
    a_number: str = ""
    birth_date: date | None = None
    role: str = "subject"
    description: str = ""

    def is_empty(self) -> bool:
        """Nothing said about the person (an anonymous report): no row is stored for it."""
        return not (
            self.name.strip() or self.a_number or self.birth_date or self.description.strip()
        )


@dataclass
class AllegationData:
    source: str
    channel: str
    types: list[str]
    agency: Any = None
    agency_text: str = ""
    encounter_date: date | None = None
    encounter_place: str = ""
    narrative: str = ""
    language: str = "en"
    language_needs: str = ""
    interpreter_needed: bool = False
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    people: list[PersonData] = field(default_factory=list)
    transfers: list[Any] = field(default_factory=list)
    monitoring_run: Any = None
    indicators: list[str] = field(default_factory=list)


def create_allegation(
    data: AllegationData,
    user: Any = None,
    files: list[UploadedFile] | tuple[()] = (),
    *,
    with_secret: bool = False,
    text: str = "",
) -> tuple[Allegation, str]:
    """Record an allegation with its people and files; returns it and its status secret (if asked).

    The files were checked by the form; they are checked again here, so a caller that skips
    the form cannot store another type.
    """
    for upload in files:
        check_upload(upload)
    secret = ""
    with transaction.atomic():
        allegation = Allegation(
            source=data.source,
            channel=data.channel,
            types=list(data.types),
            agency=data.agency,
            agency_text=data.agency_text,
            encounter_date=data.encounter_date,
            encounter_place=data.encounter_place,
            narrative=data.narrative,
            language=data.language,
            language_needs=data.language_needs,
            interpreter_needed=data.interpreter_needed,
            contact_name=data.contact_name,
            contact_email=data.contact_email,
            contact_phone=data.contact_phone,
            submitted_by=user if getattr(user, "is_authenticated", False) else None,
            monitoring_run=data.monitoring_run,
            indicators=list(data.indicators),
        )
        if with_secret:
            secret = allegation.new_secret()
        allegation.save()
        for p in data.people:
            if p.is_empty():
                continue
            InvolvedPerson.objects.create(
                allegation=allegation,
                role=p.role,
                name=p.name.strip(),
                a_number=p.a_number,
                birth_date=p.birth_date,
                description=p.description,
            )
        if data.transfers:
            allegation.transfers.set(data.transfers)
        workflow.created(allegation, user, text)
        for upload in files:
            store_attachment(upload, user=user, allegation=allegation)
    log.info("allegation %s received (channel %s)", allegation.pk, allegation.channel)
    return allegation, secret


# Indicator names of the monitoring engine that point to profiling (transferwatch.analytics).
PROFILING_INDICATORS = {
    "minor_offense_shift": "profiling_ethnicity",
    "dismissal_disparity": "profiling_ethnicity",
    "population_benchmark": "profiling_ethnicity",
    "lep_minor_offense": "profiling_lep",
}


def monitoring_allegation(run: Any, agency: Any, indicators: list[str]) -> Allegation:
    """An allegation raised by CRCL's own monitoring of `agency` in `run` (no personal data)."""
    names = sorted({str(i) for i in indicators})
    types = sorted({PROFILING_INDICATORS[i] for i in names if i in PROFILING_INDICATORS})
    words = ", ".join(n.replace("_", " ") for n in names) or "no indicator named"
    period = ""
    if getattr(run, "period_from", None) and getattr(run, "period_to", None):
        period = f" for {run.period_from:%Y-%m-%d} to {run.period_to:%Y-%m-%d}"
    narrative = (
        f"Monitoring run {run.pk}{period} flagged this agency on: {words}. "
        "Raised by CRCL monitoring from aggregate data; no individual complaint."
    )
    allegation, _ = create_allegation(
        AllegationData(
            source="crcl_monitoring",
            channel="monitoring",
            types=types or ["other_practice"],
            agency=agency,
            agency_text=agency.name if agency is not None else "",
            narrative=narrative,
            monitoring_run=run,
            indicators=names,
        ),
        getattr(run, "created_by", None),
        text=f"Raised by monitoring run {run.pk}.",
    )
    if getattr(run, "created_by", None) is None:
        history(allegation).update(actor_name="monitoring")
    return allegation


@dataclass(frozen=True)
class Duplicate:
    allegation: Allegation
    reasons: tuple[str, ...]


DUPLICATES_SHOWN = 20


def possible_duplicates(allegation: Allegation) -> list[Duplicate]:
    """Other allegations about the same person or incident.

    Same person: an involved person with the same A-number, or the same name and date of birth.
    Same incident: the same agency and an encounter date within 3 days.
    The DUPLICATES_SHOWN most recent at most: a person or an agency with thousands of
    allegations must not make the page list them all.
    """
    found: dict[int, list[str]] = {}
    people = list(allegation.people.all())
    a_numbers = {p.a_number for p in people if p.a_number}
    others = Allegation.objects.exclude(pk=allegation.pk).order_by("-received_at", "-pk")
    if a_numbers:
        same = others.filter(people__a_number__in=a_numbers)
        for pk in same.values_list("pk", flat=True)[:DUPLICATES_SHOWN]:
            found.setdefault(pk, []).append("same A-number")
    named = Q()
    for p in people:
        if p.name and p.birth_date:
            named |= Q(people__name__iexact=p.name.strip(), people__birth_date=p.birth_date)
    if named:
        for pk in others.filter(named).values_list("pk", flat=True)[:DUPLICATES_SHOWN]:
            found.setdefault(pk, []).append("same name and date of birth")
    if allegation.agency_id and allegation.encounter_date:
        near = others.filter(
            agency_id=allegation.agency_id,
            encounter_date__range=(
                allegation.encounter_date - timedelta(days=3),
                allegation.encounter_date + timedelta(days=3),
            ),
        )
        for pk in near.values_list("pk", flat=True)[:DUPLICATES_SHOWN]:
            found.setdefault(pk, []).append("same agency, encounter within 3 days")
    rows = Allegation.objects.filter(pk__in=found).select_related("agency")
    rows = rows.order_by("-received_at", "-pk")[:DUPLICATES_SHOWN]
    return [Duplicate(a, tuple(dict.fromkeys(found[a.pk]))) for a in rows]


def reveal_people(allegation: Allegation, user: Any) -> None:
    """Record that `user` looked at the identifying details of the allegation's people."""
    with transaction.atomic():
        record(
            "cases.allegation.people_revealed",
            allegation,
            actor=user,
            changes={"fields": list(InvolvedPerson.SENSITIVE)},
        )


def record_download(attachment: Attachment, user: Any) -> None:
    with transaction.atomic():
        record("cases.attachment.opened", attachment, actor=user, changes={})


OPEN_FILE_STATES = ("open", "investigating", "findings")


def add_entry(
    inquiry: Inquiry,
    user: Any,
    kind: str,
    text: str,
    on_date: date | None = None,
    place: str = "",
    files: list[UploadedFile] | tuple[()] = (),
) -> InquiryEntry:
    """Add a note, a piece of evidence (with its files) or an onsite visit to an inquiry's file."""
    if not user.has_perm("cases.change_inquiry"):
        raise workflow.Refused("your role may not add to an inquiry's file")
    for upload in files:
        check_upload(upload)
    with transaction.atomic():
        locked = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
        if locked.status not in OPEN_FILE_STATES:
            raise workflow.Refused(f"the inquiry is {locked.get_status_display().lower()}")
        entry = InquiryEntry.objects.create(
            inquiry=locked, kind=kind, text=text, on_date=on_date, place=place, author=user
        )
        record("cases.inquiryentry.added", entry, actor=user, changes={"kind": kind})
        for upload in files:
            store_attachment(upload, user=user, inquiry=locked, entry=entry)
    return entry


def add_recommendation(inquiry: Inquiry, user: Any, text: str) -> Recommendation:
    """The next numbered recommendation, while the inquiry is under way or at findings."""
    if not user.has_perm("cases.change_inquiry"):
        raise workflow.Refused("your role may not add recommendations")
    with transaction.atomic():
        locked = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
        if locked.status not in ("investigating", "findings"):
            raise workflow.Refused(f"the inquiry is {locked.get_status_display().lower()}")
        last = locked.recommendations.aggregate(n=Max("number"))["n"] or 0
        rec = Recommendation.objects.create(inquiry=locked, number=last + 1, text=text)
        record("cases.recommendation.added", rec, actor=user, changes={"number": rec.number})
    return rec


def investigators() -> QuerySet[Any]:
    """Users who may work an inquiry (for assigning one)."""
    from transferwatch.accounts.models import User

    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(groups__permissions__codename="change_inquiry")
            | Q(user_permissions__codename="change_inquiry")
        )
        .distinct()
        .order_by("username")
    )


def _bare_a_number(value: str) -> str:
    return value.strip().upper().removeprefix("A")


def transfer_suggestions(allegation: Allegation) -> list[Any]:
    """Transfer requests about the allegation's people (same A-number, or name and birth date).

    These are how a person named in an allegation is found in ICE custody, so that a PD request
    can be made for them.
    """
    from transferwatch.transfers.models import TransferRequest

    people = list(allegation.people.all())
    wanted = Q()
    for p in people:
        if p.a_number:
            bare = _bare_a_number(p.a_number)
            wanted |= Q(person__a_number__in=[bare, f"A{bare}"])
        if p.name and p.birth_date:
            wanted |= Q(person__name__iexact=p.name.strip(), person__birth_date=p.birth_date)
    if not wanted:
        return []
    linked = allegation.transfers.values_list("pk", flat=True)
    return list(
        TransferRequest.objects.filter(wanted)
        .exclude(pk__in=linked)
        .select_related("aor", "agency")
        .order_by("-request_date")[:10]
    )


def link_transfer(
    allegation: Allegation, transfer: Any, user: Any, *, unlink: bool = False
) -> None:
    """Link (or unlink) a transfer request; an involved person with the same A-number (or name
    and date of birth) who is not yet tied to a person record is tied to the request's person."""
    with transaction.atomic():
        if unlink:
            allegation.transfers.remove(transfer)
        else:
            allegation.transfers.add(transfer)
            person = transfer.person
            if person is not None:
                for p in allegation.people.filter(person__isnull=True):
                    same_a = p.a_number and _bare_a_number(p.a_number) == _bare_a_number(
                        person.a_number or "-"
                    )
                    same_name = (
                        p.name
                        and p.birth_date
                        and p.name.strip().lower() == (person.name or "").strip().lower()
                        and p.birth_date == person.birth_date
                    )
                    if same_a or same_name:
                        p.person = person
                        p.save(update_fields=["person"])
        action = "transfer_unlinked" if unlink else "transfer_linked"
        Step.objects.create(
            record=allegation,
            action=action,
            from_status=allegation.status,
            to_status=allegation.status,
            actor=user,
            actor_name=user.get_username(),
            text=f"Transfer request #{transfer.pk}",
        )
        record(
            f"cases.allegation.{action}", allegation, actor=user, changes={"transfer": transfer.pk}
        )
