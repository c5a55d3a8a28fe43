"""The enforcement priorities of 20 November 2014 with the PEP transfer rules (DOMAIN.md 2 and 3).

`make_policy(parameters)` builds the policy from its parameters, so a variant (e.g. one that allows
the I-247X voluntary-transfer request, whose rules are unconfirmed) is a different parameter object,
not different code. `PEP_2014` is the policy as we read the memo; docs/policy.md explains each rule
and every decision taken on an ambiguous point.

References
----------
J. Johnson, Secretary of Homeland Security, "Policies for the Apprehension, Detention and Removal of
Undocumented Immigrants", memorandum, 20 November 2014.
J. Johnson, "Secure Communities", memorandum, 20 November 2014 (ends Secure Communities, creates PEP).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from transferwatch.policy.model import Clause, Facts, Finding, Policy, RequestRules
from transferwatch.policy.wording import age_on, on_dates, plural

CITATIONS = (
    'J. Johnson, "Policies for the Apprehension, Detention and Removal of Undocumented Immigrants", '
    "DHS memorandum, 20 November 2014",
    'J. Johnson, "Secure Communities", DHS memorandum, 20 November 2014 (ends Secure Communities; '
    "creates the Priority Enforcement Program, PEP)",
    "ICE, Priority Enforcement Program: forms I-247N (request for notification) and I-247D "
    "(detainer), 2015",
)

# Who may grant an exception, by tier (role codes); None: the non-priority person whose removal an
# ICE FOD finds serves an important federal interest.
TIER1_APPROVERS = ("ice_fod", "cbp_sector_chief", "cbp_dfo")
TIER2_APPROVERS = (*TIER1_APPROVERS, "uscis_district_director", "uscis_service_center_director")
TIER3_APPROVERS = ("immigration_officer",)
FEDERAL_INTEREST_APPROVERS = ("ice_fod",)


@dataclass(frozen=True)
class Pep2014Parameters:
    """The numbers, dates and category lists the 2014 clauses use."""

    gang_age: int = 16
    misdemeanor_incidents: int = 3
    misdemeanor_excluded: frozenset[str] = frozenset({"minor_traffic", "immigration_status"})
    felony_excluded: frozenset[str] = frozenset({"immigration_status"})
    significant_categories: frozenset[str] = frozenset(
        {"domestic_violence", "sexual_abuse", "burglary", "firearm", "drug_trafficking", "dui"}
    )
    significant_sentence_days: int = 90
    presence_cutoff: date = date(2014, 1, 1)
    final_order_cutoff: date = date(2014, 1, 1)
    same_day_convictions_count: bool = True
    voluntary_transfer_allowed: bool = False  # I-247X: rules unconfirmed, off by default


def make_policy(p: Pep2014Parameters | None = None) -> Policy:
    """The pep-2014 policy built from its parameters (defaults: the memo as we read it)."""
    p = p or Pep2014Parameters()

    def national_security(facts: Facts, explain: bool) -> Finding | None:
        if facts.case.national_security:
            text = "suspected of terrorism or espionage, or otherwise a danger to national security"
            return Finding(True, text, (), True)  # the FOD's national-security judgement
        if explain:
            return Finding(False, "no national-security finding (national_security is false)")
        return None

    def border(facts: Facts, explain: bool) -> Finding | None:
        if facts.case.border_apprehension:
            text = (
                "apprehended at the border or a port of entry while attempting to enter unlawfully"
            )
            return Finding(True, text)
        if explain:
            return Finding(False, "not apprehended at the border (border_apprehension is false)")
        return None

    def gang(facts: Facts, explain: bool) -> Finding | None:
        case = facts.case
        if not (facts.counted or case.gang_participation or explain):
            return None  # most cases: nothing to look at
        convicted = [(i, c) for i, c in facts.counted if "gang" in c.categories]
        age = None
        if case.birth_date is not None and (case.gang_participation or explain):
            age = age_on(case.birth_date, facts.as_of)
        participated = case.gang_participation and age is not None and age >= p.gang_age
        if convicted or participated:
            parts = []
            if convicted:
                parts.append(
                    "convicted of an offense with active participation in a criminal street gang "
                    f"as an element {on_dates(convicted)}"
                )
            if participated:
                parts.append(
                    f"aged {age} on {facts.as_of} and intentionally participated in an organised "
                    "criminal gang"
                )
            indexes = tuple(i for i, _ in convicted)
            # PEP: only the conviction justifies a transfer, not participation alone.
            return Finding(True, "; ".join(parts), indexes, bool(convicted))
        if not explain:
            return None
        if not case.gang_participation:
            why = "no conviction with a gang element and no gang participation found"
        elif age is None:
            why = (
                f"gang participation found but the birth date is unknown, so the age-{p.gang_age} "
                "test fails; no conviction with a gang element"
            )
        else:
            why = (
                f"gang participation found but aged {age} on {facts.as_of}, under {p.gang_age}; "
                "no conviction with a gang element"
            )
        return Finding(False, why)

    def felony(facts: Facts, explain: bool) -> Finding | None:
        felonies = facts.felonies
        if not felonies and not explain:
            return None
        counted = [(i, c) for i, c in felonies if not (c.categories & p.felony_excluded)]
        if counted:
            what = "a felony" if len(counted) == 1 else f"{len(counted)} felonies"
            text = f"convicted of {what} {on_dates(counted)}"
            return Finding(True, text, tuple(i for i, _ in counted), True)
        if not explain:
            return None
        if felonies:
            why = (
                f"felony conviction {on_dates(felonies)} not counted: a state or local offense "
                "whose essential element is immigration status"
            )
            return Finding(False, why, tuple(i for i, _ in felonies))
        return Finding(False, "no felony conviction")

    def aggravated(facts: Facts, explain: bool) -> Finding | None:
        if not facts.counted and not explain:
            return None
        found = [(i, c) for i, c in facts.counted if "aggravated_felony" in c.categories]
        if found:
            text = f"convicted of an aggravated felony {on_dates(found)}"
            return Finding(True, text, tuple(i for i, _ in found), True)
        if explain:
            return Finding(False, "no aggravated-felony conviction")
        return None

    def misdemeanors(facts: Facts, explain: bool) -> Finding | None:
        all_misdemeanors = facts.misdemeanors
        if len(all_misdemeanors) < p.misdemeanor_incidents and not explain:
            return None
        found = [(i, c) for i, c in all_misdemeanors if not (c.categories & p.misdemeanor_excluded)]
        incidents = {c.incident if c.incident is not None else i for i, c in found}
        if len(incidents) >= p.misdemeanor_incidents:
            text = (
                f"convicted of {plural(len(found), 'misdemeanor')} from "
                f"{plural(len(incidents), 'separate incident')} {on_dates(found)}"
            )
            return Finding(True, text, tuple(i for i, _ in found), True)
        if not explain:
            return None
        excluded = len(all_misdemeanors) - len(found)
        if not all_misdemeanors:
            return Finding(False, "no misdemeanor conviction")
        why = f"{plural(len(found), 'misdemeanor')} from {plural(len(incidents), 'separate incident')}"
        if excluded:
            why += f" after excluding {plural(excluded, 'minor traffic or immigration-status offense')}"
        why += f"; {p.misdemeanor_incidents} separate incidents needed"
        return Finding(False, why, tuple(i for i, _ in found))

    def significant(facts: Facts, explain: bool) -> Finding | None:
        if not facts.misdemeanors and not explain:
            return None
        found = []
        parts = []
        for i, c in facts.misdemeanors:
            kinds = c.categories & p.significant_categories
            if kinds:
                found.append(i)
                parts.append(f"{c.date} ({', '.join(sorted(kinds)).replace('_', ' ')})")
            elif not c.suspended and c.sentence_days >= p.significant_sentence_days:
                found.append(i)
                parts.append(f"{c.date} ({c.sentence_days} days to serve)")
        if found:
            text = f"convicted of a significant misdemeanor on {'; '.join(sorted(parts))}"
            return Finding(True, text, tuple(found), True)
        if not explain:
            return None
        misdemeanors = [c for _, c in facts.misdemeanors]
        if not misdemeanors:
            return Finding(False, "no misdemeanor conviction")
        served = max((c.sentence_days for c in misdemeanors if not c.suspended), default=0)
        why = (
            f"{plural(len(misdemeanors), 'misdemeanor')}, none in a significant category; "
            f"longest sentence to serve {served} days ({p.significant_sentence_days} needed)"
        )
        suspended = sorted(c.sentence_days for c in misdemeanors if c.suspended and c.sentence_days)
        if suspended:
            why += f"; suspended sentences do not count ({', '.join(map(str, suspended))} days)"
        return Finding(False, why)

    def recent_entry(facts: Facts, explain: bool) -> Finding | None:
        case = facts.case
        since = case.continuous_presence_since
        if case.unlawful_entry and (since is None or since > p.presence_cutoff):
            shown = "cannot show" if since is None else f"can show only since {since}, not"
            text = (
                f"entered unlawfully and {shown} continuous physical presence since "
                f"{p.presence_cutoff}"
            )
            return Finding(True, text)
        if not explain:
            return None
        if not case.unlawful_entry:
            return Finding(False, "no unlawful entry or re-entry found (unlawful_entry is false)")
        why = f"entered unlawfully but shows continuous presence since {since}"
        return Finding(False, f"{why}, on or before {p.presence_cutoff}")

    def visa(facts: Facts, explain: bool) -> Finding | None:
        if facts.case.visa_abuse:
            text = "found to have significantly abused the visa or visa waiver programs"
            return Finding(True, text)
        if explain:
            return Finding(False, "no finding of visa or visa-waiver abuse (visa_abuse is false)")
        return None

    def final_order(facts: Facts, explain: bool) -> Finding | None:
        day = facts.case.final_order_date
        if day is not None and p.final_order_cutoff <= day <= facts.as_of:
            return Finding(True, f"final order of removal issued on {day}")
        if not explain:
            return None
        if day is None:
            return Finding(False, "no final order of removal")
        if day > facts.as_of:
            return Finding(
                False, f"final order dated {day}, after as_of {facts.as_of}: not counted"
            )
        return Finding(
            False, f"final order of removal issued on {day}, before {p.final_order_cutoff}"
        )

    clauses = (
        Clause("1(a)", 1, "terrorism, espionage or danger to national security", national_security),
        Clause("1(b)", 1, "apprehended at the border attempting unlawful entry", border),
        Clause("1(c)", 1, "criminal street gang conviction or participation (16 or older)", gang),
        Clause("1(d)", 1, "felony conviction (not an immigration-status offense)", felony),
        Clause("1(e)", 1, "aggravated felony conviction", aggravated),
        Clause("2(a)", 2, "three or more misdemeanors from three separate incidents", misdemeanors),
        Clause("2(b)", 2, "significant misdemeanor", significant),
        Clause("2(c)", 2, "unlawful entry, no continuous presence since 1 Jan 2014", recent_entry),
        Clause("2(d)", 2, "significant visa or visa-waiver abuse", visa),
        Clause("3", 3, "final order of removal on or after 1 Jan 2014", final_order),
    )
    return Policy(
        id="pep-2014",
        name="Enforcement priorities of 20 November 2014 with the PEP transfer rules",
        version="1",
        effective_from=date(2015, 1, 5),
        effective_to=date(2017, 2, 20),
        citations=CITATIONS,
        clauses=clauses,
        exceptions=(
            (1, TIER1_APPROVERS),
            (2, TIER2_APPROVERS),
            (3, TIER3_APPROVERS),
            (None, FEDERAL_INTEREST_APPROVERS),
        ),
        requests=RequestRules(
            basis="pep",
            notification=True,
            detainer_needs_probable_cause=True,
            voluntary_transfer=p.voluntary_transfer_allowed,
        ),
        same_day_convictions_count=p.same_day_convictions_count,
        parameters=p,
    )


PEP_2014 = make_policy()
