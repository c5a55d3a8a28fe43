"""Building cases for the policy tests: a plain case as of 1 August 2015, plus what a test changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from transferwatch.policy import Case, parse_case

AS_OF = "2015-08-01"
TODAY = date(2020, 1, 1)


def conviction(
    day: str = "2014-03-01",
    severity: str = "misdemeanor",
    *categories: str,
    days: int = 0,
    suspended: bool = False,
    incident: str | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "date": day,
        "severity": severity,
        "categories": list(categories),
        "sentence_days": days,
        "suspended": suspended,
    }
    if incident is not None:
        row["incident"] = incident
    return row


def raw(**fields: Any) -> dict[str, Any]:
    return {"id": "case-1", "as_of": AS_OF, **fields}


def case(**fields: Any) -> Case:
    return parse_case(raw(**fields), today=TODAY)
