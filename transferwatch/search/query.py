"""What a query typed into the search box can mean: pure parsing, no database.

One query may mean several things at once (``12`` is transfer request #12 and remedial measure
#12); the search runs every reading that applies. Readings:

- a record number: ``CRCL-A-2025-000042`` (allegation), ``CRCL-I-`` (inquiry), ``CRCL-PD-`` (PD
  request), ``CRCL-E-`` (notification or referral letter); ``CRCL-`` may be left out
  (``A-2025-42``) and so may leading zeros; a number without its sequence (``CRCL-A-2025``) lists
  that year's records;
- ``#12`` or ``12`` (transfer request and remedial measure #12, as their lists show them),
  ``transfer 12``, ``measure 12``;
- a meeting by its quarter (``2015Q3``) or date (``2015-07-14``);
- a person by A-number (``A012-345-678``: 'A', dashes and spaces ignored, ASCII digits only) or by
  name and date of birth (``Maria Lopez 1988-04-03``, or ``04/03/1988``);
- anything else is words to find in agency and facility names (each word starts a word of the
  name), an ORI (``PA046`` or the whole ``PA0460000``) or a facility code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from transferwatch.cases.forms import normalize_a_number

MAX_LENGTH = 200
MAX_WORDS = 8
# The prefixes of cases.models.next_number: CRCL-A-2026-000042 and so on.
NUMBER_KINDS = {"A": "allegation", "I": "inquiry", "PD": "pdrequest", "E": "escalation"}
_NUMBER = re.compile(
    r"^(?:CRCL[- ]?(?P<k1>PD|A|I|E)|(?P<k2>PD|A|I|E)-)[- ]?(?P<year>[0-9]{4})"
    r"(?:[- ]?(?P<seq>[0-9]{1,6}))?$"
)
_ID = re.compile(
    r"^(?:(?P<kind>TRANSFER(?: REQUEST)?|TR|REMEDIAL MEASURE|MEASURE)\s*)?#?\s*(?P<id>[0-9]{1,9})$"
)
_QUARTER = re.compile(r"^(?:MEETING\s+)?(?P<year>[0-9]{4})\s*-?\s*Q(?P<q>[1-4])$")
_ISO_DATE = re.compile(r"(?<![0-9])([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?![0-9])")
_US_DATE = re.compile(r"(?<![0-9])([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?![0-9])")
_ORI = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,7}$")
_CODE = re.compile(r"^[0-9A-Z][0-9A-Z-]{1,19}$")
# What PostgreSQL's text-search parser keeps as word characters, near enough: letters and digits.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class RecordNumber:
    kind: str  # a key of NUMBER_KINDS' values: allegation, inquiry, pdrequest, escalation
    value: str  # the whole number, or the stem of a year ("CRCL-A-2025-")
    exact: bool


@dataclass(frozen=True)
class Query:
    text: str
    numbers: tuple[RecordNumber, ...] = ()
    transfer_id: int | None = None
    measure_id: int | None = None
    quarter: str = ""
    meeting_date: date | None = None
    a_number: str = ""  # nine ASCII digits
    name_words: tuple[str, ...] = ()  # with birth_date: a person by name and date of birth
    birth_date: date | None = None
    words: tuple[str, ...] = ()  # agency and facility names
    ori: str = ""
    code: str = ""

    @property
    def person_kind(self) -> str:
        """How the query names a person: "a_number", "name_birth_date" or ""."""
        if self.a_number:
            return "a_number"
        if self.name_words and self.birth_date:
            return "name_birth_date"
        return ""

    @property
    def is_empty(self) -> bool:
        return not (
            self.numbers
            or self.transfer_id
            or self.measure_id
            or self.quarter
            or self.meeting_date
            or self.person_kind
            or self.words
            or self.ori
            or self.code
        )


def words_of(text: str) -> tuple[str, ...]:
    """Lower-case words of letters and digits, as PostgreSQL's 'simple' configuration splits them."""
    return tuple(w.casefold() for w in _WORD.findall(text))[:MAX_WORDS]


def _date(text: str) -> tuple[date | None, str]:
    """The first date written in `text` (ISO or US month/day/year) and the text without it."""
    for pattern, order in ((_ISO_DATE, (0, 1, 2)), (_US_DATE, (2, 0, 1))):
        m = pattern.search(text)
        if m:
            year, month, day = (int(m.group(i + 1)) for i in order)
            try:
                return date(year, month, day), (text[: m.start()] + " " + text[m.end() :])
            except ValueError:
                return None, text
    return None, text


def parse(raw: str) -> Query:
    text = " ".join((raw or "").split())[:MAX_LENGTH]
    upper = text.upper()
    if not text:
        return Query(text="")

    m = _NUMBER.match(upper)
    if m:
        kind = NUMBER_KINDS[m.group("k1") or m.group("k2")]
        prefix = "CRCL-" + (m.group("k1") or m.group("k2")) + "-" + m.group("year") + "-"
        seq = m.group("seq")
        number = RecordNumber(kind, prefix + seq.zfill(6) if seq else prefix, exact=bool(seq))
        # "A-1234-5678" is also an A-number written with dashes.
        return Query(text=text, numbers=(number,), a_number=normalize_a_number(text) or "")

    m = _ID.match(upper)
    if m:
        n = int(m.group("id"))
        kind = m.group("kind") or ""
        if not kind and not upper.startswith("#") and len(m.group("id")) >= 8:
            # Eight or nine digits alone are an A-number, not a record id.
            return Query(text=text, a_number=normalize_a_number(text) or "")
        return Query(
            text=text,
            transfer_id=n if not kind or kind.startswith("T") else None,
            measure_id=n if not kind or kind.endswith("MEASURE") else None,
        )

    m = _QUARTER.match(upper)
    if m:
        return Query(text=text, quarter=f"{m.group('year')}Q{m.group('q')}")

    # A date first: 2015-07-14 is a date, not the A-number 020150714.
    day, rest = _date(text)
    if day is not None:
        name = words_of(rest)
        if any(any(c.isalpha() for c in w) for w in name):
            return Query(text=text, name_words=name, birth_date=day)
        return Query(text=text, meeting_date=day)

    a_number = normalize_a_number(text)
    if a_number:
        return Query(text=text, a_number=a_number)

    token = upper.replace(" ", "")
    single = " " not in text
    return Query(
        text=text,
        words=words_of(text),
        ori=token if single and _ORI.match(token) else "",
        code=token if single and _CODE.match(token) else "",
    )
