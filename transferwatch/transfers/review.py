"""The review of every transfer request against the enforcement priorities (plan part P2).

Each request entering the system is classified under the policy in force on its date
(`classify_request`). A request consistent with the priorities is closed; an inconsistent one
goes to the review queue of its area's field reviewers with a due date. Every move below is one
function: it checks the state and the actor's role and area, changes the request inside a locked
transaction, and writes a review step and an audit event. A refused move changes nothing and is
itself recorded as an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from transferwatch import policy
from transferwatch.audit.services import record
from transferwatch.transfers.models import Classification, ReviewStep, TransferRequest

REVIEW = "transfers.review_transferrequest"
ADVISE = "transfers.advise_transferrequest"

# Prosecutorial-discretion factors of the 20 Nov 2014 memo (DOMAIN.md section 2): recorded, never
# computed away.
PD_FACTORS = [
    ("extenuating_circumstances", "Extenuating circumstances of the offense"),
    ("time_since_offense", "Time since the offense"),
    ("length_of_time_in_us", "Length of time in the United States"),
    ("military_service", "Military service"),
    ("family_community_ties", "Family or community ties"),
    ("victim_witness_plaintiff", "Victim, witness or plaintiff"),
    (
        "humanitarian",
        "Humanitarian factors (poor health, age, pregnancy, young child, ill relative)",
    ),
]

FACT_FLAGS = (
    "national_security",
    "border_apprehension",
    "gang_participation",
    "unlawful_entry",
    "continuous_presence_since",
    "visa_abuse",
    "final_order_date",
)


class ReviewRefused(Exception):
    """The move is not allowed: wrong state, wrong role, another area, or a missing reason."""


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    permission: str
    needs_text: bool = True
    label: str = ""


MOVES: dict[str, Move] = {
    "concur": Move(("in_review",), "decided", REVIEW, False, "Concur with the request"),
    "return": Move(("in_review",), "returned", REVIEW, True, "Return for correction"),
    "correct": Move(("returned",), "classified", REVIEW, True, "Record the correction"),
    "exception": Move(("in_review",), "decided", REVIEW, True, "Record an exception"),
    "federal_interest": Move(
        ("in_review",), "decided", REVIEW, True, "Record an important federal interest"
    ),
    "refer_opla": Move(("in_review",), "opla_review", REVIEW, True, "Refer to OPLA"),
    "opla_advice": Move(("opla_review",), "in_review", ADVISE, True, "Record OPLA's advice"),
    "discretion": Move(("in_review",), "decided", REVIEW, True, "Exercise discretion"),
    "close": Move(("decided",), "closed", REVIEW, False, "Close"),
    "reopen": Move(("closed",), "reopened", REVIEW, True, "Reopen"),
}
DECISION_OF = {
    "concur": "concur",
    "exception": "exception",
    "federal_interest": "federal_interest",
    "discretion": "discretion",
}


def case_for(transfer: TransferRequest) -> dict[str, Any]:
    """The request's facts in the priority engine's case format (CONTRACTS.md section 1)."""
    person = transfer.person
    return build_case(
        transfer.pk,
        transfer.request_date,
        transfer.probable_cause,
        transfer.details.get("facts", {}),
        person.birth_date if person else None,
        [
            (c.pk, c.date, c.incident, c.severity, c.categories, c.sentence_days, c.suspended)
            for c in person.convictions.all()
        ]
        if person
        else [],
        [(c.date, c.severity, c.categories) for c in person.charges.all() if c.status == "pending"]
        if person
        else [],
    )


def build_case(
    pk: int,
    day: date,
    cause: list[str],
    facts: dict[str, Any],
    birth: date | None,
    convictions: list[tuple[Any, ...]],
    charges: list[tuple[Any, ...]],
) -> dict[str, Any]:
    """A case from plain values: `convictions` as (pk, date, incident, severity, categories,
    sentence days, suspended) in the person's order, `charges` (pending only) as (date,
    severity, categories); used by `case_for` and by the bulk path (`bulk_review`)."""
    case: dict[str, Any] = {
        "id": str(pk),
        "as_of": day.isoformat(),
        "probable_cause": list(cause),
        **{k: facts[k] for k in FACT_FLAGS if k in facts},
    }
    if birth:
        case["birth_date"] = birth.isoformat()
    case["convictions"] = [
        {
            "date": when.isoformat(),
            "incident": incident or f"conviction-{cpk}",
            "severity": severity,
            "categories": list(categories),
            "sentence_days": days,
            "suspended": suspended,
        }
        for cpk, when, incident, severity, categories, days, suspended in convictions
    ]
    case["pending_charges"] = [
        {"date": when.isoformat(), "severity": severity, "categories": list(categories)}
        for when, severity, categories in charges
    ]
    return case


def inconsistencies(transfer: TransferRequest, result: policy.Result) -> list[str]:
    """Why a request is out of line with the priorities; empty when it is consistent."""
    pending = bool(transfer.person and _pending_charges(transfer.person))
    return judge_inconsistencies(
        transfer.request_type, transfer.probable_cause, transfer.decision, pending, result
    )


def judge_inconsistencies(
    request_type: str,
    probable_cause: list[str],
    decision: str,
    pending_charges: bool,
    result: policy.Result,
) -> list[str]:
    """`inconsistencies` from plain values (the bulk path of `bulk_review` uses it too).

    The PEP transfer rules apply to requests judged under pep-2014; under another policy the
    classification is recorded for the record and analysis, and nothing is queued.
    """
    if result.policy != "pep-2014":
        return []
    found = []
    federal_interest = decision == "federal_interest"
    if request_type == "detainer":
        if not result.pep_transfer_eligible:
            found.append("a detainer for a person not eligible for a PEP transfer")
        if not probable_cause:
            found.append("a detainer without a probable-cause basis")
    elif request_type not in result.allowed_requests and result.pep_transfer_eligible:
        found.append(f"a {request_type} request the policy does not allow")
    if result.tier is None and not federal_interest:
        found.append("a non-priority person, with no federal-interest finding recorded")
    elif not result.pep_transfer_eligible and not federal_interest:
        found.append("a person whose priority does not justify a PEP transfer")
    has_convictions = any(r.convictions for r in result.reasons)
    if not has_convictions and pending_charges:
        found.append("a request based only on pending charges")
    return found


def _pending_charges(person: Any) -> bool:
    return bool(person.charges.filter(status="pending").exists())


def missing_facts(transfer: TransferRequest) -> str:
    """Why a released request cannot be judged, or "" when its facts are enough."""
    person = transfer.person
    dates = [c.date for c in person.convictions.all()] if person else []
    return lacking_facts(
        transfer.source, transfer.criminality, person is not None, dates, transfer.request_date
    )


def lacking_facts(
    source: str, criminality: str, has_person: bool, conviction_dates: list[date], day: date
) -> str:
    """`missing_facts` from plain values.

    Requests entered by hand or through the API carry the facts their sender gave. A released
    request is judged only when the release says what it rests on: ICE's criminality or a most
    serious conviction, and for a convicted person the conviction's date.
    """
    if source != "import":
        return ""
    convicted = any(d <= day for d in conviction_dates)
    if criminality == "" and not convicted:
        return "not enough facts: the release records neither criminality nor a conviction"
    if criminality == "1" and not convicted:
        if not has_person:
            return (
                "not enough facts: a convicted criminal with no person key to hold the conviction"
            )
        return "not enough facts: a convicted criminal, but the release gives no conviction date"
    return ""


def _step(
    transfer: TransferRequest,
    action: str,
    target: str,
    actor: Any,
    text: str = "",
    data: dict[str, Any] | None = None,
    audit: bool = True,
) -> None:
    source = transfer.review_status
    transfer.review_status = target
    ReviewStep.objects.create(
        transfer_request=transfer,
        action=action,
        from_status=source,
        to_status=target,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=actor.get_username() if getattr(actor, "is_authenticated", False) else "system",
        text=text,
        data=data or {},
    )
    if audit:
        record(
            f"transfers.review.{action}",
            transfer,
            actor=actor,
            changes={"status": {"from": source, "to": target}, **({"data": data} if data else {})},
        )


def _classify(
    transfer: TransferRequest, actor: Any, policy_id: str | None = None, audit: bool = True
) -> Classification:
    """Judge the request's current facts; the new classification says what changed."""
    chosen = policy.get_policy(policy_id) if policy_id else policy.policy_for(transfer.request_date)
    case = policy.parse_case(
        case_for(transfer), today=max(transfer.request_date, timezone.localdate())
    )
    result = policy.classify(case, chosen, explain=True)
    data = policy.result_to_json(result)
    previous = transfer.classifications.first()
    changes: dict[str, Any] = {}
    if previous is not None:
        if previous.tier != result.tier:
            changes["tier"] = {"from": previous.tier, "to": result.tier}
        added = [p for p in result.priorities if p not in previous.priorities]
        removed = [p for p in previous.priorities if p not in result.priorities]
        if added or removed:
            changes["priorities"] = {"added": added, "removed": removed}
        if previous.pep_transfer_eligible != result.pep_transfer_eligible:
            changes["pep_transfer_eligible"] = {
                "from": previous.pep_transfer_eligible,
                "to": result.pep_transfer_eligible,
            }
    classification = Classification.objects.create(
        transfer_request=transfer,
        policy=result.policy,
        tier=result.tier,
        priorities=list(result.priorities),
        pep_transfer_eligible=result.pep_transfer_eligible,
        pep_basis=list(result.pep_basis),
        allowed_requests=list(result.allowed_requests),
        reasons=data["reasons"],
        not_met=data.get("not_met", []),
        changes=changes,
    )
    transfer.inconsistencies = inconsistencies(transfer, result)
    _step(
        transfer,
        "classified",
        "classified",
        actor,
        data={"policy": result.policy, **changes},
        audit=audit,
    )
    if transfer.inconsistencies:
        days = getattr(settings, "TRANSFER_REVIEW_DAYS", 14)
        transfer.review_due = timezone.localdate() + timedelta(days=days)
        _step(
            transfer,
            "queued",
            "in_review",
            actor,
            data={"why": transfer.inconsistencies},
            audit=audit,
        )
    else:
        transfer.review_due = None
        _step(transfer, "consistent", "closed", actor, audit=audit)
    transfer.save(update_fields=["review_status", "review_due", "inconsistencies"])
    return classification


