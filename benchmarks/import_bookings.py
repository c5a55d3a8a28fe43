"""Import speed and memory against a bare DuckDB CSV -> Parquet copy of the same file (issue 15).

    .venv/bin/python benchmarks/import_bookings.py [--rows 4000000] [--rounds 2] [--keep-csv]
        [--csv FILE] [--command-only]

Makes a bookings CSV with DuckDB (random but valid rows over 2015-2016 for 500 agencies; or
takes an earlier --keep-csv file with --csv), then, on that same file:

- start-up: the command on a one-row file (Python, Django, DuckDB, an import record), and the
  file's SHA-256 alone: what no import avoids and the bare copy does not do;
- in each of --rounds rounds, one after the other: the reference, `COPY (SELECT * FROM
  read_csv(FILE)) TO 'x.parquet'` in a fresh in-process DuckDB with its default settings, and the
  same copy in a fresh Python process; then `transferwatch import bookings FILE` end to end as a
  subprocess into an empty warehouse, with its peak resident memory (GNU time) and its CPU
  seconds. The ratio is printed per round (wall clock, and CPU seconds, which the load of a
  shared machine hardly changes), then the best and the worst;
- in this process, into other empty warehouses: the one read that checks and writes a clean
  file (`onepass.commit_clean_file`, what the command does), and the full path a file with a
  problem takes, phase by phase (stage, check, commit);
- a 10,000-row correction into the full warehouse (rows replaced by booking_id).

Figures (2 cores shared with other work, load in the output) are in docs/data.md.
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
    "--csv", type=Path, help="an earlier --keep-csv file of --rows rows, not made again"
)
parser.add_argument("--rounds", type=int, default=2, help="reference and command, N times")
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
from transferwatch.imports.models import Import  # noqa: E402
from transferwatch.imports.warehouse import import_bookings  # noqa: E402
from transferwatch.lib import filehash  # noqa: E402

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


def run(argv: list[str]) -> tuple[tuple[str, float, float], int]:
    """((output, peak resident MB, CPU seconds), exit code) of a child process.

    The peak is GNU time's %M for the command alone: a child's own ru_maxrss on Linux also
    counts the memory of this process when it forked (which holds DuckDB's buffers by then).
    The CPU seconds (user + system, %U + %S) hardly change with the load of the machine.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.NamedTemporaryFile("r") as peak:
        proc = subprocess.run(
            ["/usr/bin/time", "-o", peak.name, "-f", "%M %U %S", *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
            check=False,
        )
        out.seek(0)
        text = "\n".join(
            line for line in out.read().replace("\r", "\n").splitlines() if "remaining" not in line
        )
        kilobytes, user, system = peak.read().split()[-3:]
    return (text.strip(), int(kilobytes) / 1024, float(user) + float(system)), proc.returncode


def du(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*.parquet")) / 1e6


big = folder / "bookings.csv"
if args.csv:
    big = args.csv
    print(f"using {big} ({big.stat().st_size / 1e6:,.0f} MB)")
else:
    t0 = time.perf_counter()
    make(big, args.rows)
    print(
        f"made {args.rows:,} rows ({big.stat().st_size / 1e6:,.0f} MB) in "
        f"{time.perf_counter() - t0:.1f} s"
    )

command = Path(sys.executable).parent / "transferwatch"
warehouse = Path(os.environ["TRANSFERWATCH_DATA_DIR"]) / "warehouse"
# What no import of this file avoids and the bare copy does not do: start-up (Python, Django,
# DuckDB; the command on a one-row file into an empty warehouse, which also records an
# import) and the file's SHA-256.
tiny = folder / "tiny.csv"
with big.open() as lines:
    tiny.write_text(lines.readline() + lines.readline())
t0 = time.perf_counter()
(_, _, tiny_cpu), _ = run([str(command), "import", "bookings", str(tiny)])
start_up = time.perf_counter() - t0
t0 = time.perf_counter()
filehash.compute(big)
hashing = time.perf_counter() - t0
print(
    f"start-up (the command on a one-row file): {start_up:.2f} s, {tiny_cpu:.2f} CPU s; "
    f"SHA-256 of the file: {hashing:.2f} s (begun on a thread as the command starts)"
)

# In each round, on the same file: the reference, a bare copy in process with DuckDB's default
# settings (snappy, all threads); the same in a fresh Python process; the command, as a user runs
# it, into an empty warehouse. The machine is shared: compare the ratios within a round.
copy_sql = f"COPY (SELECT * FROM read_csv('{big}')) TO '{folder / 'bare.parquet'}'"
ratios: list[float] = []
cpu_ratios: list[float] = []
quarter_ratios: list[float] = []
for n in range(1, args.rounds + 1):
    before = resource.getrusage(resource.RUSAGE_SELF)
    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(copy_sql)
    bare = time.perf_counter() - t0
    con.close()
    after = resource.getrusage(resource.RUSAGE_SELF)
    bare_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    bare_mb = (folder / "bare.parquet").stat().st_size / 1e6
    (folder / "bare.parquet").unlink()
    # The same bare copy into the store's layout: one folder of files per quarter.
    before = resource.getrusage(resource.RUSAGE_SELF)
    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(
        f"COPY (SELECT *, {wh.QUARTER_SQL} AS quarter FROM read_csv('{big}')) "
        f"TO '{folder / 'bare-quarters'}' (FORMAT parquet, PARTITION_BY (quarter))"
    )
    bare_quarters = time.perf_counter() - t0
    con.close()
    after = resource.getrusage(resource.RUSAGE_SELF)
    quarters_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    shutil.rmtree(folder / "bare-quarters")
    t0 = time.perf_counter()
    (_, bare_process_mb, bare_process_cpu), _ = run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect().execute({copy_sql!r})"]
    )
    bare_process = time.perf_counter() - t0
    (folder / "bare.parquet").unlink()
    shutil.rmtree(warehouse, ignore_errors=True)
    Import.objects.filter(kind="bookings").delete()  # else "already imported" from round 2
    t0 = time.perf_counter()
    (output, peak_child, child_cpu), code = run([str(command), "import", "bookings", str(big)])
    end_to_end = time.perf_counter() - t0
    print(f"round {n} (load {os.getloadavg()[0]:.2f}):")
    print(
        f"  reference, bare DuckDB copy to Parquet: {bare:.2f} s in process, {bare_cpu:.2f} CPU s "
        f"({bare_mb:,.0f} MB); in a fresh Python process {bare_process:.2f} s, "
        f"{bare_process_cpu:.2f} CPU s, peak resident memory {bare_process_mb:,.0f} MB"
    )
    print(
        f"  the same bare copy into quarter folders (PARTITION_BY, as the store keeps them): "
        f"{bare_quarters:.2f} s, {quarters_cpu:.2f} CPU s"
    )
    print(f"  transferwatch import bookings (exit {code}): {output}")
    print(
        f"  {end_to_end:.2f} s end to end = {args.rows / end_to_end:,.0f} rows/s, "
        f"{child_cpu:.2f} CPU s ({du(warehouse / 'bookings'):,.0f} MB of Parquet); "
        f"peak resident memory {peak_child:,.0f} MB"
    )
    ratios.append(end_to_end / bare)
    cpu_ratios.append(child_cpu / bare_cpu)
    quarter_ratios.append(child_cpu / quarters_cpu)
    print(
        f"  ratio to the bare copy: {end_to_end / bare:.2f}x (to the bare copy in a fresh "
        f"process: {end_to_end / bare_process:.2f}x; in CPU seconds: {child_cpu / bare_cpu:.2f}x; "
        f"to the bare copy into quarter folders: {end_to_end / bare_quarters:.2f}x, in CPU "
        f"seconds {child_cpu / quarters_cpu:.2f}x)"
    )
print(
    f"ratio to the bare copy over {args.rounds} round(s): best {min(ratios):.2f}x, "
    f"worst {max(ratios):.2f}x; in CPU seconds best {min(cpu_ratios):.2f}x, worst "
    f"{max(cpu_ratios):.2f}x (to the bare copy into quarter folders: {min(quarter_ratios):.2f}x"
    f"-{max(quarter_ratios):.2f}x)"
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
