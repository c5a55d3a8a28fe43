"""Priority classification speed: `transferwatch classify` end to end, and the pure engine alone.

    .venv/bin/python benchmarks/classify.py [--cases 1000000] [--engine-cases 200000] [--explain]

Writes synthetic cases (`transferwatch.analytics.synth_cases`, every pep-2014 scenario in turn)
into a temporary folder (removed afterwards), then times the console script as a user runs it
(a subprocess, with TRANSFERWATCH_DATA_DIR in that folder; start-up included), and the engine
in-process (`parse_case` + `classify` over decoded lines, and `classify` alone). Prints figures;
asserts nothing about time. Target: 50,000 cases/s end to end on one core.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from itertools import islice
from pathlib import Path

from transferwatch.analytics.synth_cases import write_cases
from transferwatch.policy import classify, get_policy, parse_case

parser = argparse.ArgumentParser()
parser.add_argument("--cases", type=int, default=1_000_000)
parser.add_argument("--engine-cases", type=int, default=200_000)
parser.add_argument("--policy", default="pep-2014")
parser.add_argument("--explain", action="store_true")
args = parser.parse_args()
script = Path(sys.executable).with_name("transferwatch")

with tempfile.TemporaryDirectory(prefix="tw-classify-") as folder:
    cases = Path(folder) / "cases.jsonl"
    results = Path(folder) / "results.jsonl"
    t0 = time.perf_counter()
    write_cases(cases, args.cases, seed=1)
    size = cases.stat().st_size / 1e6
    print(f"cases: {args.cases:,} ({size:,.0f} MB) written in {time.perf_counter() - t0:.1f} s")

    command = [str(script), "classify", "--policy", args.policy, "--in", str(cases)]
    command += ["--out", str(results), *(["--explain"] if args.explain else [])]
    env = {**os.environ, "TRANSFERWATCH_DATA_DIR": str(Path(folder) / "var")}
    t0 = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    with results.open("rb") as handle:
        lines = sum(1 for _ in handle)
    print(f"command: {' '.join(command[1:3])} {args.policy}{' --explain' if args.explain else ''}")
    print(
        f"end to end:        {args.cases / seconds:>9,.0f} cases/s ({seconds:.1f} s; exit "
        f"{done.returncode}; {lines:,} result lines)"
    )

    policy = get_policy(args.policy)
    today = date.today()
    with cases.open("rb") as handle:
        decoded = [json.loads(line) for line in islice(handle, args.engine_cases)]
    n = len(decoded)
    gc.disable()  # as the command does: the engine makes no cycles, and the lists held are big
    t0 = time.perf_counter()
    parsed = [parse_case(obj, today) for obj in decoded]
    parse_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    for case in parsed:
        classify(case, policy, args.explain)
    classify_seconds = time.perf_counter() - t0
    both = parse_seconds + classify_seconds
    print(f"engine, parse + classify: {n / both:>9,.0f} cases/s ({n:,} cases in memory)")
    print(f"engine, classify alone:   {n / classify_seconds:>9,.0f} cases/s")