def classify_request(
    transfer: TransferRequest, actor: Any = None, policy_id: str | None = None
) -> Classification:
    """Classify a request that has just entered the system (or been corrected or reopened)."""
    with transaction.atomic():
        transfer = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
        if transfer.review_status not in ("received", "reopened"):
            raise ReviewRefused(
                f"request {transfer.pk} is {transfer.review_status}, not awaiting classification"
            )
        return _classify(transfer, actor, policy_id)


def may(user: Any, transfer: TransferRequest, action: str) -> str | None:
    """None when `user` may take `action` on the request now; otherwise why not."""
    move = MOVES[action]
    if not user.has_perm(move.permission):
        return "your role may not take this action"
    if not TransferRequest.objects.visible_to(user).filter(pk=transfer.pk).exists():
        return "the request is outside your areas"
    if transfer.review_status not in move.sources:
        return f"the request is {transfer.get_review_status_display().lower()}"
    if action == "federal_interest" and "ice_fod" not in user.authorities:
        return "only an ICE Field Office Director may find an important federal interest"
    if action == "exception":
        current = transfer.classifications.first()
        tier = current.tier if current else None
        approvers = (
            set(policy.get_policy(current.policy).exception_approvers(tier)) if current else set()
        )
        if tier is None:
            return "a non-priority person needs a federal-interest finding, not an exception"
        if not approvers & user.authorities:
            from transferwatch.accounts.models import User

            labels = dict(User.TITLES)
            names = ", ".join(sorted(labels.get(a, a) for a in approvers))
            return f"a Priority {tier} exception may be granted only by: {names}"
    return None


