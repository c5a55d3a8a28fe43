"""Speed and memory of a full monitoring run against one plain DuckDB GROUP BY.

    .venv/bin/python benchmarks/monitor.py [--bookings 4000000] [--agencies 2000] [--format csv]

Writes synthetic data with `synth.generate` (in a child process, so its memory does not count),
then times, on the same file, twice in turn: (1) ``SELECT ori, count(*) FROM read_csv(...) GROUP
BY ori`` in DuckDB and (2) `transferwatch.analytics.monitor.run`. The first run is the first in
the process (it pays Ibis's and sqlglot's one-time lazy imports, 0.4-0.6 s, as a command-line run
does); the second is what a long-lived worker sees. Prints the times, their ratios (goal: at
most 2) and the peak resident memory of this process.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from transferwatch.analytics.aggregate import source_sql
from transferwatch.analytics.monitor import run

GENERATE = """
import sys
from datetime import date
from pathlib import Path
from transferwatch.analytics.synth import generate
generate(Path(sys.argv[1]), agencies=int(sys.argv[2]), start=date(2014, 1, 1),
         end=date(2016, 12, 31), seed=42, plants={"pretext": 20, "lowprio": 20,
         "dismissal": 20, "lep": 20}, fmt=sys.argv[3], bookings=int(sys.argv[4]))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=4_000_000)
    parser.add_argument("--agencies", type=int, default=2000)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--data", type=Path, help="reuse (or create) synthetic data here")
    args = parser.parse_args()
    folder = args.data or Path(tempfile.mkdtemp(prefix="tw-bench-monitor-"))
    bookings = folder / f"bookings.{args.format}"
    if not bookings.exists():
        began = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                GENERATE,
                str(folder),
                str(args.agencies),
                args.format,
                str(args.bookings),
            ],
            check=True,
        )
        print(f"generated {bookings} in {time.perf_counter() - began:.1f} s")
    source = source_sql([bookings])
    agencies = folder / f"agencies.{args.format}"
    for label in ("first run in the process", "second run (warm process)"):
        con = duckdb.connect()
        began = time.perf_counter()
        rows = con.execute(f"SELECT ori, count(*) FROM {source} GROUP BY ori").fetchall()
        plain = time.perf_counter() - began
        total = sum(r[1] for r in rows)
        con.close()
        began = time.perf_counter()
        doc = run(bookings, agencies)
        full = time.perf_counter() - began
        flagged = sum(a["flagged"] for a in doc["agencies"])
        print(f"{label}: plain DuckDB GROUP BY ori {plain:.2f} s, full monitoring run {full:.2f} s, ratio {full / plain:.2f} (goal: at most 2)")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bookings: {total:,} in {len(rows)} agencies ({args.format}, {bookings.stat().st_size / 1e6:.0f} MB); {flagged} agencies flagged")  # fmt: skip
    print(f"peak memory (this process): {peak:.0f} MB")


if __name__ == "__main__":
    main()
