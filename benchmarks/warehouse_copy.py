"""Time of `store_copy.copy_bookings` (what `transferwatch warehouse copy` runs), both ways.

    .venv/bin/python benchmarks/warehouse_copy.py [--bookings 1000000] [--agencies 200]
        [--server postgresql://postgres@127.0.0.1:5432/postgres] [--data DIR] [--rounds 2]

Writes synthetic bookings with `synth.generate` (in a child process; or reuses `--data`),
imports them into a Parquet store in a temporary folder, then, `--rounds` times: copies the
Parquet store into a PostgreSQL store (a database of its own with a unique name on `--server`,
dropped at the end; replaced from the second round) and the PostgreSQL store into a new Parquet
folder. Prints each copy's time and rows, and whether `monitor.run` gives the same JSON on the
three stores after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from transferwatch.analytics import store_copy
from transferwatch.analytics import warehouse as wh
from transferwatch.analytics.aggregate import read_agencies
from transferwatch.analytics.monitor import run
from transferwatch.analytics.pg_warehouse import PostgresStore

sys.path.insert(0, str(Path(__file__).parent))
from warehouse_backends import GENERATE, _import


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--agencies", type=int, default=200)
    parser.add_argument("--data", type=Path, help="reuse (or create) synthetic data here")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--server",
        default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server (URL) on which to make, and then drop, a scratch database",
    )
    args = parser.parse_args()
    folder = args.data or Path(tempfile.mkdtemp(prefix="tw-bench-copy-"))
    bookings = folder / "bookings.csv"
    if not bookings.exists():
        subprocess.run(
            [sys.executable, "-c", GENERATE, str(folder), str(args.agencies), str(args.bookings)],
            check=True,
        )
    agencies = read_agencies(folder / "agencies.csv")
    parts = urlsplit(args.server)
    admin = parts._replace(path="/postgres").geturl()
    name = f"tw_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    scratch = Path(tempfile.mkdtemp(prefix="tw-bench-copy-stores-"))
    try:
        parquet = wh.BookingStore(scratch / "parquet")
        seconds, rows = _import(parquet, bookings, [a.ori for a in agencies], scratch / "work")
        print(f"parquet: import of {rows:,} bookings {seconds:.1f} s")
        postgres = PostgresStore(parts._replace(path=f"/{name}").geturl())
        back = wh.BookingStore(scratch / "back")
        for n in range(1, args.rounds + 1):
            there = store_copy.copy_bookings(parquet, postgres, scratch / f"w{n}a", replace=n > 1)
            print(
                f"round {n}: parquet -> postgresql {there.target.rows:,} bookings "
                f"{there.seconds:.1f} s (checksum {there.target.shown})"
            )
            again = store_copy.copy_bookings(postgres, back, scratch / f"w{n}b", replace=n > 1)
            print(
                f"round {n}: postgresql -> parquet {again.target.rows:,} bookings "
                f"{again.seconds:.1f} s (checksum {again.target.shown})"
            )
        period = (date(2014, 1, 1), date(2016, 12, 31))
        documents = [
            json.dumps(run(s, agencies, *period), sort_keys=True) for s in (parquet, postgres, back)
        ]
        print(f"monitor JSON identical on the three stores: {len(set(documents)) == 1}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
