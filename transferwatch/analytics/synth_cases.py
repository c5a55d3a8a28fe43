"""Synthetic priority-classification cases (CONTRACTS.md section 1) for the priority engine.

Each scenario exercises one clause of pep-2014, or a near miss of one, so that every clause and
its edge occur in a file of cases. The ids carry no hint of the expected answer; the scenario of
each id is written beside the cases (`cases_truth.json`) for tests that need it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

PEP_START = date(2015, 1, 5)
PEP_END = date(2016, 12, 31)

# (severity, categories, sentence days, suspended, same incident as the others, days from as_of)
Conviction = tuple[str, tuple[str, ...], int, bool, bool, int]

SCENARIOS: tuple[tuple[str, dict[str, Any], tuple[Conviction, ...]], ...] = (
    ("1a", {"national_security": True}, ()),
    ("1b", {"border_apprehension": True}, ()),
    ("1c-gang-conviction", {}, (("misdemeanor", ("gang",), 30, False, False, -400),)),
    ("1c-participation", {"gang_participation": True, "age": 19}, ()),
    ("1c-participation-under-16", {"gang_participation": True, "age": 15}, ()),
    ("1d", {}, (("felony", ("burglary",), 365, False, False, -700),)),
    ("1d-immigration-status", {}, (("felony", ("immigration_status",), 0, False, False, -300),)),
    ("1d-after-as-of", {}, (("felony", (), 200, False, False, 30),)),
    ("1e", {}, (("felony", ("aggravated_felony", "drug_trafficking"), 900, False, False, -1500),)),
    ("2a", {}, tuple(("misdemeanor", (), 10, False, False, -200 * k) for k in (1, 2, 3))),
    ("2a-one-incident", {}, tuple(("misdemeanor", (), 10, False, True, -200) for _ in range(3))),
    ("2a-minor-traffic", {}, (("misdemeanor", (), 5, False, False, -100), ("misdemeanor", (), 5, False, False, -300), ("misdemeanor", ("minor_traffic",), 0, False, False, -500))),
    ("2b-category", {}, (("misdemeanor", ("dui",), 2, False, False, -250),)),
    ("2b-domestic-violence", {}, (("misdemeanor", ("domestic_violence",), 0, False, False, -90),)),
    ("2b-90-days", {}, (("misdemeanor", (), 90, False, False, -600),)),
    ("2b-89-days", {}, (("misdemeanor", (), 89, False, False, -600),)),
    ("2b-suspended", {}, (("misdemeanor", (), 180, True, False, -600),)),
    ("2c", {"unlawful_entry": True}, ()),
    ("2c-recent-presence", {"unlawful_entry": True, "continuous_presence_since": "2014-06-01"}, ()),
    ("2c-long-presence", {"unlawful_entry": True, "continuous_presence_since": "2009-03-01"}, ()),
    ("2d", {"visa_abuse": True}, ()),
    ("3", {"final_order_date": "2014-09-15"}, ()),
    ("3-old-order", {"final_order_date": "2012-05-01"}, ()),
    ("none-minor-traffic", {}, (("infraction", ("minor_traffic",), 0, False, False, -60),)),
    ("none-pending-only", {"pending": True}, ()),
)  # fmt: skip


def _case(i: int, rng: np.random.Generator) -> tuple[dict[str, Any], str]:
    name, flags, convictions = SCENARIOS[i % len(SCENARIOS)]
    as_of = PEP_START + timedelta(days=int(rng.integers((PEP_END - PEP_START).days)))
    age = int(flags.get("age", rng.integers(18, 60)))
    known_age = "age" in flags or "gang_participation" in flags  # the 1(c) age test needs it
    birth = as_of - timedelta(days=age * 365 + 30 + int(rng.integers(300)))
    case: dict[str, Any] = {
        "id": f"synth-{i + 1:06d}",
        "as_of": as_of.isoformat(),
        "birth_date": birth.isoformat() if known_age or rng.random() < 0.9 else None,
        "national_security": False,
        "border_apprehension": False,
        "gang_participation": False,
        "unlawful_entry": False,
        "continuous_presence_since": None,
        "visa_abuse": False,
        "final_order_date": None,
    }
    case.update({k: v for k, v in flags.items() if k in case})
    rows = []
    for k, (severity, cats, days, suspended, same, offset) in enumerate(convictions):
        when = as_of + timedelta(days=offset - int(rng.integers(30)) * (offset < 0))
        rows.append(
            {
                "date": when.isoformat(),
                "incident": "A" if same else f"I{k + 1}",
                "severity": severity,
                "categories": list(cats),
                "sentence_days": days,
                "suspended": suspended,
            }
        )
    case["convictions"] = rows
    pending = flags.get("pending") or rng.random() < 0.3
    charge = {"date": (as_of - timedelta(days=3)).isoformat(), "severity": "felony"}
    case["pending_charges"] = [{**charge, "categories": []}] if pending else []
    if rng.random() < 0.3:
        case["probable_cause"] = ["biometric_match"]
    return case, name


def write_cases(path: Path, n: int, seed: int) -> Path:
    """Write `n` cases (JSON Lines) cycling through every scenario, and `cases_truth.json`.

    Returns the path of the truth file: {case id: scenario name}.
    """
    rng = np.random.default_rng([seed, 3])
    truth: dict[str, str] = {}
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            case, name = _case(i, rng)
            truth[case["id"]] = name
            handle.write(json.dumps(case) + "\n")
    truth_path = path.with_name("cases_truth.json")
    truth_path.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth_path
