"""Load test: 20 signed-in users of every role (password and authenticator code) over the home
pages, every list (first page, a filtered page, page 1,000) and every detail page of a running
TransferWatch, with locust headless, bounded in time, against 127.0.0.1 only.

    make prod                                       # in another terminal; then:
    .venv/bin/python benchmarks/load.py --env var/prod.env [--users 20] [--run-time 120s]

For issue 15 goal 3 the database is made national first (benchmarks/national_data.py: 3 million
transfer requests, 300,000 allegations). locust is not a dependency of TransferWatch (it brings
gevent and Flask): give its command with --locust (default: `locust` on PATH), e.g. from
`python3 -m venv /tmp/locust && /tmp/locust/bin/pip install locust`.

The script adds USERS accounts `load-NN` with known authenticator keys to the database of --env
(again on each run: their keys are renewed), one role after another over every staff role
(area-scoped roles get --area), and picks the records the detail pages open (random ones, in
--area, so every role may open them). Each locust user signs in (named "sign in" and "second
factor": Argon2 is slow on purpose and is not a page), opens each sampled record and each
candidate page once to learn which its role may open ("probe": a 404 there is the role's limit,
not an error), then opens those pages at random with 0.5-2 s between clicks. Page times count
from the moment every user is signed in and done probing. Prints p50/p95/p99 per page, over all
pages, and the errors. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Name -> path; {kind} is replaced by one of the sampled records of that kind on each click.
PAGES = {
    "home": "/",
    "transfers": "/transfers/",
    "transfers, filtered": "/transfers/?request_type=detainer&date_from=2016-01-01&outcome=pending",
    "transfers, page 1000": "/transfers/?page=1000",
    "transfer": "/transfers/{transfer}/",
    "person": "/transfers/people/{person}/",
    "review queue": "/transfers/review/",
    "review queue, page 1000": "/transfers/review/?page=1000",
    "allegations": "/cases/allegations/",
    "allegations, filtered": "/cases/allegations/?status=referred",
    "allegations, page 1000": "/cases/allegations/?page=1000",
    "allegation": "/cases/allegations/{allegation}/",
    "inquiries": "/cases/inquiries/?show=all",
    "inquiries, filtered": "/cases/inquiries/?show=open",
    "inquiries, page 1000": "/cases/inquiries/?show=all&page=1000",
    "inquiry": "/cases/inquiries/{inquiry}/",
    "PD requests": "/discretion/",
    "PD requests, filtered": "/discretion/?status=final",
    "PD requests, page 1000": "/discretion/?page=1000",
    "PD request": "/discretion/{pd}/",
    "escalations": "/escalations/",
    "escalation": "/escalations/{escalation}/",
    "measures": "/escalations/measures/",
    "measure": "/escalations/measures/{measure}/",
    "agencies": "/agencies/",
    "agencies, filtered": "/agencies/?q=county",
    "agencies, page 1000": "/agencies/?page=1000",
    "agency": "/agencies/{agency}/",
    "facilities": "/agencies/facilities/",
    "monitoring": "/monitoring/",
    "monitoring run": "/monitoring/runs/{run}/",
    "imports": "/imports/",
    "audit": "/audit/",
    "audit, page 1000": "/audit/?page=1000",
    "meetings": "/meetings/",
    "meeting": "/meetings/{meeting}/",
    "packets": "/reports/packets/",
    "outbox": "/outbox/",
    "operations": "/operations/",
    "public report": "/public/",
}

LOCUSTFILE = """
import hashlib, hmac, http.cookiejar, json, os, random, re, struct, time
from locust import HttpUser, between, events, task

ACCOUNTS = json.load(open(os.environ["LOAD_ACCOUNTS"]))
SAMPLES = json.load(open(os.environ["LOAD_SAMPLES"]))
PAGES = json.loads(os.environ["LOAD_PAGES"])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WORK = re.compile(r'href="(/work/[a-z0-9_-]+/)"')


TIMES = open(os.environ["LOAD_TIMES"], "a", buffering=1)
USERS = int(os.environ["LOAD_USERS"])
READY = []  # the users signed in and done probing: times count once all are


@events.request.add_listener
def record(name, response_time, exception, **kwargs):
    if len(READY) < USERS and name not in ("sign in", "second factor", "probe"):
        return
    TIMES.write("%s\\t%.1f\\t%d\\n" % (name, response_time, exception is not None))