def act(
    transfer: TransferRequest,
    action: str,
    user: Any,
    text: str = "",
    data: dict[str, Any] | None = None,
) -> TransferRequest:
    """Take a review action; ReviewRefused (recorded, nothing changed) when it is not allowed."""
    if action not in MOVES:
        raise ReviewRefused(f"{action!r} is not a review action")
    move = MOVES[action]
    with transaction.atomic():
        locked = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
        why = may(user, locked, action)
        if why is None and move.needs_text and not text.strip():
            why = "a reason is required"
        if why is None and action == "discretion" and not (data or {}).get("factors"):
            why = "name at least one discretion factor"
        if why is None:
            _apply(locked, action, move, user, text.strip(), data or {})
    if why is None:
        transfer.refresh_from_db()
        return transfer
    with transaction.atomic():
        record(
            "transfers.review.refused",
            locked,
            actor=user,
            changes={"action": action, "reason": why},
        )
    raise ReviewRefused(why)


def _apply(
    transfer: TransferRequest, action: str, move: Move, user: Any, text: str, data: dict[str, Any]
) -> None:
    if action in DECISION_OF:
        transfer.decision = DECISION_OF[action]
    if action == "reopen":
        transfer.decision = ""
    _step(transfer, action, move.target, user, text=text, data=data)
    transfer.save(update_fields=["review_status", "decision"])
    if action in ("reopen", "correct"):
        if action == "correct":
            transfer.review_status = "reopened"  # corrected facts are judged afresh
        _classify(transfer, user)


