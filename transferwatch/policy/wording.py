"""Small helpers for the texts of reasons and explanations, shared by the policies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from transferwatch.policy.model import Conviction


def on_dates(convictions: Sequence[tuple[int, Conviction]]) -> str:
    """``"on 2013-02-01"`` or ``"on 2013-02-01, 2014-05-06 and 2015-01-02"`` (in date order)."""
    days = sorted(c.date.isoformat() for _, c in convictions)
    if len(days) == 1:
        return f"on {days[0]}"
    return f"on {', '.join(days[:-1])} and {days[-1]}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``"1 felony"``, ``"2 felonies"``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def age_on(birth: date, day: date) -> int:
    """Whole years of age on `day` (a 29 February birthday falls on 1 March in other years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
