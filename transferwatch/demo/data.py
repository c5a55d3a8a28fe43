"""A small synthetic data set for the demo: invented agencies, people and transfer requests.

Nothing here is real: names are drawn from invented lists and every A-number starts with 0999.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from transferwatch.accounts.models import Area
from transferwatch.agencies.models import Agency, Facility
from transferwatch.transfers.models import Charge, Conviction, Person, TransferRequest

# (ORI, name, state, county FIPS, AOR, activation, population, share Hispanic, share LEP)
AGENCIES = [
    (
        "PA0460000",
        "Montgomery County Sheriff (demo)",
        "PA",
        "42091",
        "PHI",
        date(2015, 3, 1),
        826_000,
        0.05,
        0.04,
    ),
    (
        "PA0090000",
        "Bucks County Sheriff (demo)",
        "PA",
        "42017",
        "PHI",
        date(2015, 5, 1),
        628_000,
        0.05,
        0.03,
    ),
    ("PA0510000", "Philadelphia Police (demo)", "PA", "42101", "PHI", None, 1_567_000, 0.14, 0.11),
    (
        "PA0221100",
        "Harrisburg Police (demo)",
        "PA",
        "42043",
        "PHI",
        date(2015, 9, 1),
        49_000,
        0.19,
        0.08,
    ),
    (
        "NJ0070000",
        "Essex County Sheriff (demo)",
        "NJ",
        "34013",
        "NEW",
        date(2015, 2, 1),
        797_000,
        0.22,
        0.15,
    ),
    (
        "NY0300000",
        "Nassau County Police (demo)",
        "NY",
        "36059",
        "NYC",
        date(2015, 4, 1),
        1_361_000,
        0.16,
        0.09,
    ),
    (
        "TX0571800",
        "Irving Police (demo)",
        "TX",
        "48113",
        "DAL",
        date(2015, 1, 15),
        236_000,
        0.41,
        0.24,
    ),
    (
        "TX0570000",
        "Dallas County Sheriff (demo)",
        "TX",
        "48113",
        "DAL",
        date(2015, 6, 1),
        2_518_000,
        0.39,
        0.21,
    ),
    (
        "AZ0070000",
        "Maricopa County Sheriff (demo)",
        "AZ",
        "04013",
        "PHO",
        date(2015, 1, 5),
        4_167_000,
        0.30,
        0.14,
    ),
    (
        "GA0600000",
        "Gwinnett County Sheriff (demo)",
        "GA",
        "13135",
        "ATL",
        date(2015, 7, 1),
        877_000,
        0.20,
        0.12,
    ),
]
FIRST = [
    "Alex",
    "Sam",
    "Jordan",
    "Rene",
    "Dana",
    "Luis",
    "Ana",
    "Mariel",
    "Tomas",
    "Iris",
    "Noel",
    "Eda",
]
LAST = ["Example", "Sample", "Placeholder", "Fictive", "Testwell", "Demonte", "Invento", "Mockley"]
COUNTRIES = ["MX", "GT", "SV", "HN", "DO", "CN", "IN", "NG", "PH", "JM"]
OFFENSES = [
    ("felony", ["drug_trafficking"], "Possession with intent to distribute"),
    ("felony", [], "Theft over $2,000"),
    ("felony", ["aggravated_felony"], "Aggravated assault"),
    ("misdemeanor", ["dui"], "Driving under the influence"),
    ("misdemeanor", ["domestic_violence"], "Simple assault, household member"),
    ("misdemeanor", [], "Retail theft"),
    ("misdemeanor", ["minor_traffic"], "Driving without a license"),
    ("infraction", ["minor_traffic"], "Broken tail light"),
]
OUTCOMES = ["transferred", "released", "lifted", "pending", "us_citizen", "declined_by_lea"]


def rand_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


@transaction.atomic
def load(seed: int = 2015, people: int = 120) -> dict[str, int]:
    """Create the demo records unless agencies already exist; returns counts created."""
    if Agency.objects.exists():
        return {}
    rng = random.Random(seed)
    areas = {a.code: a for a in Area.objects.all()}
    agencies = []
    for ori, name, state, fips, aor, activation, pop, hisp, lep in AGENCIES:
        white = int(pop * (0.85 - hisp) * 0.8)
        agency = Agency.objects.create(
            ori=ori,
            name=name,
            state=state,
            county_fips=fips,
            aor=areas[aor],
            activation_date=activation,
            population=pop,
            pop_hispanic=int(pop * hisp),
            pop_white=white,
            pop_black=int(pop * 0.12),
            pop_asian=int(pop * 0.05),
            pop_other=int(pop * 0.02),
            pop_lep=int(pop * lep),
        )
        Facility.objects.create(
            agency=agency, name=name.replace(" (demo)", "").upper() + " JAIL", state=state
        )
        agencies.append(agency)
    counts = {"agencies": len(agencies), "people": 0, "requests": 0}
    for i in range(people):
        person = Person.objects.create(
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            a_number=f"0999{rng.randrange(10**5):05d}",
            birth_date=rand_date(rng, date(1960, 1, 1), date(1998, 12, 31)),
            birth_country=rng.choice(COUNTRIES),
            citizenship=rng.choice(COUNTRIES),
        )
        counts["people"] += 1
        for n in range(rng.choice([0, 0, 1, 1, 2, 3])):
            severity, categories, description = rng.choice(OFFENSES)
            Conviction.objects.create(
                person=person,
                date=rand_date(rng, date(2005, 1, 1), date(2014, 12, 31)),
                incident=f"I{n}",
                severity=severity,
                categories=categories,
                description=description,
                sentence_days=rng.choice([0, 10, 30, 90, 180, 365]),
                suspended=rng.random() < 0.2,
            )
        if rng.random() < 0.35:
            severity, categories, description = rng.choice(OFFENSES)
            Charge.objects.create(
                person=person,
                date=rand_date(rng, date(2015, 1, 1), date(2016, 6, 30)),
                severity=severity,
                categories=categories,
                description=description,
            )
        agency = rng.choice(agencies)
        for _ in range(rng.choice([1, 1, 1, 2])):
            request_type = rng.choices(["notification", "detainer", "transfer"], [6, 3, 1])[0]
            TransferRequest.objects.create(
                person=person,
                request_type=request_type,
                form={"notification": "I-247N", "detainer": "I-247D", "transfer": "I-247X"}[
                    request_type
                ],
                request_date=rand_date(rng, date(2015, 1, 5), date(2016, 12, 31)),
                aor=agency.aor,
                agency=agency,
                facility=agency.facilities.first(),
                probable_cause=rng.sample(
                    ["final_order", "removal_proceedings", "biometric_match", "statements"],
                    k=rng.choice([0, 1, 2]),
                )
                if request_type == "detainer"
                else [],
                outcome=rng.choice(OUTCOMES),
                source="manual",
                external_id=f"demo-{i}-{counts['requests']}",
            )
            counts["requests"] += 1
    return counts
