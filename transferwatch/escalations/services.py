"""The lifecycles of escalations and remedial measures (DOMAIN.md section 6), and the agency timeline.

Escalation: draft -> approved (a supervisor other than the drafter) -> sent (the letter is frozen)
-> acknowledged -> answered -> closed; an approved draft can be returned to draft, and a sent
letter left unanswered can be closed with a reason.

Remedial measure: proposed -> agreed -> in_progress -> verified (with evidence) -> closed; an
agreed or in-progress measure past its due date lapses (`lapse_overdue`, run by
`transferwatch casework_due`) and goes back to in_progress with a new due date.

Every move goes through `transferwatch.lib.workflow`: one locked transaction, a history step and
an audit event; a refused move changes nothing and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from transferwatch.audit.services import record
from transferwatch.escalations import letters
from transferwatch.escalations.models import Escalation, MeasureEvidence, RemedialMeasure
from transferwatch.lib import workflow
from transferwatch.lib.requestid import current_system_actor

ADD = "escalations.add_escalation"
CHANGE = "escalations.change_escalation"
APPROVE = "escalations.approve_escalation"
CHANGE_MEASURE = "escalations.change_remedialmeasure"
EDITABLE = ("subject", "recipient", "concerns", "reasons", "findings", "legal_basis")
A_NUMBER_REFUSAL = (
    "the letter contains what looks like an A-number; letters describe patterns, never "
    "individuals: remove it and try again"
)


# Escalations -------------------------------------------------------------------------------


def _not_own_draft(e: Escalation, user: Any, data: dict[str, Any]) -> str | None:
    if e.created_by_id == user.pk:
        return "the drafter may not approve their own draft: another supervisor must"
    return _fit_to_go_out(e, user, data)


def _fit_to_go_out(e: Escalation, user: Any, data: dict[str, Any]) -> str | None:
    """No A-number in the letter, and a recipient and legal basis of the letter's own kind."""
    if letters.a_number_found(letters.render_letter(e)):
        return A_NUMBER_REFUSAL
    return e.kind_mismatch()


def _sendable(e: Escalation, user: Any, data: dict[str, Any]) -> str | None:
    """Fit to go out, and an e-mail address configured for the letter's kind."""
    return _fit_to_go_out(e, user, data) or letters.no_address(e)


def _approve(e: Escalation, user: Any, text: str, data: dict[str, Any]) -> None:
    e.approved_by = user
    e.approved_at = timezone.now()


def _unapprove(e: Escalation, user: Any, text: str, data: dict[str, Any]) -> None:
    e.approved_by = None
    e.approved_at = None


def _send(e: Escalation, user: Any, text: str, data: dict[str, Any]) -> None:
    e.sent_at = timezone.now()
    e.letter_html = letters.render_letter(e, at=e.sent_at)
    letters.mail(e)  # e-mailed with its PDF once the move commits; the outbox keeps the trace


def _answer(e: Escalation, user: Any, text: str, data: dict[str, Any]) -> None:
    e.answer = text
    e.answered_at = timezone.now()


MOVES: dict[str, workflow.Move] = {
    "approve": workflow.Move(
        ("draft",), "approved", APPROVE, "Approve", check=_not_own_draft, apply=_approve
    ),
    "return_to_draft": workflow.Move(
        ("approved",),
        "draft",
        APPROVE,
        "Return to draft",
        needs_text=True,
        apply=_unapprove,
        button="secondary",
    ),
    "send": workflow.Move(
        ("approved",), "sent", CHANGE, "Send the letter", check=_sendable, apply=_send
    ),
    "acknowledge": workflow.Move(("sent",), "acknowledged", CHANGE, "Record acknowledgement"),
    "answer": workflow.Move(
        ("sent", "acknowledged"), "answered", CHANGE, "Record the answer", True, apply=_answer
    ),
    "close": workflow.Move(("answered",), "closed", CHANGE, "Close"),
    "close_unanswered": workflow.Move(
        ("sent", "acknowledged"),
        "closed",
        APPROVE,
        "Close without an answer",
        needs_text=True,
        button="secondary",
    ),
}


def escalation_move(e: Escalation, action: str, user: Any, text: str = "") -> Escalation:
    result: Escalation = workflow.move(
        MOVES, e, action, user, visible=Escalation.objects.visible_to, text=text
    )
    return result


def create_escalation(
    user: Any, fields: dict[str, Any], inquiries: list[Any] | None = None
) -> Escalation:
    """A new draft; `fields` are model fields (agency, kind, recipient, subject, ...)."""
    if not user.has_perm(ADD):
        raise workflow.Refused("your role may not draft escalations")
    with transaction.atomic():
        e = Escalation(created_by=user, **fields)
        e.save()
        if inquiries:
            e.inquiries.set(inquiries)
        workflow.created(e, user)
    return e