def totp(key_hex):
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def fill(path, samples):
    for kind, values in samples.items():
        if "{" + kind + "}" in path:
            path = path.replace("{" + kind + "}", str(random.choice(values)))
    return path


# Production cookies are Secure; with no TLS proxy on this machine, send them over http to
# 127.0.0.1 anyway, as browsers do for local addresses (requests copies its cookie jar for each
# request with the default policy, so the policy itself is changed, in this process only).
http.cookiejar.DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


class Staff(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        username, key, role = ACCOUNTS.pop()
        page = self.client.get("/login/", name="sign in")
        token = TOKEN.search(page.text).group(1)
        self.client.post("/login/", {"username": username, "password": os.environ["LOAD_PASSWORD"],
                                     "csrfmiddlewaretoken": token}, name="sign in")
        page = self.client.get("/login/code/", name="second factor")
        token = TOKEN.search(page.text).group(1)
        done = self.client.post("/login/code/", {"code": totp(key), "csrfmiddlewaretoken": token},
                                name="second factor")
        if "/login/" in done.url:
            raise RuntimeError("sign-in with a code failed for " + username)
        pages = dict(PAGES)
        for n, path in enumerate(sorted(set(WORK.findall(done.text)))):
            pages["work list"] = path  # one of the home page's work lists in full
        # The records of each kind this role may open (an escalation in draft, a PD request
        # of another area: a 404 is the role's limit, not an error), then the pages it may open.
        self.samples = {}
        for kind, values in SAMPLES.items():
            path = next((p for p in pages.values() if "{" + kind + "}" in p), None)
            self.samples[kind] = [v for v in values if path and self.opens(fill(path, {kind: [v]}))]
        self.pages = [
            (name, path) for name, path in pages.items()
            if all(self.samples.get(k) for k in SAMPLES if "{" + k + "}" in path)
            and self.opens(fill(path, self.samples))
        ]
        print(role, "opens", len(self.pages), "pages:", ", ".join(n for n, _ in self.pages))
        READY.append(username)

    def opens(self, path):
        with self.client.get(path, name="probe", catch_response=True,
                             allow_redirects=False) as probe:
            probe.success()
            return probe.status_code == 200

    @task
    def browse(self):
        name, path = random.choice(self.pages)
        self.client.get(fill(path, self.samples), name=name)
"""

MAKE_USERS = """
import json, random
from django.contrib.auth.models import Group
from django.db.models import Count
from django_otp.plugins.otp_totp.models import TOTPDevice
from transferwatch.accounts.models import Area, User
from transferwatch.accounts.roles import ROLES
from transferwatch.agencies.models import Agency
from transferwatch.cases.models import Allegation, Inquiry
from transferwatch.discretion.models import PDRequest
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.meetings.models import Meeting
from transferwatch.monitoring.models import MonitoringRun
from transferwatch.transfers.models import TransferRequest

accounts = json.load(open(%(keys)r))
area = Area.objects.get(code=%(area)r)
for username, key, role in accounts:
    user, _ = User.objects.get_or_create(username=username)
    user.set_password(%(password)r)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    user.areas.set([area] if ROLES[role].area_scoped else [])
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name="load test", confirmed=True, key=key)


def some(queryset, field="pk", n=12):
    # Random rows without ORDER BY random() over millions: random keys between the smallest and
    # the largest, each the first row at or after it.
    ids = queryset.order_by("pk").values_list("pk", flat=True)
    first, last = ids.first(), ids.last()
    if first is None:
        return []
    found = set()
    for _ in range(n):
        row = queryset.filter(pk__gte=random.randint(first, last)).order_by("pk").first()
        if row is not None:
            found.add(getattr(row, field))
    return sorted(found)


