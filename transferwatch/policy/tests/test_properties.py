"""Properties every policy must keep, over generated cases (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from transferwatch.policy import POLICIES, Case, Conviction, Result, classify
from transferwatch.policy.model import CATEGORIES

POLICY_IDS = st.sampled_from(sorted(POLICIES))
AS_OF = st.dates(date(2015, 1, 5), date(2016, 12, 31))


def days_around(start: date, end: date) -> st.SearchStrategy[date]:
    return st.dates(start, end)


@st.composite
def convictions(draw: Any, before: date, after: date | None = None) -> Conviction:
    """A conviction dated up to `before` (or strictly after `after` when given)."""
    if after is None:
        day = draw(st.dates(date(2005, 1, 1), before))
    else:
        day = draw(st.dates(after + timedelta(days=1), after + timedelta(days=900)))
    return Conviction(
        date=day,
        severity=draw(st.sampled_from(["felony", "misdemeanor", "infraction"])),
        categories=frozenset(draw(st.sets(st.sampled_from(sorted(CATEGORIES)), max_size=3))),
        sentence_days=draw(st.one_of(st.integers(0, 400), st.integers(85, 95))),
        suspended=draw(st.booleans()),
        incident=draw(st.sampled_from([None, "A", "B", "C"])),
    )


@st.composite
def cases(draw: Any) -> Case:
    as_of = draw(AS_OF)
    optional_day = st.one_of(st.none(), st.dates(date(2008, 1, 1), as_of))
    return Case(
        id="p",
        as_of=as_of,
        birth_date=draw(st.one_of(st.none(), st.dates(as_of - timedelta(days=40 * 365), as_of))),
        national_security=draw(st.booleans()),
        border_apprehension=draw(st.booleans()),
        gang_participation=draw(st.booleans()),
        unlawful_entry=draw(st.booleans()),
        continuous_presence_since=draw(optional_day),
        visa_abuse=draw(st.booleans()),
        final_order_date=draw(optional_day),
        convictions=tuple(draw(st.lists(convictions(as_of), max_size=6))),
        probable_cause=tuple(draw(st.sets(st.sampled_from(["final_order", "statements"])))),
    )


def rank(tier: int | None) -> int:
    return 99 if tier is None else tier


def without_indexes(result: Result) -> Result:
    return replace(result, reasons=tuple(replace(r, convictions=()) for r in result.reasons))


@given(cases(), st.data(), POLICY_IDS)
def test_adding_a_conviction_never_lowers_the_priority(case: Case, data: Any, policy: str) -> None:
    before = classify(case, policy)
    extra = data.draw(convictions(case.as_of))
    at = data.draw(st.integers(0, len(case.convictions)))
    more = (*case.convictions[:at], extra, *case.convictions[at:])
    after = classify(replace(case, convictions=more), policy)
    assert rank(after.tier) <= rank(before.tier)
    assert set(before.priorities) <= set(after.priorities)
    assert set(before.pep_basis) <= set(after.pep_basis)
    assert set(before.allowed_requests) <= set(after.allowed_requests)


@given(cases(), st.data(), POLICY_IDS)
def test_convictions_after_as_of_never_change_the_result(
    case: Case, data: Any, policy: str
) -> None:
    late = data.draw(st.lists(convictions(case.as_of, after=case.as_of), min_size=1, max_size=3))
    appended = replace(case, convictions=(*case.convictions, *late))
    assert classify(appended, policy) == classify(case, policy)
    mixed = list(case.convictions)
    for conviction in late:
        mixed.insert(data.draw(st.integers(0, len(mixed))), conviction)
    assert without_indexes(classify(replace(case, convictions=tuple(mixed)), policy)) == (
        without_indexes(classify(case, policy))
    )


@given(cases(), st.randoms(use_true_random=False), POLICY_IDS, st.booleans())
def test_the_order_of_convictions_never_changes_the_result(
    case: Case, random: Any, policy: str, explain: bool
) -> None:
    order = list(range(len(case.convictions)))
    random.shuffle(order)
    shuffled = replace(case, convictions=tuple(case.convictions[i] for i in order))
    first, second = classify(case, policy), classify(shuffled, policy)
    assert without_indexes(second) == without_indexes(first)
    for a, b in zip(first.reasons, second.reasons, strict=True):
        assert sorted(a.convictions) == sorted(order[j] for j in b.convictions)


@settings(max_examples=50)
@given(cases(), POLICY_IDS)
def test_the_tier_is_the_best_of_the_matched_clauses_and_requests_need_eligibility(
    case: Case, policy_id: str
) -> None:
    policy = POLICIES[policy_id]
    result = classify(case, policy, explain=True)
    tiers = [policy.clause(p).tier for p in result.priorities]
    assert result.tier == (min(tiers) if tiers else None)
    assert result.not_met is not None
    assert sorted([*result.priorities, *(r.clause for r in result.not_met)]) == sorted(
        c.id for c in policy.clauses
    )
    if "detainer" in result.allowed_requests:
        assert case.probable_cause
    if policy.requests.basis == "pep":
        assert bool(result.allowed_requests) == result.pep_transfer_eligible
        assert set(result.pep_basis) <= set(result.priorities) - {"1(b)", "2(c)", "2(d)", "3"}
