"""Classifying the requests of a release in bulk, exactly as `review.classify_request` does one.

A national release holds hundreds of thousands of requests. Loading each as a model with its
person, convictions and charges, and writing each classification and review step through the
ORM, costs far more than the classification itself; here the facts are read as plain values, one
query per table and chunk, the priority engine judges each case (the same `policy.classify`), and
classifications, review steps and the requests' new status are written with one prepared
statement each. Every request still gets its classification and both review steps, one audit
event per chunk records the batch, and a request that cannot be judged is left as `received`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from transferwatch import policy
from transferwatch.audit.services import record
from transferwatch.lib.bulk import insert_many, update_many
from transferwatch.transfers.models import (
    Charge,
    Classification,
    Conviction,
    Person,
    ReviewStep,
    TransferRequest,
)
from transferwatch.transfers.review import build_case, judge_inconsistencies, lacking_facts

CHUNK = 5000


def classify_pending(
    requests: Any, actor: Any = None, progress: Any = None, chunk: int = CHUNK
) -> dict[str, int]:
    """Classify every request of `requests` still awaiting it (e.g. a fresh import).

    Returns counts that add up: ``requests`` = ``classified`` + ``no_policy`` + ``no_facts``;
    ``queued`` of the classified went to the review queue. A released request without enough
    facts keeps status `received` and says what it lacks (`facts_missing`).
    """
    ids = list(
        requests.filter(review_status="received").order_by("pk").values_list("pk", flat=True)
    )
    counts = {"requests": len(ids), "classified": 0, "queued": 0, "no_policy": 0, "no_facts": 0}
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        with transaction.atomic():
            _classify_chunk(part, actor, counts)
            record(
                "transfers.review.classified_batch",
                object_type="transfers.transferrequest",
                object_id=f"{part[0]}-{part[-1]}",
                actor=actor,
                changes={"requests": len(part)},
            )
        if progress is not None:
            progress(start + len(part), len(ids))
    return counts


def _classify_chunk(part: list[int], actor: Any, counts: dict[str, int]) -> None:
    rows = list(
        TransferRequest.objects.select_for_update(of=("self",))
        .filter(pk__in=part, review_status="received")
        .order_by("pk")
        .values_list(
            "pk",
            "person_id",
            "request_date",
            "request_type",
            "probable_cause",
            "decision",
            "details__facts",
            "source",
            "criminality",
            "facts_missing",
        )
    )
    people = {pk for _, pk, *_ in rows if pk is not None}
    births = dict(Person.objects.filter(pk__in=people).values_list("pk", "birth_date"))
    convictions: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for person, *conviction in (
        Conviction.objects.filter(person_id__in=people)
        .order_by("date", "pk")  # the order of person.convictions.all(): reasons cite indexes
        .values_list(
            "person_id",
            "pk",
            "date",
            "incident",
            "severity",
            "categories",
            "sentence_days",
            "suspended",
        )
    ):
        convictions[person].append(tuple(conviction))
    pending: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for person, *charge in (
        Charge.objects.filter(person_id__in=people, status="pending")
        .order_by("date", "pk")
        .values_list("person_id", "date", "severity", "categories")
    ):
        pending[person].append(tuple(charge))

    today = timezone.localdate()
    due = today + timedelta(days=getattr(settings, "TRANSFER_REVIEW_DAYS", 14))
    user = actor if getattr(actor, "is_authenticated", False) else None
    name = actor.get_username() if user is not None else "system"
    now = timezone.now()
    classifications: list[tuple[Any, ...]] = []
    steps: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []

    def step(pk: int, action: str, source: str, target: str, data: dict[str, Any]) -> None:
        steps.append((pk, action, source, target, user.pk if user else None, name, data))

    for pk, person, day, kind, cause, decision, facts, source, criminality, missing in rows:
        own = convictions.get(person, []) if person else []
        charges = pending.get(person, []) if person else []
        why = lacking_facts(source, criminality, person is not None, [c[1] for c in own], day)
        if why:
            counts["no_facts"] += 1
            if why != missing:
                updates.append(("received", None, [], why, pk))
            continue
        try:
            chosen = policy.policy_for(day)
        except policy.PolicyNotFound:
            counts["no_policy"] += 1
            continue
        case = build_case(pk, day, cause, facts or {}, births.get(person), own, charges)
        result = policy.classify(policy.parse_case(case, today=max(day, today)), chosen, True)
        data = policy.result_to_json(result)
        classifications.append(
            (
                pk,
                result.policy,
                result.tier,
                list(result.priorities),
                result.pep_transfer_eligible,
                list(result.pep_basis),
                list(result.allowed_requests),
                data["reasons"],
                data.get("not_met", []),
            )
        )
        found = judge_inconsistencies(kind, cause, decision, bool(charges), result)
        step(pk, "classified", "received", "classified", {"policy": result.policy})
        if found:
            step(pk, "queued", "classified", "in_review", {"why": found})
            updates.append(("in_review", due, found, "", pk))
            counts["queued"] += 1
        else:
            step(pk, "consistent", "classified", "closed", {})
            updates.append(("closed", None, [], "", pk))
        counts["classified"] += 1
    _write(classifications, steps, updates, now)


def _write(
    classifications: list[tuple[Any, ...]],
    steps: list[tuple[Any, ...]],
    updates: list[tuple[Any, ...]],
    now: Any,
) -> None:
    """Three prepared statements: the classifications, the review steps, the requests' status."""
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    insert_many(
        Classification,
        [
            "transfer_request_id",
            "policy",
            "tier",
            "priorities",
            "pep_transfer_eligible",
            "pep_basis",
            "allowed_requests",
            "reasons",
            "not_met",
            "changes",
            "created_at",
        ],
        [
            (
                pk,
                pol,
                tier,
                json.dumps(pr),
                eligible,
                json.dumps(basis),
                json.dumps(allowed),
                json.dumps(reasons),
                json.dumps(not_met),
                "{}",
                at,
            )
            for pk, pol, tier, pr, eligible, basis, allowed, reasons, not_met in classifications
        ],
    )
    insert_many(
        ReviewStep,
        [
            "transfer_request_id",
            "action",
            "from_status",
            "to_status",
            "actor_id",
            "actor_name",
            "text",
            "data",
            "at",
        ],
        [
            (pk, action, source, target, actor, name, "", json.dumps(data), at)
            for pk, action, source, target, actor, name, data in steps
        ],
    )
    update_many(
        TransferRequest,
        ["review_status", "review_due", "inconsistencies", "facts_missing"],
        [
            (status, ops.adapt_datefield_value(due), json.dumps(found), why, pk)
            for status, due, found, why, pk in updates
        ],
    )
