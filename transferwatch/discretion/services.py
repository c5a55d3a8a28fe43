"""The lifecycle of a PD request (DOMAIN.md section 6) and the statistics of a set of them.

`draft` -> `submitted` -> `field_review` -> `field_decided` -> (`hq_review` when CRCL asks or ICE
HQ chooses -> `hq_decided`) -> `final`; `withdrawn` from any state before `final`. Every move goes
through `transferwatch.lib.workflow`: it checks scope (a field reviewer of another area gets a
404, audited), role and state, writes the history step and the audit event.

Moves taken by more than one role (`to_hq`, `finalize`) carry the permission every PD viewer has;
their `check` says which role may take them from which state.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from transferwatch.audit.services import record
from transferwatch.cases.models import Inquiry
from transferwatch.discretion.models import AWAITING_ICE, DECISIONS, FIELD_REVIEW_DAYS, PDRequest
from transferwatch.lib import workflow
from transferwatch.lib.workflow import Move, Refused

VIEW = "discretion.view_pdrequest"
ADD = "discretion.add_pdrequest"
CHANGE = "discretion.change_pdrequest"  # CRCL casework
DECIDE_FIELD = "discretion.decide_field_pdrequest"
DECIDE_HQ = "discretion.decide_hq_pdrequest"
DECISION_CODES = {code for code, _ in DECISIONS if code}
NOT_YOUR_ROLE = "your role may not take this action"

__all__ = ["MOVES", "PDStats", "Refused", "act", "allowed", "create", "stats", "update_draft"]


def visible(user: Any) -> models.QuerySet[PDRequest]:
    return PDRequest.objects.visible_to(user)


def _in_area(pd: PDRequest, user: Any) -> bool:
    return not user.is_area_scoped or user.areas.filter(pk=pd.aor_id).exists()


def _field_reviewer(pd: PDRequest, user: Any, data: dict[str, Any]) -> str | None:
    if not _in_area(pd, user):
        return "the request is outside your areas of responsibility"
    return None


def _decision(data: dict[str, Any]) -> str | None:
    # Buttons are listed with no data; the decision is checked when the move is taken.
    if "decision" in data and data["decision"] not in DECISION_CODES:
        return "choose a decision: granted, partly granted or denied"
    return None


def _check_submit(pd: PDRequest, user: Any, data: dict[str, Any]) -> str | None:
    if pd.inquiry.status == "closed":
        return "the inquiry is closed"
    if not pd.bases:
        return "name at least one basis"
    if not pd.agency_conduct.strip():
        return "say what the agency did"
    return None


def _check_decide_field(pd: PDRequest, user: Any, data: dict[str, Any]) -> str | None:
    return _field_reviewer(pd, user, data) or _decision(data)


def _check_decide_hq(pd: PDRequest, user: Any, data: dict[str, Any]) -> str | None:
    return _decision(data)


def _check_to_hq(pd: PDRequest, user: Any, data: dict[str, Any]) -> str | None:
    if user.has_perm(DECIDE_HQ):
        return None  # ICE HQ chooses to review, also before the field has decided
    if user.has_perm(CHANGE):
        if pd.status != "field_decided":
            return "CRCL may ask for HQ review once the field decision is recorded"
        return None
    return NOT_YOUR_ROLE


def _check_finalize(pd: PDRequest, user: Any, data: dict[str, Any]) -> str | None:
    if pd.status == "hq_decided":
        return None if user.has_perm(DECIDE_HQ) else NOT_YOUR_ROLE
    if not user.has_perm(DECIDE_FIELD):
        return NOT_YOUR_ROLE
    if pd.hq_review_requested:
        return "CRCL asked for HQ review: the field decision goes to HQ before it is final"
    return _field_reviewer(pd, user, data)


def _apply_submit(pd: PDRequest, user: Any, text: str, data: dict[str, Any]) -> None:
    pd.submitted_at = timezone.now()
    pd.due_at = pd.submitted_at + timedelta(days=FIELD_REVIEW_DAYS)


def _apply_decide_field(pd: PDRequest, user: Any, text: str, data: dict[str, Any]) -> None:
    pd.field_decision = data["decision"]
    pd.field_decision_text = text
    pd.field_decided_by = user
    pd.field_decided_at = timezone.now()


def _apply_to_hq(pd: PDRequest, user: Any, text: str, data: dict[str, Any]) -> None:
    if not user.has_perm(DECIDE_HQ):
        pd.hq_review_requested = True  # CRCL asked now


def _apply_decide_hq(pd: PDRequest, user: Any, text: str, data: dict[str, Any]) -> None:
    pd.hq_decision = data["decision"]
    pd.hq_decision_text = text
    pd.hq_decided_by = user
    pd.hq_decided_at = timezone.now()


def _apply_finalize(pd: PDRequest, user: Any, text: str, data: dict[str, Any]) -> None:
    pd.final_decision = pd.hq_decision or pd.field_decision
    pd.final_at = timezone.now()
    _tell_crcl(pd)


def _tell_crcl(pd: PDRequest) -> None:
    """E-mail the final determination to CRCL: the inquiry's investigator and the request's
    drafter, once the move commits. The mail names the records and links to them, no person."""
    from transferwatch.notifications.services import queue

    url = reverse("pd_detail", args=[pd.pk])
    owners = {u.pk: u for u in (pd.inquiry.investigator, pd.created_by) if u is not None}
    for owner in owners.values():
        queue(
            "pd_final",
            pd,
            user=owner,
            subject=f"PD request {pd.number}: ICE's determination is final",
            body=(
                f"ICE made its determination on PD request {pd.number} (inquiry "
                f"{pd.inquiry.number}) final: {pd.get_final_decision_display()}.\n\n"
                f"{settings.BASE_URL}{url}\n"
            ),
            url=url,
        )


MOVES: dict[str, Move] = {
    "submit": Move(
        ("draft",), "submitted", CHANGE, "Submit to ICE", check=_check_submit, apply=_apply_submit
    ),
    "take_up": Move(
        ("submitted",),
        "field_review",
        DECIDE_FIELD,
        "Take up for field review",
        check=_field_reviewer,
    ),
    "decide_field": Move(
        ("field_review",),
        "field_decided",
        DECIDE_FIELD,
        "Record the field decision",
        needs_text=True,
        check=_check_decide_field,
        apply=_apply_decide_field,
        fields=("decision",),
    ),
    "to_hq": Move(
        ("field_review", "field_decided"),
        "hq_review",
        VIEW,
        "Send to HQ review",
        check=_check_to_hq,
        apply=_apply_to_hq,
        button="secondary",
    ),
    "decide_hq": Move(
        ("hq_review",),
        "hq_decided",
        DECIDE_HQ,
        "Record the HQ decision",
        needs_text=True,
        check=_check_decide_hq,
        apply=_apply_decide_hq,
        fields=("decision",),
    ),
    "finalize": Move(
        ("field_decided", "hq_decided"),
        "final",
        VIEW,
        "Make the decision final and send it to CRCL",
        check=_check_finalize,
        apply=_apply_finalize,
    ),
    "withdraw": Move(
        ("draft", "submitted", "field_review", "field_decided", "hq_review", "hq_decided"),
        "withdrawn",
        CHANGE,
        "Withdraw the request",
        needs_text=True,
        button="secondary",
    ),
}
LABELS = {"created": "Created", **{name: m.label for name, m in MOVES.items()}}


def allowed(pd: PDRequest, user: Any) -> list[tuple[str, Move]]:
    return workflow.allowed(MOVES, pd, user, visible)


def act(
    pd: PDRequest, action: str, user: Any, text: str = "", decision: str | None = None
) -> PDRequest:
    """Take `action`; Http404 outside the user's scope, Refused when not allowed (both audited)."""
    data = {} if decision is None else {"decision": decision}
    moved: PDRequest = workflow.move(MOVES, pd, action, user, visible=visible, text=text, data=data)
    return moved