def queue_for(user: Any) -> Any:
    """The requests awaiting this user's review, overdue first."""
    requests = TransferRequest.objects.visible_to(user)
    if user.has_perm(REVIEW):
        statuses = TransferRequest.QUEUE_STATUSES
    elif user.has_perm(ADVISE):
        statuses = ["opla_review"]
    else:
        return requests.none()
    return requests.filter(review_status__in=statuses).order_by("review_due", "request_date", "pk")


# Bulk decisions (issue 14, part 4) ---------------------------------------------------------
# A reviewer may take the same plain move on many like requests at once. Each request still goes
# through `act` on its own: its own lock, checks, review step and audit event; a refusal of one is
# reported (and audited, by `act`) without stopping the others.

BULK_ACTIONS = ("concur",)
BULK_MAX = 200
UNSEEN = "not among the requests you may review"


@dataclass(frozen=True)
class BulkOutcome:
    action: str
    done: list[TransferRequest]
    refused: list[tuple[int, TransferRequest | None, str]]  # (id, request if visible, why)


def _checked_ids(action: str, ids: list[int]) -> list[int]:
    if action not in BULK_ACTIONS:
        raise ReviewRefused(f"{action!r} cannot be taken on many requests at once")
    if len(ids) > BULK_MAX:
        raise ReviewRefused(f"select at most {BULK_MAX} requests at once")
    return list(dict.fromkeys(ids))


def bulk_preview(user: Any, action: str, ids: list[int]) -> BulkOutcome:
    """What `act_many` would do, without doing or recording anything (the confirmation step).

    The bulk actions carry no rule beyond permission and state, so one query answers for all.
    """
    ids = _checked_ids(action, ids)
    move = MOVES[action]
    found = TransferRequest.objects.visible_to(user).select_related("aor", "agency").in_bulk(ids)
    allowed = user.has_perm(move.permission)
    done, refused = [], []
    for pk in ids:
        transfer = found.get(pk)
        if transfer is None:
            refused.append((pk, None, UNSEEN))
        elif not allowed:
            refused.append((pk, transfer, "your role may not take this action"))
        elif transfer.review_status not in move.sources:
            why = f"the request is {transfer.get_review_status_display().lower()}"
            refused.append((pk, transfer, why))
        else:
            done.append(transfer)
    return BulkOutcome(action, done, refused)


def act_many(user: Any, action: str, ids: list[int], text: str = "") -> BulkOutcome:
    """Take `action` on each request in turn through `act`; refusals are collected, not raised."""
    ids = _checked_ids(action, ids)
    found = TransferRequest.objects.select_related("aor", "agency").in_bulk(ids)
    visible = set(
        TransferRequest.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    done, refused = [], []
    for pk in ids:
        transfer = found.get(pk)
        if transfer is None:
            refused.append((pk, None, UNSEEN))
            continue
        try:
            done.append(act(transfer, action, user, text))
        except ReviewRefused as exc:  # already audited by `act`
            if pk in visible:
                refused.append((pk, transfer, str(exc)))
            else:
                refused.append((pk, None, UNSEEN))
    return BulkOutcome(action, done, refused)
