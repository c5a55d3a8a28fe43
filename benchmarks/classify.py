"""Priority classification speed: `transferwatch classify` end to end against a plain reference.

    .venv/bin/python benchmarks/classify.py [--cases 1000000] [--repeat 2] [--engine-cases 200000]
                                            [--policy pep-2014] [--explain]

Writes synthetic cases (`transferwatch.analytics.synth_cases`, every pep-2014 scenario in turn)
into a temporary folder (removed afterwards), then times, in turns, `--repeat` times each:

- the console script as a user runs it (a subprocess, with TRANSFERWATCH_DATA_DIR in that folder;
  start-up included);
- the plain reference `benchmarks/plain_classify.py`: the same pep-2014 rules written out straight
  over dicts, read and written with the standard json module, no checks (a subprocess too). Its
  output must equal the command's byte for byte, or the comparison is void and the script says so.

and the engine in-process (`parse_case` + `classify` over decoded lines, and `classify` alone).
Prints figures, the best of the turns, wall-clock and CPU time; asserts nothing about time. These
machines are shared and noisy: compare the ratio of one run, not figures across runs. Targets
(issue 15): at least 100,000 cases/s end to end on one core, never slower than the plain reference.
"""

from __future__ import annotations

import argparse
import filecmp
import gc
import json
import os
import resource
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
parser.add_argument("--repeat", type=int, default=2, help="turns of each timing; the best is shown")
parser.add_argument("--engine-cases", type=int, default=200_000)
parser.add_argument("--policy", default="pep-2014")
parser.add_argument("--explain", action="store_true")
args = parser.parse_args()
script = Path(sys.executable).with_name("transferwatch")
plain_script = Path(__file__).with_name("plain_classify.py")
with_plain = args.policy == "pep-2014" and not args.explain  # what the reference implements


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the child, exit status)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode:
        print(done.stderr[-2000:], file=sys.stderr)
    return wall, cpu, done.returncode


def figure(label: str, best: tuple[float, float, int]) -> str:
    wall, cpu, status = best
    return (
        f"{label:<28}{args.cases / wall:>9,.0f} cases/s  ({wall:.1f} s wall, {cpu:.1f} s CPU, "
        f"exit {status})"
    )


with tempfile.TemporaryDirectory(prefix="tw-classify-") as folder:
    cases = Path(folder) / "cases.jsonl"
    results = Path(folder) / "results.jsonl"
    plain_results = Path(folder) / "plain.jsonl"
    t0 = time.perf_counter()
    write_cases(cases, args.cases, seed=1)
    size = cases.stat().st_size / 1e6
    print(f"cases: {args.cases:,} ({size:,.0f} MB) written in {time.perf_counter() - t0:.1f} s")

    command = [str(script), "classify", "--policy", args.policy, "--in", str(cases)]
    command += ["--out", str(results), *(["--explain"] if args.explain else [])]
    plain = [sys.executable, str(plain_script), str(cases), str(plain_results)]
    env = {**os.environ, "TRANSFERWATCH_DATA_DIR": str(Path(folder) / "var")}
    runs: dict[str, list[tuple[float, float, int]]] = {"command": [], "plain": []}
    for _ in range(args.repeat):  # in turns, so a busy spell of the machine hits both
        runs["command"].append(timed(command, env))
        if with_plain:
            runs["plain"].append(timed(plain, env))
    with results.open("rb") as handle:
        lines = sum(1 for _ in handle)
    print(f"command: {' '.join(command[1:3])} {args.policy}{' --explain' if args.explain else ''}")
    best = min(runs["command"])
    print(figure("end to end (command):", best) + f"; {lines:,} result lines")
    if with_plain:
        best_plain = min(runs["plain"])
        print(figure("plain reference:", best_plain))
        same = filecmp.cmp(results, plain_results, shallow=False)
        print(
            f"command time / plain time:  {best[0] / best_plain[0]:.2f} wall, "
            f"{best[1] / best_plain[1]:.2f} CPU (below 1: the command is faster); "
            f"outputs {'identical' if same else 'DIFFER: the comparison is void'}"
        )
    else:
        print("plain reference: pep-2014 without --explain only; not run")

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
    print(f"engine, parse_case + classify: {n / both:>9,.0f} cases/s ({n:,} cases in memory)")
    print(f"engine, classify alone:        {n / classify_seconds:>9,.0f} cases/s")
