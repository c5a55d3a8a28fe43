"""Audit trail speed: appends (one writer, then several at once) and a full verification.

    .venv/bin/python benchmarks/audit_chain.py [--events 20000] [--threads 4]

Uses a fresh SQLite database in a temporary folder, or the PostgreSQL of DATABASE_URL
(its database is left with the events written). Prints figures; asserts nothing about time.
Concurrent writers must still leave one unbroken chain: that is checked and printed.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

import _django

parser = argparse.ArgumentParser()
parser.add_argument("--events", type=int, default=20_000)
parser.add_argument("--threads", type=int, default=4)
args = parser.parse_args()

_django.start()
from django.db import connection, connections  # noqa: E402

from transferwatch.audit.models import Event  # noqa: E402
from transferwatch.audit.services import record, verify_chain  # noqa: E402

print(f"database: {connection.vendor}; events: {args.events:,}; threads: {args.threads}")
start_count = Event.objects.count()


def append(n: int, tag: str) -> None:
    for i in range(n):
        record("bench.event.written", object_type="bench", object_id=f"{tag}-{i}", changes={"i": i})
    connections.close_all()


t0 = time.perf_counter()
append(args.events // 2, "single")
single = time.perf_counter() - t0
print(f"one writer:      {args.events // 2 / single:8,.0f} events/s")

per_thread = args.events // 2 // args.threads
threads = [threading.Thread(target=append, args=(per_thread, f"t{k}")) for k in range(args.threads)]
t0 = time.perf_counter()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
several = time.perf_counter() - t0
print(f"{args.threads} writers:       {per_thread * args.threads / several:8,.0f} events/s")

t0 = time.perf_counter()
result = verify_chain()
verify = time.perf_counter() - t0
print(
    f"verify:          {result.verified / verify:8,.0f} events/s ({result.verified:,} in {verify:.2f} s)"
)
written = args.events // 2 + per_thread * args.threads
print(
    f"chain intact: {result.ok}; events written {written:,}, in chain {result.verified - start_count:,}"
)
sys.exit(0 if result.ok else 1)
