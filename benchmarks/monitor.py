"""`transferwatch monitor` against a plain reference detector and a plain GROUP BY (issue 15 goal 4).

    .venv/bin/python benchmarks/monitor.py [--bookings 4000000] [--agencies 2000] [--rounds 2]
        [--data DIR]

Writes synthetic bookings and agencies as CSV with `synth.generate` (in a child process; kept
in --data for the next run), imports the same bookings into a Parquet store (a child process,
as `transferwatch import bookings` checks and commits them), then, in turn, --rounds times:

CSV (goal: the command at most 1.5x the reference)
    (a) the plain reference detector, `benchmarks/plain_monitor.py BOOKINGS AGENCIES`, as a
        process: one DuckDB aggregation of the same columns, robust z-scores in numpy;
    (b) `transferwatch monitor --bookings BOOKINGS --agencies AGENCIES --json OUT`, as a process;
    and the two in this process, warm (`plain_monitor.detect` and `monitor.run`).
Parquet store (goal: the monitoring run at most 1.2x the plain GROUP BY), in this process, warm
    (c) a plain GROUP BY ori, quarter over the store's files counting every column the monitoring
        run reads, the reference detector on the same files, and `monitor.run(store, agencies)`.

Each figure is wall seconds and CPU seconds (user + system, all threads: it hardly changes
with the load of the machine, which is shared), with the ratios measured in the same round, and
the peak resident memory of each process (GNU time's %M). Goals are on the wall time on a quiet
machine; on a loaded one, read the CPU ratio.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from plain_monitor import detect

from transferwatch.analytics import warehouse as wh
from transferwatch.analytics.aggregate import AgencyInfo, connect, file_source, read_agencies
from transferwatch.analytics.monitor import run
from transferwatch.analytics.one_read import aggregate_both

GENERATE = """
import sys
from datetime import date
from pathlib import Path
from transferwatch.analytics.synth import generate
generate(Path(sys.argv[1]), agencies=int(sys.argv[2]), start=date(2014, 1, 1),
         end=date(2016, 12, 31), seed=42, plants={"pretext": 20, "lowprio": 20,
         "dismissal": 20, "lep": 20}, fmt="csv", bookings=int(sys.argv[3]))
"""
IMPORT = """
import sys
from pathlib import Path
from transferwatch.analytics import contract, warehouse as wh
from transferwatch.analytics.aggregate import read_agencies
folder = Path(sys.argv[1])
con = wh.connect(folder / "work")
wh.load_known_agencies(con, [a.ori for a in read_agencies(folder / "agencies.csv")])
present = wh.stage(con, folder / "bookings.csv", contract.BOOKING_COLUMNS)
checked = wh.check(con, contract.BOOKING_COLUMNS, present, *wh.booking_rules(present))
assert not checked.problems, checked.problems
store = wh.BookingStore(folder / "store")
with store.lock():
    store.commit(con, wh.valid_rows_sql(checked, contract.BOOKING_COLUMNS), "benchmark")
