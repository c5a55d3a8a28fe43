"""The vocabulary of the priority engine: cases, results, policies (CONTRACTS.md section 1).

Everything here is an immutable value. A `Policy` is versioned data (identity, effective period,
citations, the clauses in order with their tier, who may grant exceptions, which request types
follow from a match) plus one small test function per clause; the engine (`engine.classify`) runs
the clauses in order and assembles a `Result`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property
from typing import Any, Literal, NamedTuple

SEVERITIES = frozenset({"felony", "misdemeanor", "infraction"})
CATEGORIES = frozenset(
    {
        "aggravated_felony",
        "gang",
        "domestic_violence",
        "sexual_abuse",
        "burglary",
        "firearm",
        "drug_trafficking",
        "dui",
        "minor_traffic",
        "immigration_status",
    }
)
PROBABLE_CAUSE = frozenset({"final_order", "removal_proceedings", "biometric_match", "statements"})
REQUEST_TYPES = ("notification", "detainer", "transfer")


class CaseError(ValueError):
    """A case field that cannot be read; `str()` gives the contract's ``"<field>: <message>"``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PolicyNotFound(LookupError):
    """No policy has the id asked for, or no policy was in force on the day asked for."""


@dataclass(frozen=True, slots=True)
class Conviction:
    """A conviction as the convicting jurisdiction recorded it.

    `incident` groups convictions arising from one incident; ``None`` means an incident of its own.
    `sentence_days` is custody imposed; `suspended` means none of it is to be served.
    """

    date: date
    severity: str
    categories: frozenset[str] = frozenset()
    sentence_days: int = 0
    suspended: bool = False
    incident: str | None = None


