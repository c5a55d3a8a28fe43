"""Import and monitoring time with the bookings in the Parquet store and in a PostgreSQL store.

    .venv/bin/python benchmarks/warehouse_backends.py [--bookings 1000000] [--agencies 200]
        [--server postgresql://postgres@127.0.0.1:5432/postgres] [--data DIR]
        [--spark spark://127.0.0.1:7077]

Writes synthetic bookings with `synth.generate` (in a child process), then for each store
(`warehouse.BookingStore` in a temporary folder; `pg_warehouse.PostgresStore` in a database of
its own with a unique name, made on `--server` (default: DATABASE_URL's server) and dropped at
the end): stages and checks the file in DuckDB as `transferwatch import bookings` does, commits
it, and times `monitor.run` on the store twice (first run in the process, then warm). With
`--spark`, also `spark_warehouse.SparkStore` on that master over the Parquet store's files (the
first run includes starting the Spark session). Prints the times and whether the monitoring
documents are identical.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from transferwatch.analytics import contract
from transferwatch.analytics import warehouse as wh
from transferwatch.analytics.aggregate import read_agencies
from transferwatch.analytics.monitor import run
from transferwatch.analytics.pg_warehouse import PostgresStore
from transferwatch.analytics.stores import Warehouse

GENERATE = """
import sys
from datetime import date
from pathlib import Path
from transferwatch.analytics.synth import generate
generate(Path(sys.argv[1]), agencies=int(sys.argv[2]), start=date(2014, 1, 1),
         end=date(2016, 12, 31), seed=42, plants={"pretext": 10, "lowprio": 10,
         "dismissal": 10, "lep": 10}, fmt="csv", bookings=int(sys.argv[3]))
"""


def _import(store: Warehouse, path: Path, oris: list[str], work: Path) -> tuple[float, int]:
    began = time.perf_counter()
    con = wh.connect(work)
    try:
        wh.load_known_agencies(con, oris)
        present = wh.stage(con, path, contract.BOOKING_COLUMNS)
        checked = wh.check(con, contract.BOOKING_COLUMNS, present, *wh.booking_rules(present))
        if checked.problems:
            raise SystemExit(f"{path}: {checked.problems} problems in the synthetic file")
        with store.lock():
            done = store.commit(con, wh.valid_rows_sql(checked, contract.BOOKING_COLUMNS), "bench")
    finally:
        con.close()
    return time.perf_counter() - began, done.total_rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--agencies", type=int, default=200)
    parser.add_argument("--data", type=Path, help="reuse (or create) synthetic data here")
    parser.add_argument(
        "--server",
        default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server (URL) on which to make, and then drop, a scratch database",
    )
    parser.add_argument(
        "--spark", help="a Spark master (spark://HOST:PORT) sharing this machine's files"
    )
    args = parser.parse_args()
    folder = args.data or Path(tempfile.mkdtemp(prefix="tw-bench-stores-"))
    bookings = folder / "bookings.csv"
    if not bookings.exists():
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", GENERATE, str(folder), str(args.agencies), str(args.bookings)],
            check=True,
        )
        print(f"generated {bookings} in {time.perf_counter() - began:.1f} s")
    agencies = read_agencies(folder / "agencies.csv")
    oris = [a.ori for a in agencies]
    parts = urlsplit(args.server)
    admin = parts._replace(path="/postgres").geturl()
    name = f"tw_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    documents = {}
    try:
        shared = Path(tempfile.mkdtemp(prefix="tw-bench-parquet-"))
        stores: dict[str, Warehouse] = {
            "parquet": wh.BookingStore(shared),
            "postgresql": PostgresStore(parts._replace(path=f"/{name}").geturl()),
        }
        if args.spark:
            from transferwatch.analytics.spark_warehouse import SparkStore

            stores["spark"] = SparkStore(args.spark, shared)  # the Parquet store's files
        for label, store in stores.items():
            if label != "spark":
                seconds, rows = _import(store, bookings, oris, folder / "work")
                print(f"{label}: import (stage, check, commit) of {rows:,} bookings {seconds:.1f} s")  # fmt: skip
            for when in ("first run in the process", "second run (warm)"):
                began = time.perf_counter()
                document = run(store, agencies, date(2014, 1, 1), date(2016, 12, 31))
                took = time.perf_counter() - began
                flagged = sum(a["flagged"] for a in document["agencies"])
                print(f"{label}: monitor, {when}: {took:.2f} s ({flagged} agencies flagged)")
            documents[label] = json.dumps(document, sort_keys=True)
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    same = all(d == documents["parquet"] for d in documents.values())
    size = len(documents["parquet"])
    print(f"monitor JSON identical on {', '.join(documents)}: {same} ({size:,} characters)")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