transfers = some(TransferRequest.objects.filter(aor=area, person__isnull=False))
busiest = Agency.objects.filter(aor=area).annotate(n=Count("transfer_requests")).order_by("-n")
samples = {
    "transfer": transfers,
    "person": sorted(TransferRequest.objects.filter(pk__in=transfers).values_list("person_id", flat=True)),
    "allegation": some(Allegation.objects.all(), "number"),
    "inquiry": some(Inquiry.objects.all(), "number"),
    "pd": some(PDRequest.objects.filter(aor=area)),
    "escalation": some(Escalation.objects.all()),
    "measure": some(RemedialMeasure.objects.all()),
    "agency": [a.ori for a in busiest[:10]] + some(Agency.objects.filter(aor=area), "ori", 10),
    "run": some(MonitoringRun.objects.all()),
    "meeting": some(Meeting.objects.all()),
}
json.dump(samples, open(%(samples)r, "w"))
"""


NOT_PAGES = ("sign in", "second factor", "probe")


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return tuple(ordered[min(len(ordered) - 1, int(q * len(ordered)))] for q in (0.5, 0.95, 0.99))  # type: ignore[return-value]


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.lstrip().startswith("#")}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--env", type=Path, default=ROOT / "var" / "prod.env")
    parser.add_argument("--host", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--run-time", default="120s")
    parser.add_argument("--area", default="PHI", help="the area of area-scoped users")
    parser.add_argument("--locust", default="locust")
    parser.add_argument("--skip", action="append", default=[], help="a page name to leave out")
    args = parser.parse_args()
    if not args.host.startswith(("http://127.0.0.1", "http://localhost")):
        sys.exit("load.py loads this machine only: --host http://127.0.0.1:PORT")
    sys.path.insert(0, str(ROOT))
    from transferwatch.accounts.roles import ROLES

    roles = sorted(ROLES)
    folder = Path(tempfile.mkdtemp(prefix="tw-load-"))
    password = secrets.token_urlsafe(18)
    accounts = [
        (f"load-{n:02d}", secrets.token_hex(20), roles[(n - 1) % len(roles)])
        for n in range(1, args.users + 1)
    ]
    keys, samples = folder / "accounts.json", folder / "samples.json"
    keys.write_text(json.dumps(accounts))
    env = {**os.environ, **read_env(args.env)}
    script = MAKE_USERS % {
        "keys": str(keys),
        "password": password,
        "area": args.area,
        "samples": str(samples),
    }
    subprocess.run(
        [str(ROOT / ".venv/bin/transferwatch"), "shell", "-c", script], env=env, check=True
    )
    (folder / "locustfile.py").write_text(LOCUSTFILE)
    locust_env = {
        **os.environ,
        "LOAD_ACCOUNTS": str(keys),
        "LOAD_SAMPLES": str(samples),
        "LOAD_PAGES": json.dumps({k: v for k, v in PAGES.items() if k not in args.skip}),
        "LOAD_PASSWORD": password,
        "LOAD_TIMES": str(folder / "times.tsv"),
        "LOAD_USERS": str(args.users),
    }
    command = [
        args.locust, "-f", str(folder / "locustfile.py"), "--headless", "--only-summary",
        "-u", str(args.users), "-r", "2", "--run-time", args.run_time, "--host", args.host,
        "--csv", str(folder / "load"), "--stop-timeout", "10",
    ]  # fmt: skip
    print(
        f"locust: {args.users} users ({len(roles)} roles) for {args.run_time} against {args.host}"
    )
    done = subprocess.run(command, env=locust_env, check=False, capture_output=True, text=True)
    for line in done.stdout.splitlines() + done.stderr.splitlines():
        if " opens " in line:
            print("  " + line.split("] ", 1)[-1][:160])
    times: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for line in (folder / "times.tsv").read_text().splitlines():
        name, ms, failed = line.split("\t")
        times.setdefault(name, []).append(float(ms))
        errors[name] = errors.get(name, 0) + int(failed)
    pages = [name for name in PAGES if name in times] + sorted(
        name for name in times if name not in PAGES and name not in NOT_PAGES
    )
    times["all pages"] = [ms for name in pages for ms in times[name]]
    errors["all pages"] = sum(errors[name] for name in pages)
    print(f"{'page':<26}{'requests':>9}{'errors':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}")
    for name in [*pages, "all pages", *NOT_PAGES]:
        if name in times:
            p50, p95, p99 = percentiles(times[name])
            print(
                f"{name:<26}{len(times[name]):>9}{errors[name]:>8}{p50:>8.0f}{p95:>8.0f}{p99:>8.0f}"
            )
    with (folder / "load_failures.csv").open() as handle:
        for row in csv.DictReader(handle):
            print(f"errors: {row['Occurrences']} x {row['Method']} {row['Name']}: {row['Error']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
