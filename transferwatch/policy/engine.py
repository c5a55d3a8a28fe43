"""Running a policy's clauses over a case, and the result as the contract's JSON object."""

from __future__ import annotations

from typing import Any

from transferwatch.policy.model import Case, Facts, Policy, Reason, Result
from transferwatch.policy.model import make_reason as _reason
from transferwatch.policy.model import make_result as _result
from transferwatch.policy.registry import get_policy, policy_for
from transferwatch.policy.wording import plural


def resolve_policy(policy: Policy | str | None, case: Case) -> Policy:
    """A Policy as given, by id, or (None) the one in force on the case's `as_of`."""
    if policy is None:
        return policy_for(case.as_of)
    if isinstance(policy, str):
        return get_policy(policy)
    return policy


def classify(case: Case, policy: Policy | str | None = None, explain: bool = False) -> Result:
    """Classify one case under a policy.

    Parameters
    ----------
    case
        The facts (see `parse_case`).
    policy
        A `Policy`, a policy id such as ``"pep-2014"``, or None for the policy in force on
        `case.as_of` (`PolicyNotFound` when there is none).
    explain
        Also say, for every clause that did not match, why not (`Result.not_met`), and list the
        facts set aside (`Result.notes`).

    Returns
    -------
    Result
        `priorities` every matching clause in policy order; `tier` the best tier among them or
        None; PEP eligibility and basis; the request types allowed; one reason per match.
    """
    pol = policy if type(policy) is Policy else resolve_policy(policy, case)
    facts = Facts(case, pol.same_day_convictions_count)
    priorities: list[str] = []
    reasons: list[Reason] = []
    basis: list[str] = []
    not_met: list[Reason] = []
    tier: int | None = None
    for clause_id, clause_tier, test in pol.plan:
        found = test(facts, explain)
        if found is None:
            continue
        if found.met:
            priorities.append(clause_id)
            reasons.append(_reason(clause_id, found.text, found.convictions))
            if tier is None or clause_tier < tier:
                tier = clause_tier
            if found.pep_transfer:
                basis.append(clause_id)
        else:
            not_met.append(_reason(clause_id, found.text, found.convictions))

    rules = pol.requests
    pep = rules.basis == "pep"
    if pep:
        eligible = bool(basis)
    else:
        eligible = tier is not None
        basis = []
    allowed: tuple[str, ...] = ()
    if eligible:
        requests = ["notification"] if rules.notification else []
        if case.probable_cause or not rules.detainer_needs_probable_cause:
            requests.append("detainer")
        if rules.voluntary_transfer:
            requests.append("transfer")
        allowed = tuple(requests)

    if not explain:
        return _result(
            case.id,
            pol.id,
            tier,
            tuple(priorities),
            eligible and pep,
            tuple(basis),
            allowed,
            tuple(reasons),
            None,
            None,
        )
    return _result(
        case.id,
        pol.id,
        tier,
        tuple(priorities),
        eligible and pep,
        tuple(basis),
        allowed,
        tuple(reasons),
        tuple(not_met),
        tuple(_notes(case, pol, facts, tier, eligible, priorities)),
    )


def _notes(
    case: Case, policy: Policy, facts: Facts, tier: int | None, eligible: bool, matched: list[str]
) -> list[str]:
    notes = []
    for i in facts.late:
        day = case.convictions[i].date
        when = "on" if day == case.as_of else "after"
        notes.append(f"conviction {i} dated {day} is {when} as_of {case.as_of} and does not count")
    if case.pending_charges:
        count = plural(len(case.pending_charges), "pending charge")
        notes.append(f"{count} not counted: a pending charge is not a conviction")
    rules = policy.requests
    if rules.basis == "pep":
        if tier is not None and not eligible:
            notes.append(
                f"not eligible for a PEP transfer: {', '.join(matched)} "
                f"{'does' if len(matched) == 1 else 'do'} not justify one"
            )
        elif tier is None:
            notes.append(
                "not a priority: removal only on an ICE FOD's important-federal-interest finding"
            )
    if eligible and rules.detainer_needs_probable_cause and not case.probable_cause:
        notes.append("detainer not allowed: no probable-cause basis given")
    return notes


def reason_to_json(reason: Reason) -> dict[str, Any]:
    return {"clause": reason.clause, "text": reason.text, "convictions": list(reason.convictions)}


def result_to_json(result: Result) -> dict[str, Any]:
    """The contract's result object (CONTRACTS.md section 1), ready for `json.dumps`.

    With an explained result also ``"not_met"`` (clause, text, convictions) and ``"notes"``.
    """
    out: dict[str, Any] = {
        "id": result.id,
        "policy": result.policy,
        "tier": result.tier,
        "priorities": list(result.priorities),
        "pep_transfer_eligible": result.pep_transfer_eligible,
        "pep_basis": list(result.pep_basis),
        "allowed_requests": list(result.allowed_requests),
        "reasons": [
            {"clause": r.clause, "text": r.text, "convictions": list(r.convictions)}
            for r in result.reasons
        ],
    }
    if result.not_met is not None:
        out["not_met"] = [reason_to_json(r) for r in result.not_met]
    if result.notes is not None:
        out["notes"] = list(result.notes)
    return out
