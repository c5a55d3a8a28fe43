"""Import speed and memory: a bookings CSV of 4 million rows into an empty warehouse.

    .venv/bin/python benchmarks/import_bookings.py [--rows 4000000]

Makes the CSV with DuckDB (random but valid rows over 2015-2016 for 500 agencies), imports it
through the same function `transferwatch import bookings` uses, then imports a 10,000-row
correction into the full warehouse. Prints rows/s and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import _django

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=4_000_000)
args = parser.parse_args()

_django.start()
import duckdb  # noqa: E402

from transferwatch.agencies.models import Agency  # noqa: E402
from transferwatch.imports.warehouse import import_bookings  # noqa: E402

folder = Path(tempfile.mkdtemp(prefix="tw-bench-import-"))
Agency.objects.bulk_create(
    Agency(ori=f"XX{i:07d}", name=f"Agency {i}", state="PA") for i in range(500)
)


def make(path: Path, rows: int, offset: int = 0) -> None:
    duckdb.sql(
        f"""COPY (SELECT 'b' || (i + {offset}) AS booking_id,
            'XX' || lpad(CAST(i % 500 AS VARCHAR), 7, '0') AS ori,
            DATE '2015-01-01' + CAST(i % 730 AS INTEGER) AS booking_date,
            'p' || (i % 900000) AS person_id,
            ['M','F','U'][1 + i % 3] AS sex, 18 + i % 60 AS age,
            ['W','B','A','O','U'][1 + i % 5] AS race, ['H','N','U'][1 + i % 3] AS ethnicity,
            ['Y','N','U'][1 + i % 3] AS lep, ['MX','US','GT','SV'][1 + i % 4] AS birth_country,
            '5404' AS offense_code,
            ['minor_traffic','traffic','dui','property','violent','other'][1 + i % 6] AS offense_category,
            ['felony','misdemeanor','infraction'][1 + i % 3] AS offense_severity,
            ['convicted','dismissed','pending','unknown'][1 + i % 4] AS disposition,
            CASE WHEN i % 10 = 0 THEN 'Y' ELSE 'N' END AS ice_match,
            CASE WHEN i % 10 = 0 THEN 'detainer' ELSE 'none' END AS transfer_request,
            CASE WHEN i % 10 = 0 THEN DATE '2015-01-02' + CAST(i % 730 AS INTEGER) END AS request_date,
            CASE WHEN i % 10 = 0 THEN ['Y','N'][1 + i % 2] END AS pep_eligible,
            CASE WHEN i % 10 = 0 THEN 'transferred' END AS request_outcome
          FROM range({rows}) t(i)) TO '{path}' (HEADER)"""
    )


big = folder / "bookings.csv"
t0 = time.perf_counter()
make(big, args.rows)
print(
    f"made {args.rows:,} rows ({big.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t0:.1f} s"
)

t0 = time.perf_counter()
imp = import_bookings(big)
seconds = time.perf_counter() - t0
print(
    f"import: {imp.status}, {imp.rows_accepted:,} rows in {seconds:.1f} s = {imp.rows_accepted / seconds:,.0f} rows/s"
)

fix = folder / "fix.csv"
make(fix, 10_000, offset=args.rows - 5_000)
t0 = time.perf_counter()
imp = import_bookings(fix)
print(
    f"correction of 10,000 rows into the full warehouse: {time.perf_counter() - t0:.1f} s ({imp.message})"
)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"peak resident memory of the process: {peak:,.0f} MB")
