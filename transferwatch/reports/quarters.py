"""Calendar quarters (2015Q3) as the packet, the meetings and the public report count them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

QUARTER_RE = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


class QuarterError(ValueError):
    """A quarter that cannot be read (e.g. '2015Q5')."""


@dataclass(frozen=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = QUARTER_RE.match((text or "").strip())
        if not match or not 1990 <= int(match[1]) <= 2100:
            raise QuarterError(f"{text!r} is not a quarter: write it like 2015Q3")
        return cls(int(match[1]), int(match[2]))

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        """The day after the quarter."""
        return date(self.year + 1, 1, 1) if self.q == 4 else date(self.year, 3 * self.q + 1, 1)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def __str__(self) -> str:
        return self.label

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)


def quarter_label(day: date) -> str:
    return Quarter.of(day).label


def quarter_start(label: str) -> date:
    return Quarter.parse(label).start


def quarter_end(label: str) -> date:
    """The day after the quarter."""
    return Quarter.parse(label).end


def quarters_between(first: str, last: str) -> list[str]:
    out, q, stop = [], Quarter.parse(first), Quarter.parse(last)
    while (q.year, q.q) <= (stop.year, stop.q):
        out.append(q.label)
        q = q.next
    return out