def create(user: Any, inquiry: Inquiry, **fields: Any) -> PDRequest:
    """A draft PD request; the form has checked the person, transfer and area against the inquiry."""
    if not user.has_perm(ADD):
        raise Refused(NOT_YOUR_ROLE)
    if inquiry.status == "closed":
        raise Refused("the inquiry is closed")
    transfer = fields.get("transfer")
    if transfer is not None:
        fields["aor"] = transfer.aor
    with transaction.atomic():
        pd = PDRequest.objects.create(inquiry=inquiry, created_by=user, **fields)
        workflow.created(pd, user)
    return pd


def update_draft(pd: PDRequest, user: Any, **fields: Any) -> PDRequest:
    """Change a draft's facts (not its status); the audit event names the fields, not values."""
    with transaction.atomic():
        locked = visible(user).select_for_update().get(pk=pd.pk)
        if not user.has_perm(CHANGE):
            raise Refused(NOT_YOUR_ROLE)
        if locked.status != "draft":
            raise Refused("only a draft can be edited")
        transfer = fields.get("transfer")
        if transfer is not None:
            fields["aor"] = transfer.aor
        changed = []
        for name, value in fields.items():
            if getattr(locked, name) != value:
                setattr(locked, name, value)
                changed.append(name)
        if changed:
            locked.save()
            record("discretion.pdrequest.updated", locked, actor=user, changes={"fields": changed})
    return locked


@dataclass(frozen=True)
class PDStats:
    """Counts by status and the time from submission to the final determination, in days."""

    total: int
    by_status: dict[str, int]
    awaiting_ice: int
    finals: int
    mean_days: float | None
    median_days: float | None


def stats(queryset: models.QuerySet[PDRequest]) -> PDStats:
    """Statistics of the PD requests in `queryset` (already scoped to what the caller may see).

    Days to final are whole days from submission to the final determination, as
    `PDRequest.days_to_final`; mean and median are over final requests only (None when none).
    """
    counts = dict.fromkeys((code for code, _ in PDRequest.STATUSES), 0)
    for row in queryset.order_by().values("status").annotate(n=models.Count("pk")):
        counts[row["status"]] = row["n"]
    spans = queryset.filter(
        status="final", submitted_at__isnull=False, final_at__isnull=False
    ).values_list("submitted_at", "final_at")
    days = [(end - start).days for start, end in spans]
    awaiting = sum(counts[s] for s in AWAITING_ICE)
    return PDStats(
        total=sum(counts.values()),
        by_status=counts,
        awaiting_ice=awaiting,
        finals=len(days),
        mean_days=round(statistics.fmean(days), 1) if days else None,
        median_days=float(statistics.median(days)) if days else None,
    )