"""
# every column the monitoring run reads (`aggregate.OPTIONAL_BOOKING_COLUMNS`, `rates.RATE_COLUMNS`)
COLUMNS = ("ethnicity", "lep", "offense_category", "offense_severity", "disposition", "transfer_request", "pep_eligible", "race", "encounter")  # fmt: skip


def child(argv: list[str]) -> tuple[str, float, float, float]:
    """(last output line, wall s, CPU s, peak resident MB) of a process (GNU time)."""
    with tempfile.NamedTemporaryFile("r") as used:
        began = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-o", used.name, "-f", "%M %U %S", *argv],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        wall = time.perf_counter() - began
        kilobytes, user, system = used.read().split()[-3:]
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return last, wall, float(user) + float(system), int(kilobytes) / 1024


def timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, wall s, CPU s of this process, every thread) of `work()`."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def aggregation(bookings: Path, infos: list[AgencyInfo]) -> Any:
    """The DuckDB part of a monitoring run on a file: both tables of counts, one read."""
    con = connect()
    try:
        source, described = file_source([bookings])
        return aggregate_both(source, infos, None, None, described, con)
    finally:
        con.close()


def show(label: str, wall: float, cpu: float, ref: tuple[float, float] | None = None) -> str:
    ratio = f", {wall / ref[0]:.2f}x wall, {cpu / ref[1]:.2f}x CPU" if ref else ""
    return f"  {label}: {wall:.2f} s wall, {cpu:.2f} s CPU{ratio}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=4_000_000)
    parser.add_argument("--agencies", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data", type=Path, help="reuse (or create) synthetic data here")
    args = parser.parse_args()
    folder = args.data or Path(tempfile.mkdtemp(prefix="tw-bench-monitor-"))
    bookings, agencies = folder / "bookings.csv", folder / "agencies.csv"
    python = sys.executable
    if not bookings.exists():
        argv = [str(folder), str(args.agencies), str(args.bookings)]
        subprocess.run([python, "-c", GENERATE, *argv], check=True)
    store = wh.BookingStore(folder / "store")
    if not store.files():
        subprocess.run([python, "-c", IMPORT, str(folder)], check=True, capture_output=True)
    files = store.files()
    rows = store.state()["rows"]
    print(f"{rows:,} bookings, {args.agencies:,} agencies: {bookings} ({bookings.stat().st_size / 1e6:.0f} MB), store {sum(f.stat().st_size for f in files) / 1e6:.0f} MB Parquet")  # fmt: skip
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    plain_script = str(Path(__file__).with_name("plain_monitor.py"))
    command = str(Path(python).parent / "transferwatch")
    out = folder / "monitor.json"
    infos = read_agencies(agencies)
    listed = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    counted = ", ".join(f"count({c})" for c in COLUMNS)
    group_by = (
        f"SELECT ori, year(booking_date) * 10 + quarter(booking_date) AS q, count(*), {counted} "
        f"FROM read_parquet({listed}, union_by_name = true) GROUP BY ALL"
    )
    run(store, infos)  # the first run of the process: Ibis and sqlglot imports, compiles
    run(bookings, agencies)
    for number in range(1, args.rounds + 1):
        print(f"round {number} (load {os.getloadavg()[0]:.2f})")
        said, wall, cpu, peak = child([python, plain_script, str(bookings), str(agencies)])
        print(show("CSV (a) reference detector, process", wall, cpu) + f", {peak:.0f} MB peak ({said})")  # fmt: skip
        ref = (wall, cpu)
        argv = ["monitor", "--bookings", str(bookings), "--agencies", str(agencies), "--json", str(out)]  # fmt: skip
        said, wall, cpu, peak = child([command, *argv])
        print(show("CSV (b) transferwatch monitor, process", wall, cpu, ref) + f", {peak:.0f} MB peak ({said})")  # fmt: skip
        _, wall, cpu = timed(lambda: detect(str(bookings), str(agencies)))
        ref = (wall, cpu)
        print(show("CSV reference detector, in process (warm)", wall, cpu))
        _, wall, cpu = timed(lambda: aggregation(bookings, infos))
        print(show("CSV the monitoring run's aggregation alone (one_read.aggregate_both)", wall, cpu, ref))  # fmt: skip
        _, wall, cpu = timed(lambda: run(bookings, agencies))
        print(show("CSV monitor.run, in process (warm)", wall, cpu, ref))
        _, wall, cpu = timed(lambda: duckdb.connect().sql(group_by).fetchnumpy())
        ref = (wall, cpu)
        print(show(f"Parquet (c) plain GROUP BY ori, quarter counting the {len(COLUMNS) + 2} columns", wall, cpu))  # fmt: skip
        _, wall, cpu = timed(lambda: detect(f"{folder}/store/bookings/v*/quarter=*/*.parquet", str(agencies)))  # fmt: skip
        print(show("Parquet reference detector (same files)", wall, cpu, ref))
        _, wall, cpu = timed(lambda: store.aggregate(infos, None, None))
        print(show("Parquet the monitoring run's aggregation alone (store.aggregate)", wall, cpu, ref))  # fmt: skip
        _, wall, cpu = timed(lambda: run(store, infos))
        print(show("Parquet monitor.run(store)", wall, cpu, ref))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process (the in-process runs): {peak:.0f} MB")


if __name__ == "__main__":
    main()