def update_escalation(
    e: Escalation, user: Any, fields: dict[str, Any], inquiries: list[Any] | None
) -> Escalation:
    """Edit a draft. Only drafts change; the event names the fields, never their text."""
    from transferwatch.cases.models import Step

    with transaction.atomic():
        locked = Escalation.objects.select_for_update().get(pk=e.pk)
        why = None
        if not Escalation.objects.visible_to(user).filter(pk=e.pk).exists():
            why = "outside scope"
        elif not user.has_perm(CHANGE):
            why = "your role may not take this action"
        elif locked.status != "draft":
            why = "only a draft can be edited"
        if why is None:
            changed = [name for name, value in fields.items() if getattr(locked, name) != value]
            for name in changed:
                setattr(locked, name, fields[name])
            old = set(locked.inquiries.values_list("pk", flat=True))
            new = {i.pk for i in inquiries or []}
            if old != new:
                locked.inquiries.set(inquiries or [])
                changed.append("inquiries")
            if changed:
                locked.save()
                Step.objects.create(
                    record=locked,
                    action="edited",
                    from_status="draft",
                    to_status="draft",
                    actor=user,
                    actor_name=user.get_username(),
                )
                record(
                    "escalations.escalation.updated",
                    locked,
                    actor=user,
                    changes={"fields": sorted(changed)},
                )
            return locked
    with transaction.atomic():
        record(
            "escalations.escalation.refused",
            e,
            actor=user,
            changes={"action": "edit", "reason": why},
        )
    if why == "outside scope":
        raise Http404
    raise workflow.Refused(why)


# Remedial measures -------------------------------------------------------------------------


def _needs_evidence(m: RemedialMeasure, user: Any, data: dict[str, Any]) -> str | None:
    # Evidence is a text, a file added to the measure, or both.
    if not str(data.get("evidence", "")).strip() and not m.evidence_files.exists():
        return (
            "the evidence that the measure was carried out is required: describe it or add a file"
        )
    return None


def _set_evidence(m: RemedialMeasure, user: Any, text: str, data: dict[str, Any]) -> None:
    if str(data.get("evidence", "")).strip():
        m.evidence = str(data["evidence"]).strip()


# Evidence files may be added while the measure is being carried out or checked.
EVIDENCE_STATES = ("agreed", "in_progress", "lapsed", "verified")


def add_evidence_file(m: RemedialMeasure, upload: Any, user: Any) -> MeasureEvidence:
    """Check and keep one evidence file (outside the web root), audited.

    Http404 outside scope; workflow.Refused for the wrong role or state;
    cases.services.AttachmentRefused for a file of another type or too big.
    """
    from transferwatch.cases.models import Step
    from transferwatch.cases.services import write_upload

    if not RemedialMeasure.objects.visible_to(user).filter(pk=m.pk).exists():
        raise Http404
    if not user.has_perm(CHANGE_MEASURE):
        raise workflow.Refused("your role may not add evidence")
    if m.status not in EVIDENCE_STATES:
        raise workflow.Refused(f"the measure is {m.get_status_display().lower()}")
    kind, stored, sha256 = write_upload(upload)
    with transaction.atomic():
        evidence = MeasureEvidence.objects.create(
            measure=m,
            original_name=Path(upload.name or "file").name[:200],
            content_type=kind,
            size=upload.size or 0,
            sha256=sha256,
            stored_name=stored,
            uploaded_by=user,
        )
        Step.objects.create(
            record=m,
            action="evidence_added",
            from_status=m.status,
            to_status=m.status,
            actor=user,
            actor_name=user.get_username(),
            text=evidence.original_name,
        )
        record(
            "escalations.measure_evidence.added",
            evidence,
            actor=user,
            changes={"measure": m.pk, "content_type": kind, "size": evidence.size},
        )
    return evidence


def record_evidence_download(evidence: MeasureEvidence, user: Any) -> None:
    with transaction.atomic():
        record(
            "escalations.measure_evidence.opened",
            evidence,
            actor=user,
            changes={"measure": evidence.measure_id},
        )


def _past_due(m: RemedialMeasure, user: Any, data: dict[str, Any]) -> str | None:
    if m.due_date >= timezone.localdate():
        return "the measure is not past its due date"
    return None


def _needs_new_due_date(m: RemedialMeasure, user: Any, data: dict[str, Any]) -> str | None:
    due = data.get("due_date")
    if not isinstance(due, date) or due <= timezone.localdate():
        return "a new due date after today is required"
    return None


def _set_due_date(m: RemedialMeasure, user: Any, text: str, data: dict[str, Any]) -> None:
    m.due_date = data["due_date"]


def _closed(m: RemedialMeasure, user: Any, text: str, data: dict[str, Any]) -> None:
    m.closed_at = timezone.now()


