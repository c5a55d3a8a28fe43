"""Secure Communities criminality levels (DOMAIN.md section 3), as the policy before PEP.

Level 1: an aggravated felony, or two or more crimes each punishable by more than one year;
Level 2: any felony, or three or more crimes each punishable by less than one year;
Level 3: crimes punishable by less than one year. A felony (as the convicting jurisdiction
classified it) stands for "punishable by more than one year", a misdemeanor for "less than one
year"; infractions are not crimes. The result has the same shape as pep-2014's: tier = level,
priorities such as ``["L1", "L2"]``, the PEP fields false and empty.

Request rules under Secure Communities are unconfirmed: by default a notification for any level
and a detainer for any level with a probable-cause basis (the 2011 I-247 covered both).

References
----------
ICE, "Secure Communities: Standard Operating Procedures", 2009, and "Secure Communities
Presentation: Criminality Levels" (Level 1/2/3 definitions), 2011 (unconfirmed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from transferwatch.policy.model import Clause, Facts, Finding, Policy, RequestRules
from transferwatch.policy.wording import on_dates, plural

CITATIONS = (
    'ICE, "Secure Communities: Standard Operating Procedures" (criminality levels 1-3), 2009-2011',
    'J. Johnson, "Secure Communities", DHS memorandum, 20 November 2014 (ends the program)',
)


@dataclass(frozen=True)
class Sc2011Parameters:
    """Thresholds of the criminality levels and the (unconfirmed) request rules."""

    level1_felonies: int = 2
    level2_misdemeanors: int = 3
    same_day_convictions_count: bool = True
    notification_allowed: bool = True
    detainer_needs_probable_cause: bool = True
    effective_from: date = date(2011, 1, 1)  # unconfirmed: the levels date from 2008-2009
    effective_to: date = date(2015, 1, 4)


def make_policy(p: Sc2011Parameters | None = None) -> Policy:
    """The sc-2011 policy built from its parameters."""
    p = p or Sc2011Parameters()

    def level1(facts: Facts, explain: bool) -> Finding | None:
        aggravated = [(i, c) for i, c in facts.counted if "aggravated_felony" in c.categories]
        felonies = facts.felonies
        parts = []
        if aggravated:
            parts.append(f"convicted of an aggravated felony {on_dates(aggravated)}")
        if len(felonies) >= p.level1_felonies:
            parts.append(
                f"convicted of {len(felonies)} crimes punishable by more than one year (felonies) "
                f"{on_dates(felonies)}"
            )
        if parts:
            indexes = sorted({i for i, _ in aggravated} | {i for i, _ in felonies})
            return Finding(True, "; ".join(parts), tuple(indexes))
        if not explain:
            return None
        why = f"no aggravated felony and {plural(len(felonies), 'felony', 'felonies')}"
        return Finding(False, f"{why}; {p.level1_felonies} needed", tuple(i for i, _ in felonies))

    def level2(facts: Facts, explain: bool) -> Finding | None:
        felonies = facts.felonies
        misdemeanors = facts.misdemeanors
        parts = []
        if felonies:
            parts.append(f"convicted of a felony {on_dates(felonies)}")
        if len(misdemeanors) >= p.level2_misdemeanors:
            parts.append(
                f"convicted of {len(misdemeanors)} crimes punishable by less than one year "
                f"(misdemeanors) {on_dates(misdemeanors)}"
            )
        if parts:
            indexes = [i for i, _ in felonies]
            if len(misdemeanors) >= p.level2_misdemeanors:
                indexes = sorted({*indexes, *(i for i, _ in misdemeanors)})
            return Finding(True, "; ".join(parts), tuple(indexes))
        if not explain:
            return None
        why = f"no felony and {plural(len(misdemeanors), 'misdemeanor')}"
        considered = tuple(i for i, _ in misdemeanors)
        return Finding(False, f"{why}; {p.level2_misdemeanors} needed", considered)

    def level3(facts: Facts, explain: bool) -> Finding | None:
        misdemeanors = facts.misdemeanors
        if misdemeanors:
            text = (
                f"convicted of {plural(len(misdemeanors), 'crime')} punishable by less than one "
                f"year (misdemeanor) {on_dates(misdemeanors)}"
            )
            return Finding(True, text, tuple(i for i, _ in misdemeanors))
        if explain:
            return Finding(False, "no misdemeanor conviction (infractions are not crimes)")
        return None

    return Policy(
        id="sc-2011",
        name="Secure Communities criminality levels",
        version="1",
        effective_from=p.effective_from,
        effective_to=p.effective_to,
        citations=CITATIONS,
        clauses=(
            Clause("L1", 1, "aggravated felony, or two or more felonies", level1),
            Clause("L2", 2, "any felony, or three or more misdemeanors", level2),
            Clause("L3", 3, "misdemeanor", level3),
        ),
        exceptions=(),  # no exception roles recorded for Secure Communities (unconfirmed)
        requests=RequestRules(
            basis="priority",
            notification=p.notification_allowed,
            detainer_needs_probable_cause=p.detainer_needs_probable_cause,
            voluntary_transfer=False,
        ),
        same_day_convictions_count=p.same_day_convictions_count,
        parameters=p,
    )


SC_2011 = make_policy()