@dataclass(frozen=True, slots=True)
class Charge:
    """A pending charge. Never counted as a conviction; kept so explanations can say so."""

    date: date | None = None
    severity: str | None = None
    categories: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Case:
    """The facts of one transfer request, judged as of `as_of` (the date of the determination)."""

    id: str | None
    as_of: date
    birth_date: date | None = None
    national_security: bool = False
    border_apprehension: bool = False
    gang_participation: bool = False
    unlawful_entry: bool = False
    continuous_presence_since: date | None = None
    visa_abuse: bool = False
    final_order_date: date | None = None
    convictions: tuple[Conviction, ...] = ()
    pending_charges: tuple[Charge, ...] = ()
    probable_cause: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a clause matched (or, in `Result.not_met`, why not); `convictions` index the input list."""

    clause: str
    text: str
    convictions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Result:
    """The classification of one case under one policy (the contract's result object).

    `not_met` (one entry per clause that did not match) and `notes` (facts that were set aside,
    e.g. convictions after `as_of`, pending charges) are filled only when asked to explain.
    """

    id: str | None
    policy: str
    tier: int | None
    priorities: tuple[str, ...]
    pep_transfer_eligible: bool
    pep_basis: tuple[str, ...]
    allowed_requests: tuple[str, ...]
    reasons: tuple[Reason, ...]
    not_met: tuple[Reason, ...] | None = None
    notes: tuple[str, ...] | None = None


# Building results: the engine makes one Result and a Reason per clause for every case. The
# generated __init__ of a frozen dataclass calls object.__setattr__ once per field; these set the
# slots directly (the same instance, about twice as fast). The field names are checked here, so a
# field added to either class without being added below stops the import.
def _slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Callable[[Any, Any], None], ...]:
    if tuple(f.name for f in fields(cls)) != names or getattr(cls, "__slots__", None) != names:
        raise TypeError(f"{cls.__name__}: its fields are not {names}; update model.py")
    return tuple(getattr(cls, name).__set__ for name in names)


_new = object.__new__
_reason_slots = _slot_setters(Reason, ("clause", "text", "convictions"))
_result_slots = _slot_setters(
    Result,
    (
        "id",
        "policy",
        "tier",
        "priorities",
        "pep_transfer_eligible",
        "pep_basis",
        "allowed_requests",
        "reasons",
        "not_met",
        "notes",
    ),
)


def make_reason(clause: str, text: str, convictions: tuple[int, ...]) -> Reason:
    """`Reason(clause, text, convictions)`, faster."""
    reason: Reason = _new(Reason)
    set_clause, set_text, set_convictions = _reason_slots
    set_clause(reason, clause)
    set_text(reason, text)
    set_convictions(reason, convictions)
    return reason


def make_result(
    case_id: str | None,
    policy: str,
    tier: int | None,
    priorities: tuple[str, ...],
    eligible: bool,
    basis: tuple[str, ...],
    allowed: tuple[str, ...],
    reasons: tuple[Reason, ...],
    not_met: tuple[Reason, ...] | None,
    notes: tuple[str, ...] | None,
) -> Result:
    """`Result(...)` with every field given in order, faster."""
    result: Result = _new(Result)
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 = _result_slots
    s0(result, case_id)
    s1(result, policy)
    s2(result, tier)
    s3(result, priorities)
    s4(result, eligible)
    s5(result, basis)
    s6(result, allowed)
    s7(result, reasons)
    s8(result, not_met)
    s9(result, notes)
    return result


class Facts:
    """What every clause test needs from a case, computed once per case by the engine.

    `counted` holds ``(index, conviction)`` for the convictions that count on `as_of`, and
    `felonies` and `misdemeanors` the same split by severity; `late` holds the indexes of those
    that do not count because they are dated after `as_of` (or on it, where the policy says so).
    """

    __slots__ = ("as_of", "case", "counted", "felonies", "late", "misdemeanors")
    counted: Sequence[tuple[int, Conviction]]
    felonies: Sequence[tuple[int, Conviction]]
    misdemeanors: Sequence[tuple[int, Conviction]]
    late: Sequence[int]

    def __init__(self, case: Case, same_day_counts: bool) -> None:
        as_of = case.as_of
        self.case = case
        self.as_of = as_of
        if not case.convictions:  # most cases: skip the loop
            self.counted = self.felonies = self.misdemeanors = ()
            self.late = ()
            return
        counted: list[tuple[int, Conviction]] = []
        felonies: list[tuple[int, Conviction]] = []
        misdemeanors: list[tuple[int, Conviction]] = []
        late: list[int] = []
        for i, conviction in enumerate(case.convictions):
            day = conviction.date
            if day < as_of or (same_day_counts and day == as_of):
                pair = (i, conviction)
                counted.append(pair)
                if conviction.severity == "felony":
                    felonies.append(pair)
                elif conviction.severity == "misdemeanor":
                    misdemeanors.append(pair)
            else:
                late.append(i)
        self.counted = counted
        self.felonies = felonies
        self.misdemeanors = misdemeanors
        self.late = late


class Finding(NamedTuple):
    """A clause test's answer: matched or not, with the text and the convictions it rests on.

    `pep_transfer` is true when this match justifies a transfer under the PEP rules.
    """

    met: bool
    text: str
    convictions: tuple[int, ...] = ()
    pep_transfer: bool = False


# A clause test gets the case's facts and whether to explain; it may return None when the clause
# does not match and no explanation was asked for (saves building text nobody reads).
ClauseTest = Callable[[Facts, bool], Finding | None]


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a policy: its label (e.g. ``"2(b)"``), its tier, a short title and its test."""

    id: str
    tier: int
    title: str
    test: ClauseTest = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class RequestRules:
    """Which request types a policy allows once the person qualifies.

    `basis`: ``"pep"`` - the person qualifies when a clause justifying a PEP transfer matched;
    ``"priority"`` - when any clause matched. A detainer additionally needs a probable-cause basis
    when `detainer_needs_probable_cause`. `voluntary_transfer` allows the I-247X request
    ("transfer"), whose rules are unconfirmed.
    """

    basis: Literal["pep", "priority"]
    notification: bool = True
    detainer_needs_probable_cause: bool = True
    voluntary_transfer: bool = False


@dataclass(frozen=True)
class Policy:
    """A versioned enforcement policy: data plus one test per clause.

    Parameters
    ----------
    id, name, version
        ``"pep-2014"``, a title and the version of our encoding of it.
    effective_from, effective_to
        The period in force, both days included; `effective_to` None means open-ended.
    citations
        The documents the clauses come from.
    clauses
        In policy order; each carries its tier.
    exceptions
        ``(tier, role codes)`` pairs: who may grant an exception for a person of that tier;
        tier ``None`` is the finding that removing a non-priority person serves an important
        federal interest.
    requests
        The request types that follow from a match.
    same_day_convictions_count
        Whether a conviction dated on `as_of` counts (see docs/policy.md).
    parameters
        The typed parameter object the clause tests were built from (for display and audit).
    """

    id: str
    name: str
    version: str
    effective_from: date
    effective_to: date | None
    citations: tuple[str, ...]
    clauses: tuple[Clause, ...]
    exceptions: tuple[tuple[int | None, tuple[str, ...]], ...]
    requests: RequestRules
    same_day_convictions_count: bool = True
    parameters: object = field(default=None, compare=False)

    @cached_property
    def plan(self) -> tuple[tuple[str, int, ClauseTest], ...]:
        """The clauses as ``(id, tier, test)``, what the engine loops over."""
        return tuple((clause.id, clause.tier, clause.test) for clause in self.clauses)

    @property
    def tiers(self) -> tuple[int, ...]:
        """The tiers the clauses use, best first."""
        return tuple(sorted({clause.tier for clause in self.clauses}))

    def exception_approvers(self, tier: int | None) -> tuple[str, ...]:
        """Role codes of those who may grant an exception for a person of `tier`.

        ``None`` asks for the non-priority case (the important-federal-interest finding).
        Returns an empty tuple when the policy names nobody for that tier; raises ValueError
        for a tier the policy does not have.
        """
        if tier is not None and tier not in self.tiers:
            raise ValueError(f"policy {self.id} has no tier {tier!r}; tiers are {self.tiers}")
        for key, roles in self.exceptions:
            if key == tier:
                return roles
        return ()

    def in_force(self, day: date) -> bool:
        """Whether `day` falls in the effective period (both ends included)."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def clause(self, clause_id: str) -> Clause:
        """The clause labelled `clause_id`; KeyError if there is none."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)
