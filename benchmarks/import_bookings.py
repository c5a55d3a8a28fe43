"""Import speed and memory against a bare DuckDB CSV -> Parquet copy of the same file (issue 15).

    .venv/bin/python benchmarks/import_bookings.py [--rows 4000000] [--keep-csv]

Makes a bookings CSV with DuckDB (random but valid rows over 2015-2016 for 500 agencies), then, in
one run on that same file:

- the reference: `COPY (SELECT * FROM read_csv(FILE)) TO 'x.parquet'` in a fresh in-process
  DuckDB with its default settings (and, for start-up, the same copy in a fresh Python process);
- `transferwatch import bookings FILE` end to end, as a subprocess (Python, Django and DuckDB
  start-up included) into an empty warehouse, with its peak resident memory (RUSAGE_CHILDREN);
- in this process, into other empty warehouses: the one read that checks and writes a clean
  file (`onepass.commit_clean_file`, what the command does), and the full path a file with a
  problem takes, phase by phase (stage, check, commit);
- a 10,000-row correction into the full warehouse (rows replaced by booking_id).

Prints the ratio of the end-to-end import to the reference copy.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _django

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=4_000_000)
parser.add_argument("--keep-csv", action="store_true", help="leave the made CSV in place")
parser.add_argument(
    "--command-only",
    action="store_true",
    help="only the reference and the command (for the memory figure on a large file)",
)
args = parser.parse_args()

_django.start()
import duckdb  # noqa: E402

from transferwatch.agencies.models import Agency  # noqa: E402
from transferwatch.analytics import contract, onepass  # noqa: E402
from transferwatch.analytics import warehouse as wh  # noqa: E402
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


def run(argv: list[str]) -> tuple[tuple[str, float], int]:
    """((output, peak resident MB), exit code) of a child process.

    The peak is GNU time's %M for the command alone: a child's own ru_maxrss on Linux also
    counts the memory of this process when it forked (which holds DuckDB's buffers by then).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.NamedTemporaryFile("r") as peak:
        proc = subprocess.run(
            ["/usr/bin/time", "-o", peak.name, "-f", "%M", *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
            check=False,
        )
        out.seek(0)
        text = "\n".join(
            line for line in out.read().replace("\r", "\n").splitlines() if "remaining" not in line
        )
        kilobytes = int(peak.read().split()[-1])
    return (text.strip(), kilobytes / 1024), proc.returncode


def du(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*.parquet")) / 1e6


big = folder / "bookings.csv"
t0 = time.perf_counter()
make(big, args.rows)
print(
    f"made {args.rows:,} rows ({big.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t0:.1f} s"
)

# The reference: a bare copy, in process, default settings (snappy, all threads).
copy_sql = f"COPY (SELECT * FROM read_csv('{big}')) TO '{folder / 'bare.parquet'}'"
con = duckdb.connect()
t0 = time.perf_counter()
con.execute(copy_sql)
bare = time.perf_counter() - t0
con.close()
bare_mb = (folder / "bare.parquet").stat().st_size / 1e6
(folder / "bare.parquet").unlink()
t0 = time.perf_counter()
bare_process_mb = run(
    [sys.executable, "-c", f"import duckdb; duckdb.connect().execute({copy_sql!r})"]
)[0][1]
bare_process = time.perf_counter() - t0
(folder / "bare.parquet").unlink()
print(f"reference, bare DuckDB copy to Parquet: {bare:.2f} s in process ({bare_mb:,.0f} MB)")
print(
    f"reference, the same in a fresh Python process: {bare_process:.2f} s "
    f"(peak resident memory {bare_process_mb:,.0f} MB)"
)

# End to end: the command, as a user runs it.
command = Path(sys.executable).parent / "transferwatch"
t0 = time.perf_counter()
(output, peak_child), code = run([str(command), "import", "bookings", str(big)])
end_to_end = time.perf_counter() - t0
print(f"transferwatch import bookings (exit {code}): {output}")
warehouse = Path(os.environ["TRANSFERWATCH_DATA_DIR"]) / "warehouse"
print(
    f"  {end_to_end:.2f} s end to end = {args.rows / end_to_end:,.0f} rows/s "
    f"({du(warehouse / 'bookings'):,.0f} MB of Parquet); peak resident memory {peak_child:,.0f} MB"
)
print(
    f"  ratio to the bare copy: {end_to_end / bare:.2f}x "
    f"(to the bare copy in a fresh process: {end_to_end / bare_process:.2f}x)"
)

if args.command_only:
    shutil.rmtree(folder)
    shutil.rmtree(warehouse, ignore_errors=True)
    sys.exit(0)

# The one read, in process, into another empty warehouse.
once = folder / "once"
store = wh.BookingStore(once)
oris = list(Agency.objects.values_list("ori", flat=True))
t0 = time.perf_counter()
with store.lock():
    result = onepass.commit_clean_file(store, big, "bench-once", once / ".staging", oris)
t1 = time.perf_counter()
shutil.rmtree(once)
print(
    f"in process, one read (check and write): {t1 - t0:.2f} s = {(t1 - t0) / bare:.2f}x the bare "
    f"copy ({result.rows_added if result else 0:,} rows)"
)

# The full path (a file with a problem), phase by phase, in process, into another empty warehouse.
phases = folder / "phases"
store = wh.BookingStore(phases)
con = wh.connect(phases / ".staging")
wh.load_known_agencies(con, list(Agency.objects.values_list("ori", flat=True)))
t0 = time.perf_counter()
with store.lock():
    present = wh.stage(con, big, contract.BOOKING_COLUMNS)
    t1 = time.perf_counter()
    row_rules, table_rules = wh.booking_rules(present)
    checked = wh.check(con, contract.BOOKING_COLUMNS, present, row_rules, table_rules)
    t2 = time.perf_counter()
    result = store.commit(con, wh.valid_rows_sql(checked, contract.BOOKING_COLUMNS), "bench-phases")
    t3 = time.perf_counter()
con.close()
shutil.rmtree(phases)
print(
    f"in process, the full path: stage {t1 - t0:.2f} s, check {t2 - t1:.2f} s, commit {t3 - t2:.2f} s, "
    f"total {t3 - t0:.2f} s = {(t3 - t0) / bare:.2f}x the bare copy "
    f"({result.rows_added:,} rows, {checked.problems} problems)"
)

fix = folder / "fix.csv"
make(fix, 10_000, offset=args.rows - 5_000)
t0 = time.perf_counter()
imp = import_bookings(fix)
print(
    f"correction of 10,000 rows into the full warehouse: {time.perf_counter() - t0:.1f} s ({imp.message})"
)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"peak resident memory of this process (in-process phases): {peak:,.0f} MB")
if args.keep_csv:
    print(f"the CSV is kept at {big}")
else:
    shutil.rmtree(folder)
    shutil.rmtree(warehouse, ignore_errors=True)
