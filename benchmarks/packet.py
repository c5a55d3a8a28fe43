"""Time to build the quarterly packet (HTML and PDF) for a busy quarter.

    .venv/bin/python benchmarks/packet.py [--bookings 1000000] [--requests 20000] [--agencies 2000]

Fills a fresh SQLite database (or DATABASE_URL's) and warehouse: agencies in 20 peer groups,
`--bookings` bookings in 2015Q3 imported through the same function as `transferwatch import
bookings`, `--requests` transfer requests in 2015Q3 (and a quarter as many in 2015Q2, for the
change figures) with classifications and review steps, a finished monitoring run with about 2%
of agencies at significant concern and 3% to watch, and casework (allegations, inquiries, PD
requests, notices, remedial measures). Then times `transferwatch.reports.packet.build` for
2015Q3, split into gathering the figures, rendering the HTML and laying out the PDF.
Goal: under 60 seconds in all. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import _django

parser = argparse.ArgumentParser()
parser.add_argument("--bookings", type=int, default=1_000_000)
parser.add_argument("--requests", type=int, default=20_000)
parser.add_argument("--agencies", type=int, default=2_000)
args = parser.parse_args()

_django.start()
import duckdb  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from transferwatch.accounts.models import Area, User  # noqa: E402
from transferwatch.agencies.models import Agency  # noqa: E402
from transferwatch.cases.models import Allegation, Inquiry  # noqa: E402
from transferwatch.discretion.models import PDRequest  # noqa: E402
from transferwatch.escalations.models import Escalation, RemedialMeasure  # noqa: E402
from transferwatch.imports.warehouse import import_bookings  # noqa: E402
from transferwatch.monitoring.models import (  # noqa: E402
    AgencyResult,
    IndicatorResult,
    MonitoringRun,
)
from transferwatch.reports import packet  # noqa: E402
from transferwatch.transfers.models import (  # noqa: E402
    Classification,
    Person,
    ReviewStep,
    TransferRequest,
)

rng = random.Random(7)
Q3 = packet.Quarter.parse("2015Q3")
INDICATORS = [
    "minor_offense_shift",
    "non_priority_transfers",
    "dismissal_disparity",
    "population_benchmark",
    "lep_minor_offense",
]


def aware(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def day_in(q: packet.Quarter) -> date:
    return q.start + timedelta(days=rng.randrange((q.end - q.start).days))


t0 = time.perf_counter()
areas = list(Area.objects.all())
agencies = Agency.objects.bulk_create(
    Agency(
        ori=f"XX{i:07d}",
        name=f"Agency {i}",
        state="PA",
        aor=areas[i % len(areas)],
        peer_group=f"G{i % 20}",
    )
    for i in range(args.agencies)
)

# Bookings: made by DuckDB, imported like a real release.
folder = Path(tempfile.mkdtemp(prefix="tw-bench-packet-"))
csv = folder / "bookings.csv"
duckdb.sql(
    f"""COPY (SELECT 'b' || i AS booking_id,
        'XX' || lpad(CAST(i % {args.agencies} AS VARCHAR), 7, '0') AS ori,
        DATE '2015-07-01' + CAST(i % 92 AS INTEGER) AS booking_date,
        'p' || (i % 700000) AS person_id, ['M','F','U'][1 + i % 3] AS sex, 18 + i % 60 AS age,
        ['W','B','A','O','U'][1 + i % 5] AS race, ['H','N','U'][1 + i % 3] AS ethnicity,
        ['Y','N','U'][1 + i % 3] AS lep, ['MX','US','GT','SV'][1 + i % 4] AS birth_country,
        '5404' AS offense_code,
        ['minor_traffic','traffic','dui','property','violent','other'][1 + i % 6] AS offense_category,
        ['felony','misdemeanor','infraction'][1 + i % 3] AS offense_severity,
        ['convicted','dismissed','pending','unknown'][1 + i % 4] AS disposition,
        CASE WHEN i % 20 = 0 THEN 'Y' ELSE 'N' END AS ice_match,
        CASE WHEN i % 50 = 0 THEN 'detainer' ELSE 'none' END AS transfer_request,
        CASE WHEN i % 50 = 0 THEN DATE '2015-07-01' + CAST(i % 92 AS INTEGER) END AS request_date,
        CASE WHEN i % 50 = 0 THEN ['Y','N'][1 + i % 2] END AS pep_eligible,
        CASE WHEN i % 50 = 0 THEN 'transferred' END AS request_outcome
      FROM range({args.bookings}) t(i)) TO '{csv}' (HEADER)"""
)
imported = import_bookings(csv)
assert imported.status == "done", imported.message
print(f"bookings: {imported.rows_accepted:,} imported in {time.perf_counter() - t0:.1f} s")

# Transfer requests with classifications and review steps.
t1 = time.perf_counter()
people = Person.objects.bulk_create(Person() for _ in range(args.requests // 2))
kinds = ["notification", "detainer", "transfer"]
requests = []
for i in range(args.requests + args.requests // 4):
    agency = agencies[rng.randrange(len(agencies))]
    requests.append(
        TransferRequest(
            person=people[i % len(people)],
            request_type=kinds[rng.randrange(3)],
            request_date=day_in(Q3 if i < args.requests else Q3.previous),
            aor=agency.aor,
            agency=agency,
            outcome=rng.choice(["pending", "transferred", "released", "lifted"]),
        )
    )
requests = TransferRequest.objects.bulk_create(requests, batch_size=5_000)
classifications, steps, changed = [], [], []
for transfer in requests:
    if rng.random() < 0.1:
        continue  # not classified yet
    bad = rng.random() < 0.3
    classifications.append(
        Classification(
            transfer_request=transfer, policy="pep-2014", tier=None if bad else rng.randint(1, 2)
        )
    )
    if bad:
        transfer.inconsistencies = ["no conviction that justifies a PEP transfer"]
        transfer.review_due = transfer.request_date + timedelta(days=14)
        decided = rng.random() < 0.7
        transfer.review_status = "decided" if decided else "in_review"
        transfer.decision = rng.choice(["concur", "exception", "discretion"]) if decided else ""
        changed.append(transfer)
        steps.append(ReviewStep(transfer_request=transfer, action="queued", from_status="classified", to_status="in_review", actor_name="bench"))  # fmt: skip
        if decided:
            steps.append(ReviewStep(transfer_request=transfer, action=transfer.decision, from_status="in_review", to_status="decided", actor_name="bench"))  # fmt: skip
Classification.objects.bulk_create(classifications, batch_size=5_000)
TransferRequest.objects.bulk_update(
    changed, ["inconsistencies", "review_due", "review_status", "decision"], batch_size=2_000
)
steps = ReviewStep.objects.bulk_create(steps, batch_size=5_000)
for step in steps:  # review steps dated from the request: queued at once, decided 1-30 days on
    start = aware(step.transfer_request.request_date)
    step.at = start if step.action == "queued" else start + timedelta(days=rng.randint(1, 30))
ReviewStep.objects.bulk_update(steps, ["at"], batch_size=5_000)
print(f"requests: {len(requests):,} with {len(classifications):,} classifications and {len(steps):,} review steps in {time.perf_counter() - t1:.1f} s")  # fmt: skip

# A finished monitoring run (and one before it, for trends and "new").
t2 = time.perf_counter()
for period_to, finished in ((date(2015, 6, 30), date(2015, 7, 10)), (date(2015, 9, 30), date(2015, 10, 10))):  # fmt: skip
    run = MonitoringRun.objects.create(
        status="done", progress=100, period_from=date(2014, 1, 1), period_to=period_to,
        finished_at=aware(finished), method_version="bench",
    )  # fmt: skip
    results = AgencyResult.objects.bulk_create(
        AgencyResult(
            run=run,
            agency=a,
            concern=(c := "significant" if i % 50 == 3 else "watch" if i % 33 == 5 else "none"),
            flagged=c == "significant",
            n_bookings=500,
        )
        for i, a in enumerate(agencies)
    )
    IndicatorResult.objects.bulk_create(
        (
            IndicatorResult(
                agency_result=r,
                name=name,
                estimate=(e := rng.uniform(0.1, 0.3) + (0.3 if flagged else 0)),
                ci_low=e - 0.05,
                ci_high=e + 0.05,
                p_value=0.001 if flagged else 0.3,
                q_value=0.01 if flagged else 0.5,
                n=rng.randint(50, 2000),
                flagged=flagged,
                explanation=f"{name}: estimate {e:.2f} against peers",
            )
            for r in results
            for k, name in enumerate(INDICATORS)
            for flagged in [r.concern == "significant" and k == 1]
        ),
        batch_size=5_000,
    )
print(f"monitoring: 2 runs of {len(agencies):,} agencies in {time.perf_counter() - t2:.1f} s")

# Casework.
staff = User.objects.create_user("bench")
for i in range(400):
    day = day_in(Q3 if i < 300 else Q3.previous)
    allegation = Allegation.objects.create(
        agency=agencies[rng.randrange(len(agencies))], source="public", channel="web",
        types=[rng.choice(["profiling_race", "profiling_ethnicity", "profiling_lep", "systems_misuse"])],
        received_at=aware(day),
    )  # fmt: skip
    if i % 8 == 0:
        inquiry = Inquiry.objects.create(allegation=allegation, opened_at=aware(day))
        submitted = aware(day + timedelta(days=5))
        final = i % 16 == 0
        PDRequest.objects.create(
            inquiry=inquiry, person=people[i], aor=allegation.agency.aor, bases=["profiling"],
            agency_conduct="x", created_by=staff, submitted_at=submitted,
            status="final" if final else "field_review", final_decision="granted" if final else "",
            final_at=submitted + timedelta(days=rng.randint(5, 60)) if final else None,
        )  # fmt: skip
    if i % 20 == 0:
        Escalation.objects.create(
            kind=rng.choice(["doj", "leadership"]), status="sent", agency=allegation.agency,
            recipient="Office", subject="s", concerns="c", reasons="r", created_by=staff,
            sent_at=aware(day + timedelta(days=3)),
        )  # fmt: skip
        RemedialMeasure.objects.create(
            agency=allegation.agency, kind="training", status="in_progress", description="d",
            owner="o", due_date=day + timedelta(days=60), created_by=staff, created_at=aware(day),
        )  # fmt: skip
print(f"database: {connection.vendor}; data ready in {time.perf_counter() - t0:.1f} s")

# The packet.
timings: dict[str, float] = {}
t = time.perf_counter()
figures = packet.gather(Q3)
timings["gather the figures"] = time.perf_counter() - t
t = time.perf_counter()
html = packet.render_html(figures)
timings["render the HTML"] = time.perf_counter() - t
t = time.perf_counter()
pdf, pages = packet.to_pdf(html)
timings["lay out the PDF"] = time.perf_counter() - t
total = sum(timings.values())
values = figures["values"]
print(
    f"packet {Q3.label}: {values['bookings']:,} bookings, {values['requests']:,} requests, "
    f"{values['significant']} agencies at significant concern ({figures['monitoring']['charted']} "
    f"charted), {values['allegations']} allegations"
)
for step, seconds in timings.items():
    print(f"  {step:<20} {seconds:6.1f} s")
print(f"total {total:.1f} s (goal: under 60 s); PDF {pages} pages, {len(pdf) / 1e6:.1f} MB")
