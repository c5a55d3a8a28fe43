"""Exports of a long list: time, size and memory of a CSV and an Excel file.

    .venv/bin/python benchmarks/exports.py [--requests 300000]

Fills a fresh SQLite database (or DATABASE_URL's) with invented people and transfer requests in
bulk, then downloads the whole transfer-request list as an investigator (names revealed) in
both formats through Django's test client, reading the streamed response piece by piece as a
browser would. Prints the time, the file size, the Python heap's peak during a second download
(under tracemalloc, which slows it) and the process's peak resident memory; asserts that the heap's peak stays under
100 MB (rows are read 2,000 at a time and written as they come).
"""

from __future__ import annotations

import argparse
import random
import resource
import time
import tracemalloc
from datetime import date, timedelta

import _django

parser = argparse.ArgumentParser()
parser.add_argument("--requests", type=int, default=300_000)
args = parser.parse_args()

_django.start()
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from transferwatch.accounts.models import Area, User  # noqa: E402
from transferwatch.agencies.models import Agency  # noqa: E402
from transferwatch.audit.models import Event  # noqa: E402
from transferwatch.transfers.models import Person, TransferRequest  # noqa: E402

rng = random.Random(1)
areas = list(Area.objects.all())
t0 = time.perf_counter()
agencies = Agency.objects.bulk_create(
    Agency(ori=f"XX{i:07d}", name=f"Agency {i}", state="PA", aor=areas[i % len(areas)])
    for i in range(2_000)
)
people = Person.objects.bulk_create(
    (
        Person(name=f"Invented Person {i}", a_number=f"{i:09d}", birth_date=date(1980, 1, 1))
        for i in range(args.requests // 2)
    ),
    batch_size=5_000,
)
TransferRequest.objects.bulk_create(
    (
        TransferRequest(
            person=people[i % len(people)],
            request_type=rng.choice(["notification", "detainer", "transfer"]),
            request_date=date(2015, 1, 1) + timedelta(days=rng.randrange(730)),
            aor=(agency := agencies[rng.randrange(len(agencies))]).aor,
            agency=agency,
            outcome=rng.choice(["pending", "transferred", "released", "lifted"]),
            lift_reason=rng.choice(["", "=cmd|' /C calc'!A0", "released on bond"]),
        )
        for i in range(args.requests)
    ),
    batch_size=5_000,
)
del people, agencies
print(
    f"database: {connection.vendor}; {args.requests:,} requests loaded in "
    f"{time.perf_counter() - t0:.1f} s"
)

user = User.objects.create_user("ivan")
user.groups.add(Group.objects.get(name="crcl_investigator"))
client = Client()
client.force_login(user)
# A first, empty export loads what any first request loads (URLs, templates).
client.get(reverse("transfer_list"), {"export": "csv", "request_type": "transfer", "agency": "-"})


def download(fmt: str) -> int:
    response = client.get(reverse("transfer_list"), {"export": fmt})
    return sum(len(piece) for piece in response.streaming_content)


for fmt in ("csv", "xlsx"):
    t = time.perf_counter()
    size = download(fmt)
    elapsed = time.perf_counter() - t
    event = Event.objects.filter(action__startswith="exports.").order_by("-seq").first()
    assert event is not None and event.changes["rows"] == args.requests, event
    # Again under tracemalloc (slower): the most the Python heap held during the download.
    tracemalloc.start()
    download(fmt)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{fmt:4}: {args.requests:,} rows in {elapsed:.1f} s, {size / 1e6:.1f} MB; "
        f"heap peak {peak / 1e6:.1f} MB during the download; process peak RSS {rss:.0f} MB "
        "(most of it the bulk load)"
    )
    assert peak < 100e6, f"{fmt}: the heap grew to {peak / 1e6:.0f} MB"
