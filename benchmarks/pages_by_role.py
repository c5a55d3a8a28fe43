"""Each page once per role, in process, with its slowest SQL: where a page's time goes.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/pages_by_role.py [NAME ...]

Runs against a database filled by `transferwatch demo` (and, for national volume,
benchmarks/national_data.py): signs in each demo user with Django's test client, opens every
page of benchmarks/load.py its role may open (the public report aside: it has its own
snapshot, docs/public-report.md) with the first record of each kind, and prints the time and
the number of queries; a page over 250 ms also prints its two slowest statements. NAME limits
the pages to those whose name contains it. The "before" figures of docs/speed.md came from this
script. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import sys
import time

import _django

_django.start()
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from load import PAGES  # noqa: E402

from transferwatch.accounts.models import Area, User  # noqa: E402
from transferwatch.agencies.models import Agency  # noqa: E402
from transferwatch.cases.models import Allegation, Inquiry  # noqa: E402
from transferwatch.discretion.models import PDRequest  # noqa: E402
from transferwatch.escalations.models import Escalation, RemedialMeasure  # noqa: E402
from transferwatch.meetings.models import Meeting  # noqa: E402
from transferwatch.monitoring.models import MonitoringRun  # noqa: E402
from transferwatch.transfers.models import TransferRequest  # noqa: E402

ONLY = sys.argv[1:]
USERS = [
    "analyst",
    "investigator",
    "supervisor",
    "field-phi",
    "hq",
    "opla",
    "leadership",
    "auditor",
]

area = Area.objects.get(code="PHI")
transfer = TransferRequest.objects.filter(aor=area, person__isnull=False).order_by("-pk").first()
SAMPLES = {
    "transfer": transfer.pk if transfer else 0,
    "person": transfer.person_id if transfer else 0,
    "allegation": getattr(Allegation.objects.order_by("-pk").first(), "number", ""),
    "inquiry": getattr(Inquiry.objects.order_by("-pk").first(), "number", ""),
    "pd": getattr(PDRequest.objects.filter(aor=area).order_by("-pk").first(), "pk", 0),
    "escalation": getattr(Escalation.objects.first(), "pk", 0),
    "measure": getattr(RemedialMeasure.objects.first(), "pk", 0),
    "agency": getattr(Agency.objects.filter(aor=area).order_by("-pk").first(), "ori", ""),
    "run": getattr(MonitoringRun.objects.first(), "pk", 0),
    "meeting": getattr(Meeting.objects.first(), "pk", 0),
}

for username in USERS:
    client = Client()
    client.force_login(User.objects.get(username=username))
    for name, path in PAGES.items():
        if name == "public report" or (ONLY and not any(o in name for o in ONLY)):
            continue
        for kind, value in SAMPLES.items():
            path = path.replace("{" + kind + "}", str(value))
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            took = time.perf_counter() - started
        if response.status_code != 200:
            continue  # not this role's page
        print(f"{username:<13}{name:<26}{took * 1000:7.0f} ms {len(queries):3d} queries")
        if took > 0.25:
            slow = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:2]
            for q in slow:
                print(f"      {float(q['time']) * 1000:6.0f} ms  {q['sql'][:200]}")
