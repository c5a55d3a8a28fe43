"""The plain reference for benchmarks/classify.py: pep-2014 written out straight, standard json.

    .venv/bin/python benchmarks/plain_classify.py CASES.jsonl RESULTS.jsonl

What a programmer would write in an afternoon from docs/policy.md: `json.loads` each line, read
the fields with their defaults, apply the ten clauses of pep-2014 to the dicts (ISO dates compared
as text), `json.dumps` the contract's result. No explanations, no other policy, and no checks at
all: a bad line is a crash, not an error line naming the field. It imports nothing of ours, so
its start-up is the interpreter's alone. On valid cases its output is the command's, byte for
byte (benchmarks/classify.py compares them), which is what makes the comparison fair.
"""

from __future__ import annotations

import json
import sys
from typing import Any

SIGNIFICANT = {
    "domestic_violence",
    "sexual_abuse",
    "burglary",
    "firearm",
    "drug_trafficking",
    "dui",
}
CUTOFF = "2014-01-01"  # continuous presence (2(c)) and final orders (3)


def on_dates(days: list[str]) -> str:
    days = sorted(days)
    if len(days) == 1:
        return f"on {days[0]}"
    return f"on {', '.join(days[:-1])} and {days[-1]}"


def plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"


def classify(case: dict[str, Any]) -> dict[str, Any]:
    as_of = case["as_of"]
    counted = [(i, c) for i, c in enumerate(case.get("convictions") or []) if c["date"] <= as_of]
    reasons: list[tuple[str, int, str, list[int], bool]] = []  # clause, tier, text, indexes, PEP

    if case.get("national_security"):
        text = "suspected of terrorism or espionage, or otherwise a danger to national security"
        reasons.append(("1(a)", 1, text, [], True))
    if case.get("border_apprehension"):
        text = "apprehended at the border or a port of entry while attempting to enter unlawfully"
        reasons.append(("1(b)", 1, text, [], False))

    gang = [(i, c) for i, c in counted if "gang" in (c.get("categories") or [])]
    birth = case.get("birth_date")
    age = None
    if case.get("gang_participation") and birth:
        age = int(as_of[:4]) - int(birth[:4]) - (as_of[5:] < birth[5:])
    parts = []
    if gang:
        parts.append(
            "convicted of an offense with active participation in a criminal street gang as an "
            f"element {on_dates([c['date'] for _, c in gang])}"
        )
    if age is not None and age >= 16:
        parts.append(
            f"aged {age} on {as_of} and intentionally participated in an organised criminal gang"
        )
    if parts:
        reasons.append(("1(c)", 1, "; ".join(parts), [i for i, _ in gang], bool(gang)))

    felonies = [
        (i, c)
        for i, c in counted
        if c["severity"] == "felony" and "immigration_status" not in (c.get("categories") or [])
    ]
    if felonies:
        what = "a felony" if len(felonies) == 1 else f"{len(felonies)} felonies"
        text = f"convicted of {what} {on_dates([c['date'] for _, c in felonies])}"
        reasons.append(("1(d)", 1, text, [i for i, _ in felonies], True))
    aggravated = [(i, c) for i, c in counted if "aggravated_felony" in (c.get("categories") or [])]
    if aggravated:
        text = f"convicted of an aggravated felony {on_dates([c['date'] for _, c in aggravated])}"
        reasons.append(("1(e)", 1, text, [i for i, _ in aggravated], True))

    misdemeanors = [(i, c) for i, c in counted if c["severity"] == "misdemeanor"]
    found = [
        (i, c)
        for i, c in misdemeanors
        if not {"minor_traffic", "immigration_status"} & set(c.get("categories") or [])
    ]
    incidents = {c.get("incident") if c.get("incident") is not None else i for i, c in found}
    if len(incidents) >= 3:
        text = (
            f"convicted of {plural(len(found), 'misdemeanor')} from "
            f"{plural(len(incidents), 'separate incident')} {on_dates([c['date'] for _, c in found])}"
        )
        reasons.append(("2(a)", 2, text, [i for i, _ in found], True))
    significant, texts = [], []
    for i, c in misdemeanors:
        kinds = SIGNIFICANT & set(c.get("categories") or [])
        days = c.get("sentence_days") or 0
        if kinds:
            significant.append(i)
            texts.append(f"{c['date']} ({', '.join(sorted(kinds)).replace('_', ' ')})")
        elif not c.get("suspended") and days >= 90:
            significant.append(i)
            texts.append(f"{c['date']} ({days} days to serve)")
    if significant:
        text = f"convicted of a significant misdemeanor on {'; '.join(sorted(texts))}"
        reasons.append(("2(b)", 2, text, significant, True))

    since = case.get("continuous_presence_since")
    if case.get("unlawful_entry") and (since is None or since > CUTOFF):
        shown = "cannot show" if since is None else f"can show only since {since}, not"
        text = f"entered unlawfully and {shown} continuous physical presence since {CUTOFF}"
        reasons.append(("2(c)", 2, text, [], False))
    if case.get("visa_abuse"):
        text = "found to have significantly abused the visa or visa waiver programs"
        reasons.append(("2(d)", 2, text, [], False))
    order = case.get("final_order_date")
    if order is not None and CUTOFF <= order <= as_of:
        reasons.append(("3", 3, f"final order of removal issued on {order}", [], False))

    basis = [clause for clause, _, _, _, pep in reasons if pep]
    allowed = []
    if basis:
        allowed = ["notification", "detainer"] if case.get("probable_cause") else ["notification"]
    return {
        "id": case.get("id"),
        "policy": "pep-2014",
        "tier": min((tier for _, tier, _, _, _ in reasons), default=None),
        "priorities": [clause for clause, _, _, _, _ in reasons],
        "pep_transfer_eligible": bool(basis),
        "pep_basis": basis,
        "allowed_requests": allowed,
        "reasons": [
            {"clause": clause, "text": text, "convictions": indexes}
            for clause, _, text, indexes, _ in reasons
        ],
    }


def main(source: str, target: str) -> None:
    with open(source, "rb") as cases, open(target, "w", encoding="ascii") as results:
        for line in cases:
            results.write(json.dumps(classify(json.loads(line)), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
