"""Synthetic data speed: agencies and bookings written as CSV and Parquet.

    .venv/bin/python benchmarks/synth.py [--bookings 4000000] [--agencies 200] [--format csv parquet]

Writes into a temporary folder (removed afterwards) with two plants of each kind. Prints seconds,
rows per second and file sizes per format, then the process's peak memory; asserts nothing about time.
The generator is pure Python and numpy: Django is not started.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from transferwatch.analytics import synth

parser = argparse.ArgumentParser()
parser.add_argument("--bookings", type=int, default=4_000_000)
parser.add_argument("--agencies", type=int, default=200)
parser.add_argument("--format", nargs="+", default=["csv", "parquet"], choices=synth.FORMATS)
args = parser.parse_args()

print(f"bookings (approx.): {args.bookings:,}; agencies: {args.agencies:,}")
for fmt in args.format:
    with tempfile.TemporaryDirectory(prefix="tw-synth-") as folder:
        t0 = time.perf_counter()
        summary = synth.generate(
            Path(folder),
            agencies=args.agencies,
            start=date(2014, 1, 1),
            end=date(2016, 12, 31),
            seed=1,
            plants={kind: 2 for kind in synth.PLANT_KINDS},
            fmt=fmt,
            bookings=args.bookings,
        )
        seconds = time.perf_counter() - t0
        size = summary.bookings_path.stat().st_size / 1e6
    print(
        f"{fmt:<8} {summary.bookings:>10,} bookings in {seconds:5.1f} s"
        f" = {summary.bookings / seconds:>9,.0f} rows/s; bookings file {size:,.0f} MB"
    )
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
print(f"peak RSS: {peak:,.0f} MB")
