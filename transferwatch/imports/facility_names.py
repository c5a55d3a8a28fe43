"""Facility and agency names reduced for matching a jail to the agency that runs it; pure.

A detainer names a jail (`MONTGOMERY CNTY JAIL, PA`), not the arresting agency. `match_agency`
suggests the agency of the facility's state whose name names the same county or place; an
analyst confirms or changes the suggestion on the Facilities page (`agencies.crosswalk`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = {"CNTY": "COUNTY", "CO": "COUNTY", "CTY": "COUNTY"}
DROP_PHRASES = [tuple(p.split()) for p in [
    "CORRECTIONAL FACILITY", "CORR FACILITY", "CORR FAC", "DETENTION CENTER", "CORRECTIONAL",
    "CORRECTIONS", "JAIL", "PRISON",
]]  # fmt: skip
FEDERAL_TOKENS = {"USP", "FCI", "FDC", "FPC", "FMC", "MCC", "BOP"}
FEDERAL_PHRASES = [tuple(p.split()) for p in [
    "FEDERAL CORRECTIONAL", "FEDERAL DETENTION", "FEDERAL PRISON", "FEDERAL MEDICAL", "US PEN",
    "US PENITENTIARY", "FED CORR", "FED PRISON", "US MARSHAL", "US MARSHALS",
]]  # fmt: skip
STATE_PRISON_TOKENS = {"SCI", "SRCF"}
AGENCY_ROLE_WORDS = {"SHERIFF", "SHERIFFS", "OFFICE", "POLICE", "DEPARTMENT", "DEPT", "OF", "THE"}
CUSTODY_WORDS = {"SHERIFF", "SHERIFFS", "CORRECTIONS", "CORRECTIONAL", "JAIL", "PRISON", "PRISONS"}


def name_tokens(name: str) -> list[str]:
    """Upper-case words without punctuation; initials run together (U.S. -> US, S.C.I. -> SCI)."""
    text = re.sub(r"[^0-9A-Z]+", " ", name.upper().replace("'", "").replace("&", " AND "))
    tokens: list[str] = []
    run = ""
    for word in text.split():
        if len(word) == 1 and word.isalpha():
            run += word
            continue
        if run:
            tokens.append(run)
            run = ""
        tokens.append(word)
    if run:
        tokens.append(run)
    return tokens


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1))


def facility_kind(name: str) -> str:
    tokens = name_tokens(name)
    if FEDERAL_TOKENS & set(tokens) or any(_contains(tokens, p) for p in FEDERAL_PHRASES):
        return "federal"
    if STATE_PRISON_TOKENS & set(tokens) or _contains(tokens, ("STATE", "PRISON")):
        return "prison"
    return "jail"


def match_key(name: str, state: str = "") -> tuple[str, ...]:
    """Words that identify a jail or an agency: CNTY/CO -> COUNTY; JAIL, PRISON, CORR FAC, ...
    and a trailing state code dropped."""
    tokens = [ABBREVIATIONS.get(t, t) for t in name_tokens(name)]
    if state and len(tokens) > 1 and tokens[-1] == state:
        tokens.pop()
    for phrase in DROP_PHRASES:
        n = len(phrase)
        i = 0
        while i <= len(tokens) - n:
            if tuple(tokens[i : i + n]) == phrase:
                del tokens[i : i + n]
            else:
                i += 1
    return tuple(tokens)


def county_of(key: tuple[str, ...]) -> str:
    """'MONTGOMERY COUNTY' from ('MONTGOMERY', 'COUNTY', ...) or ('COUNTY', 'OF', 'MONTGOMERY')."""
    if "COUNTY" not in key:
        return ""
    i = key.index("COUNTY")
    if i > 0:
        return " ".join(key[: i + 1])
    if len(key) > 2 and key[1] == "OF":
        return f"{key[2]} COUNTY"
    return ""


@dataclass(frozen=True)
class AgencyName:
    pk: int
    county: str
    core: tuple[str, ...]  # the key without SHERIFF, POLICE, DEPARTMENT, ...
    custody: bool  # runs jails (sheriff, corrections)


def agency_name(pk: int, name: str, state: str) -> AgencyName:
    key = match_key(name, state)
    return AgencyName(
        pk=pk,
        county=county_of(key),
        core=tuple(t for t in key if t not in AGENCY_ROLE_WORDS),
        custody=bool(CUSTODY_WORDS & set(name_tokens(name))),
    )


def match_agency(name: str, state: str, agencies: list[AgencyName]) -> tuple[int | None, str]:
    """The agency (of the facility's state) whose name names the same county or place.

    Returns (agency pk, "") or (None, why not). Among several candidates the one that runs jails
    (sheriff, corrections) wins; two such candidates are ambiguous and match nothing.
    """
    key = match_key(name, state)
    county = county_of(key)
    core = tuple(t for t in key if t not in AGENCY_ROLE_WORDS)
    if county:
        candidates = [a for a in agencies if a.county == county]
    else:
        candidates = [a for a in agencies if core and a.core == core]
    if not candidates:
        return None, "no agency of that name in the state"
    custody = [a for a in candidates if a.custody]
    if len(custody) == 1:
        return custody[0].pk, ""
    if len(candidates) == 1:
        return candidates[0].pk, ""
    return None, f"{len(candidates)} agencies match"
