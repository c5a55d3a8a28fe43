"""The policies we know, by id and by effective period.

`policy_for(day)` picks the policy in force on a day: sc-2011 up to 4 January 2015, pep-2014 from
5 January 2015 to 20 February 2017 (DOMAIN.md section 2). A day outside every period raises
`PolicyNotFound` rather than guessing: there is no encoded policy for 2017 onwards yet.
"""

from __future__ import annotations

from datetime import date

from transferwatch.policy.model import Policy, PolicyNotFound
from transferwatch.policy.pep2014 import PEP_2014
from transferwatch.policy.sc2011 import SC_2011

POLICIES: dict[str, Policy] = {policy.id: policy for policy in (SC_2011, PEP_2014)}


def get_policy(policy_id: str) -> Policy:
    """The policy with this id; `PolicyNotFound` (a LookupError) naming the known ids otherwise."""
    try:
        return POLICIES[policy_id]
    except KeyError:
        known = ", ".join(POLICIES)
        raise PolicyNotFound(f"unknown policy {policy_id!r}; known: {known}") from None


def policy_for(day: date) -> Policy:
    """The policy in force on `day`; `PolicyNotFound` when none was (no guessing)."""
    for policy in POLICIES.values():
        if policy.in_force(day):
            return policy
    periods = "; ".join(
        f"{p.id} {p.effective_from} to {p.effective_to or 'open'}" for p in POLICIES.values()
    )
    raise PolicyNotFound(f"no policy in force on {day} (known: {periods})")
