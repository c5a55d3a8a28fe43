"""Page speed with a realistic number of transfer requests.

    .venv/bin/python benchmarks/pages.py [--requests 100000]

Fills a fresh SQLite database (or DATABASE_URL's) with invented agencies, people and requests in
bulk, then times the pages staff open most, for a national reviewer and for an area-scoped one.
Prints the median of 5 loads per page; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta

import _django

parser = argparse.ArgumentParser()
parser.add_argument("--requests", type=int, default=100_000)
args = parser.parse_args()

_django.start()
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from transferwatch.accounts.models import Area, User  # noqa: E402
from transferwatch.agencies.models import Agency  # noqa: E402
from transferwatch.transfers.models import Person, TransferRequest  # noqa: E402

rng = random.Random(1)
areas = list(Area.objects.all())
t0 = time.perf_counter()
agencies = Agency.objects.bulk_create(
    Agency(ori=f"XX{i:07d}", name=f"Agency {i}", state="PA", aor=areas[i % len(areas)])
    for i in range(2_000)
)
people = Person.objects.bulk_create(Person() for _ in range(args.requests // 2))
TransferRequest.objects.bulk_create(
    (
        TransferRequest(
            person=people[i % len(people)],
            request_type=rng.choice(["notification", "detainer", "transfer"]),
            request_date=date(2015, 1, 1) + timedelta(days=rng.randrange(730)),
            aor=(agency := agencies[rng.randrange(len(agencies))]).aor,
            agency=agency,
            outcome=rng.choice(["pending", "transferred", "released", "lifted"]),
        )
        for i in range(args.requests)
    ),
    batch_size=5_000,
)
print(
    f"database: {connection.vendor}; {args.requests:,} requests loaded in {time.perf_counter() - t0:.1f} s"
)

for username, role, area in [("hq", "ice_hq_reviewer", None), ("phi", "ice_field_reviewer", "PHI")]:
    user = User.objects.create_user(username)
    user.groups.add(Group.objects.get(name=role))
    if area:
        user.areas.add(Area.objects.get(code=area))
    client = Client()
    client.force_login(user)
    some = TransferRequest.objects.visible_to(user).first()
    pages = {
        "home": reverse("home"),
        "transfer list": reverse("transfer_list"),
        "transfer list, filtered": reverse("transfer_list")
        + "?request_type=detainer&date_from=2016-01-01",
        "transfer list, page 200": reverse("transfer_list") + "?page=200",
        "agency list": reverse("agency_list"),
        "transfer detail": reverse("transfer_detail", args=[some.pk]),
    }
    for name, url in pages.items():
        times = []
        for _ in range(5):
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
        assert response.status_code == 200, (url, response.status_code)
        print(f"{username:>4} {name:<26} {statistics.median(times) * 1000:7.1f} ms")
