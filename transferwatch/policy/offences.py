"""What an offence is, from the charge text and NCIC code that ICE's releases carry.

ICE's detainer releases give the most serious conviction or charge (MSC) as a text such as
``DRIVING UNDER INFLUENCE LIQUOR`` and a four-digit NCIC uniform offence code such as ``5404``.
The priorities (DOMAIN.md section 2) turn on categories of offence: the significant misdemeanours
of 2(b), minor traffic offences (not counted in 2(a)), and offences whose element is immigration
status. `offence` maps a charge to those categories, to the offence category of the bookings
contract (CONTRACTS.md section 2), and says whether it is a minor offence.

A minor offence here is a minor traffic offence or a minor public-order offence (disorderly
conduct, trespass, liquor laws, loitering, public-order crimes): the offences behind the
pretextual-arrest pattern of DOMAIN.md section 4. The code decides where it is known; the text
decides otherwise; neither known gives ``other`` and not minor.

References
----------
NCIC 2000 Uniform Offense Classifications (FBI, Code Manual, "Uniform Offense Codes").
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Offence:
    kind: str  # the bookings contract's offense_category
    categories: frozenset[str]  # the policy categories (CONTRACTS.md section 1)
    minor: bool


def _o(kind: str, *categories: str, minor: bool = False) -> Offence:
    return Offence(kind, frozenset(categories), minor)


OTHER = _o("other")
MINOR_TRAFFIC = _o("minor_traffic", "minor_traffic", minor=True)
TRAFFIC = _o("traffic")
DUI = _o("dui", "dui")
DRUG_POSSESSION = _o("drug_possession")
DRUG_TRAFFICKING = _o("drug_trafficking", "drug_trafficking")
BURGLARY = _o("burglary", "burglary")
SEX = _o("sex_offense", "sexual_abuse")
DOMESTIC = _o("domestic_violence", "domestic_violence")
WEAPONS = _o("weapons", "firearm")
VIOLENT = _o("violent")
PROPERTY = _o("property")
PUBLIC_ORDER_MINOR = _o("public_order", minor=True)
PUBLIC_ORDER = _o("public_order")
IMMIGRATION = _o("immigration_status")
WARRANT = _o("warrant")

# Exact codes first, then two-digit groups.
CODES: dict[str, Offence] = {
    "5401": TRAFFIC,  # hit and run
    "5402": TRAFFIC,  # transporting dangerous material
    "5403": DUI,  # driving under the influence of drugs
    "5404": DUI,  # driving under the influence of liquor
    "5405": MINOR_TRAFFIC,  # moving traffic violation
    "5499": MINOR_TRAFFIC,  # traffic offense
    "5311": PUBLIC_ORDER_MINOR,  # disorderly conduct
    "5399": PUBLIC_ORDER_MINOR,  # public peace
    "5707": PUBLIC_ORDER_MINOR,  # trespassing
    "7399": PUBLIC_ORDER_MINOR,  # public order crimes
    "3802": DOMESTIC,  # cruelty toward child
    "3803": DOMESTIC,  # cruelty toward wife
    "1314": DOMESTIC,  # aggravated assault, family (the synthetic data's code)
    "5012": WARRANT,  # probation violation
    "5015": WARRANT,  # failure to appear
}
GROUPS: dict[str, Offence] = {
    "03": IMMIGRATION,
    "09": VIOLENT,  # homicide
    "10": VIOLENT,  # kidnapping
    "11": SEX,  # sexual assault
    "12": VIOLENT,  # robbery
    "13": VIOLENT,  # assault
    "20": PROPERTY,  # arson
    "22": BURGLARY,
    "23": PROPERTY,  # larceny
    "24": PROPERTY,  # stolen vehicle
    "25": PROPERTY,  # forgery
    "26": PROPERTY,  # fraud
    "27": PROPERTY,  # embezzlement
    "28": PROPERTY,  # stolen property
    "29": PROPERTY,  # damage to property
    "36": SEX,
    "38": DOMESTIC,  # family offences
    "41": PUBLIC_ORDER_MINOR,  # liquor
    "48": PUBLIC_ORDER,  # obstructing police
    "50": WARRANT,  # obstructing the judiciary
    "52": WEAPONS,
    "53": PUBLIC_ORDER,
    "54": TRAFFIC,
}

# Text patterns, tried in order; the first that matches decides.
PATTERNS: tuple[tuple[re.Pattern[str], Offence], ...] = tuple(
    (re.compile(pattern), offence)
    for pattern, offence in (
        (r"\b(DUI|DWI|OWI|UNDER (THE )?INFLUENCE|INTOXICATED)\b", DUI),
        (r"\bHIT AND RUN\b", TRAFFIC),
        (
            r"\b(TRAFFIC|SPEEDING|NO (VALID )?(DRIVER'?S? )?LICENSE|WITHOUT (A )?LICENSE|"
            r"SUSPENDED LICENSE|LICENSE SUSPENDED|UNLICENSED|NO INSURANCE|RECKLESS DRIVING|"
            r"DRIVING WHILE (LICENSE )?(SUSPENDED|REVOKED))\b",
            MINOR_TRAFFIC,
        ),
        (r"\b(DOMESTIC|FAMILY|SPOUSE|CRUELTY TOWARD)\b", DOMESTIC),
        (r"\b(SEX|SEXUAL|RAPE|SODOMY|MOLEST|INDECENT|INCEST|CHILD PORN)", SEX),
        (r"\bBURGLARY\b", BURGLARY),
        (r"\b(FIREARM|WEAPON|GUN|PISTOL|RIFLE)", WEAPONS),
        (
            r"(SELL|SALE|SMUGGL|DISTRIB|TRAFFICK|MANUFACT|DELIVER|INTENT TO|PRODUCE|"
            r"CULTIVAT).*\b(DRUG|NARC|COCAINE|HEROIN|MARIJUANA|AMPHET|METH|OPIUM|CONTROLLED)|"
            r"\b(DRUG|NARC|COCAINE|HEROIN|MARIJUANA|AMPHET|METH|OPIUM|CONTROLLED)\w*"
            r"[- ]+(SELL|SALE|SMUGGL|DISTRIB|TRAFFICK|MANUFACT|DELIVER|PRODUCE|CULTIVAT)",
            DRUG_TRAFFICKING,
        ),
        (r"\b(DRUG|NARC|COCAINE|HEROIN|MARIJUANA|AMPHET|METH|OPIUM|CONTROLLED)", DRUG_POSSESSION),
        (
            r"\b(DISORDERLY|TRESPASS|LOITER|VAGRAN|LIQUOR|OPEN CONTAINER|PUBLIC "
            r"(ORDER|PEACE|INTOXICATION|DRUNK)|DRUNK)",
            PUBLIC_ORDER_MINOR,
        ),
        (r"\b(ILLEGAL (ENTRY|RE-?ENTRY)|IMMIGRATION|ALIEN)", IMMIGRATION),
        (r"\b(HOMICIDE|MURDER|MANSLAUGHTER|KIDNAP|ROBBERY|ASSAULT|BATTERY)", VIOLENT),
        (r"\b(LARCENY|THEFT|STOLEN|FRAUD|FORGERY|EMBEZZL|ARSON|SHOPLIFT|VANDAL)", PROPERTY),
        (r"\b(PROBATION|PAROLE|FAILURE TO APPEAR|WARRANT|CONTEMPT)", WARRANT),
    )
)


def offence(text: str = "", code: str = "") -> Offence:
    """The offence a charge text and NCIC code describe.

    Parameters
    ----------
    text : the charge as recorded (``MSC Charge``), any case.
    code : the NCIC uniform offence code (``MSC Charge Code``), four digits; anything else is
        ignored.

    Returns
    -------
    Offence
        Its bookings-contract kind, its policy categories and whether it is minor.

    Examples
    --------
    >>> offence("DRIVING UNDER INFLUENCE LIQUOR", "5404").categories
    frozenset({'dui'})
    >>> offence("TRAFFIC OFFENSE").minor
    True
    """
    digits = code.strip().split(".")[0]
    if len(digits) == 4 and digits.isascii() and digits.isdigit():
        if digits in CODES:
            return CODES[digits]
        if digits[:2] == "35":  # dangerous drugs: last digit 0 sell, 1 smuggle, 3 produce
            return DRUG_TRAFFICKING if digits[3] in "013" else DRUG_POSSESSION
        if digits[:2] in GROUPS:
            return GROUPS[digits[:2]]
    words = " ".join(text.upper().split())
    for pattern, found in PATTERNS:
        if pattern.search(words):
            return found
    return OTHER