MEASURE_MOVES: dict[str, workflow.Move] = {
    "agree": workflow.Move(("proposed",), "agreed", CHANGE_MEASURE, "Record the agreement"),
    "start": workflow.Move(("agreed",), "in_progress", CHANGE_MEASURE, "Record the start"),
    "verify": workflow.Move(
        ("in_progress",),
        "verified",
        CHANGE_MEASURE,
        "Verify with evidence",
        check=_needs_evidence,
        apply=_set_evidence,
        fields=("evidence",),
    ),
    "reject_evidence": workflow.Move(
        ("verified",),
        "in_progress",
        CHANGE_MEASURE,
        "Evidence not sufficient: back to in progress",
        needs_text=True,
        button="secondary",
    ),
    "close": workflow.Move(("verified",), "closed", CHANGE_MEASURE, "Close", apply=_closed),
    "lapse": workflow.Move(
        ("agreed", "in_progress"),
        "lapsed",
        CHANGE_MEASURE,
        "Mark as lapsed (past due)",
        check=_past_due,
        button="secondary",
    ),
    "resume": workflow.Move(
        ("lapsed",),
        "in_progress",
        CHANGE_MEASURE,
        "Resume with a new due date",
        needs_text=True,
        check=_needs_new_due_date,
        apply=_set_due_date,
        fields=("due_date",),
    ),
}


def measure_move(
    m: RemedialMeasure, action: str, user: Any, text: str = "", data: dict[str, Any] | None = None
) -> RemedialMeasure:
    result: RemedialMeasure = workflow.move(
        MEASURE_MOVES,
        m,
        action,
        user,
        visible=RemedialMeasure.objects.visible_to,
        text=text,
        data=data,
    )
    return result


def create_measure(user: Any, fields: dict[str, Any]) -> RemedialMeasure:
    if not user.has_perm("escalations.add_remedialmeasure"):
        raise workflow.Refused("your role may not add remedial measures")
    with transaction.atomic():
        m = RemedialMeasure.objects.create(created_by=user, **fields)
        workflow.created(m, user)
    return m


class SystemActor:
    """The scheduler, acting as itself: not a signed-in user, allowed the moves it is given.

    The audit events it writes name `current_system_actor` ("system", or "cli:<account>").
    """

    is_authenticated = False
    pk = None

    def has_perm(self, perm: str) -> bool:
        return perm == CHANGE_MEASURE

    def get_username(self) -> str:
        return current_system_actor.get()


@dataclass(frozen=True)
class LapseResult:
    lapsed: int
    skipped: int  # changed by someone else between the query and the move


def lapse_overdue() -> LapseResult:
    """Move every agreed or in-progress measure past its due date to lapsed (idempotent)."""
    actor = SystemActor()
    lapsed = skipped = 0
    for pk in RemedialMeasure.objects.overdue().values_list("pk", flat=True):
        m = RemedialMeasure.objects.get(pk=pk)
        try:
            workflow.move(
                MEASURE_MOVES,
                m,
                "lapse",
                actor,
                visible=lambda _user: RemedialMeasure.objects.all(),
                text="Past its due date.",
            )
        except workflow.Refused:
            skipped += 1
        else:
            lapsed += 1
    return LapseResult(lapsed, skipped)


# The agency timeline -----------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # "concern", "allegation", "inquiry", "escalation", "measure"
    title: str
    status: str
    detail: str = ""
    url: str = ""


def agency_timeline(
    agency: Any, user: Any, monitoring: dict[str, Any] | None
) -> list[TimelineItem]:
    """The agency's casework in one list, newest first: only what `user` may see.

    `monitoring` is the agency page's monitoring section (`monitoring.services.agency_section`),
    passed only to users who may see monitoring; its latest concern is shown when not "none".
    """
    from transferwatch.cases.models import Allegation, Inquiry

    items: list[TimelineItem] = []
    concern = (monitoring or {}).get("concern")
    if monitoring and concern is not None and concern.concern != "none":
        run = monitoring["latest_run"]
        items.append(
            TimelineItem(
                run.finished_at or run.created_at,
                "concern",
                f"Monitoring run {run.pk}",
                f"{concern.get_concern_display()} concern",
                "The agency's result in the latest monitoring run",
                run.get_absolute_url(),
            )
        )
    for a in Allegation.objects.visible_to(user).filter(agency=agency):
        items.append(
            TimelineItem(
                a.received_at,
                "allegation",
                f"Allegation {a.number}",
                a.get_status_display(),
                ", ".join(a.type_labels()),
                a.get_absolute_url(),
            )
        )
    for i in Inquiry.objects.visible_to(user).filter(agency=agency):
        items.append(
            TimelineItem(
                i.opened_at,
                "inquiry",
                f"Inquiry {i.number}",
                i.get_status_display(),
                "",
                i.get_absolute_url(),
            )
        )
    for e in Escalation.objects.visible_to(user).filter(agency=agency):
        items.append(
            TimelineItem(
                e.sent_at or e.created_at,
                "escalation",
                f"{e.get_kind_display()} {e.number}",
                e.get_status_display(),
                e.subject,
                e.get_absolute_url(),
            )
        )
    for m in RemedialMeasure.objects.visible_to(user).filter(agency=agency):
        items.append(
            TimelineItem(
                m.created_at,
                "measure",
                f"Remedial measure {m.pk}: {m.get_kind_display()}",
                m.get_status_display(),
                f"Due {m.due_date:%Y-%m-%d}; owner {m.owner}",
                m.get_absolute_url(),
            )
        )
    return sorted(items, key=lambda item: item.at, reverse=True)
