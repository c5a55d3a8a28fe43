"""The demo data set: `synth` output loaded through the same importers people use.

1. `transferwatch.analytics.synth` writes invented agencies and bookings (with planted problems).
2. The agencies and bookings importers load them (database and Parquet warehouse).
3. The bookings that drew an ICE request become a small detainer release in the ICE FOIA layout,
   loaded by the detainer importer, so the transfer-request pages have records to show.
4. The people of those requests get invented names and A-numbers (every A-number starts with
   0999), so the masked-identity pages have something to reveal.
5. One monitoring run over the warehouse, so the monitoring pages have results.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import duckdb
from django.conf import settings
from django.db import transaction

from transferwatch.analytics.contract import quote
from transferwatch.analytics.synth import generate
from transferwatch.audit.services import record
from transferwatch.imports.detainers import import_detainers
from transferwatch.imports.models import Import
from transferwatch.imports.services import classify_imported
from transferwatch.imports.warehouse import import_agencies, import_bookings
from transferwatch.monitoring import services
from transferwatch.monitoring.models import MonitoringRun
from transferwatch.transfers.models import Person

FIRST = ["Alex", "Sam", "Jordan", "Rene", "Dana", "Luis", "Ana", "Mariel", "Tomas", "Iris", "Noel"]
LAST = ["Example", "Sample", "Placeholder", "Fictive", "Testwell", "Demonte", "Invento", "Mockley"]
PLANTS = {"pretext": 2, "lowprio": 2, "dismissal": 1, "lep": 1}
TYPES = {"notification": "I247N", "detainer": "I247D", "transfer": "I247X"}
LIFT = {
    "transferred": "Booked into Detention",
    "released": "Lifted",
    "lifted": "Lifted",
    "us_citizen": "United States Citizen Interviewed",
    "declined_by_lea": "Detainer Declined by LEA",
    "pending": "",
}


def release_from_bookings(folder: Path, limit: int) -> Path:
    """A detainer release in the older ICE layout, from the synthetic bookings.

    The booking's charge is the most serious conviction when it ended in one, else a pending
    charge; the person key is the synthetic person's, so a person's detainers are linked.
    """
    out = folder / "detainers.csv"
    types = " ".join(f"WHEN {quote(k)} THEN {quote(v)}" for k, v in TYPES.items())
    lifts = " ".join(f"WHEN {quote(k)} THEN {quote(v)}" for k, v in LIFT.items())
    duckdb.sql(
        f"""COPY (
          SELECT b.request_date AS "Detainer Prepare Date", a.state AS "Facility State",
                 a.aor AS "Facility AOR", upper(a.name) || ' JAIL' AS "Detention Facility",
                 CASE b.transfer_request {types} END AS "Detainer Type",
                 CASE b.request_outcome {lifts} ELSE '' END AS "Detainer Lift Reason",
                 CASE WHEN b.disposition = 'convicted' THEN '1 Convicted Criminal'
                      ELSE '2 Pending Criminal Charges' END AS "Detainer Prepared Criminality",
                 b.birth_country AS "Birth Country", b.birth_country AS "Citizenship Country",
                 upper(replace(b.offense_category, '_', ' ')) AS "Most Serious Conviction (MSC) Charge",
                 b.offense_code AS "MSC Charge Code", b.booking_date AS "MSC Charge Date",
                 CASE WHEN b.disposition = 'convicted' THEN b.booking_date END
                   AS "MSC Conviction Date",
                 CASE WHEN b.offense_severity = 'felony' THEN 'YES' ELSE 'NO' END AS "Felon",
                 CASE WHEN b.transfer_request = 'detainer' THEN 'YES' ELSE 'NO' END
                   AS "Biometric Match Yes No",
                 'DEMO-' || b.person_id AS "Unique Identifier"
          FROM read_csv({quote(str(folder / "bookings.csv"))}, all_varchar = true) b
          JOIN read_csv({quote(str(folder / "agencies.csv"))}, all_varchar = true) a USING (ori)
          WHERE b.transfer_request <> 'none' AND b.request_date IS NOT NULL
          ORDER BY md5(b.booking_id) LIMIT {int(limit)}
        ) TO {quote(str(out))} (HEADER)"""
    )
    return out


@transaction.atomic
def name_people(seed: int) -> int:
    """Invented identities for the people the demo release created."""
    rng = random.Random(seed)
    people = list(Person.objects.filter(subject_key__startswith="DEMO-", name="").order_by("pk"))
    for person in people:
        person.name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        person.a_number = f"0999{rng.randrange(10**5):05d}"
        person.birth_date = date(
            rng.randrange(1960, 1999), rng.randrange(1, 13), rng.randrange(1, 29)
        )
    Person.objects.bulk_update(people, ["name", "a_number", "birth_date"], batch_size=500)
    if people:
        record("demo.people.named", object_type="transfers.person", changes={"people": len(people)})
    return len(people)


def load(seed: int = 2015, agencies: int = 40, bookings: int = 150_000) -> list[Import]:
    """Generate (once) and import the demo data; re-running imports nothing new."""
    folder = Path(settings.DATA_DIR) / "demo"
    if not (folder / "truth.json").exists():
        generate(
            folder,
            agencies=agencies,
            start=date(2014, 1, 1),
            end=date(2016, 12, 31),
            seed=seed,
            plants=PLANTS,
            fmt="csv",
            bookings=bookings,
        )
    done = [
        import_agencies(folder / "agencies.csv"),
        import_bookings(folder / "bookings.csv"),
    ]
    release = folder / "detainers.csv"
    if not release.exists():
        release_from_bookings(folder, limit=1500)
    detainers = import_detainers(release, "ice-foia")
    classify_imported(detainers)
    done.append(detainers)
    name_people(seed)
    if not MonitoringRun.objects.exists():  # so the monitoring pages have a run to show
        services.execute(services.queue(None))
    return done
