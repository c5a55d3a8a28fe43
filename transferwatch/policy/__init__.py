"""Enforcement priorities as versioned policy data and rule functions.

Pure Python: no Django import (an import-linter contract enforces it). The one place the
classification rules live; the CLI (`transferwatch classify`), the API, the review workflow and the
monitoring engine all call `classify`. See docs/policy.md.

    >>> from datetime import date
    >>> case = parse_case({"id": "x", "as_of": "2015-08-01", "visa_abuse": True}, today=date(2020, 1, 1))
    >>> classify(case, "pep-2014").priorities
    ('2(d)',)
"""

from transferwatch.policy.engine import classify, result_to_json
from transferwatch.policy.model import (
    Case,
    CaseError,
    Charge,
    Clause,
    Conviction,
    Policy,
    PolicyNotFound,
    Reason,
    RequestRules,
    Result,
)
from transferwatch.policy.parse import parse_case
from transferwatch.policy.registry import POLICIES, get_policy, policy_for

__all__ = [
    "POLICIES",
    "Case",
    "CaseError",
    "Charge",
    "Clause",
    "Conviction",
    "Policy",
    "PolicyNotFound",
    "Reason",
    "RequestRules",
    "Result",
    "classify",
    "get_policy",
    "parse_case",
    "policy_for",
    "result_to_json",
]
