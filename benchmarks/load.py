"""Load test: 20 signed-in users (password and authenticator code) over the main pages of a
running TransferWatch, with locust headless, bounded in time, against 127.0.0.1 only.

    make prod                                       # in another terminal; then:
    .venv/bin/python benchmarks/load.py --env var/prod.env [--users 20] [--run-time 60s]

locust is not a dependency of TransferWatch (it brings gevent and Flask): give its command with
--locust (default: `locust` on PATH), e.g. from `python3 -m venv /tmp/locust &&
/tmp/locust/bin/pip install locust`. The script adds USERS supervisors `load-NN` with known
authenticator keys to the database of --env (again on each run: their keys are renewed), runs
locust, and prints p50/p95/p99 per page and overall, with the error count. Prints figures;
asserts nothing about time.
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
PAGES = {
    "home": "/",
    "agencies": "/agencies/",
    "transfer requests": "/transfers/",
    "monitoring": "/monitoring/",
    "allegations": "/cases/allegations/",
    "public report": "/public/",
}

LOCUSTFILE = """
import hashlib, hmac, http.cookiejar, json, os, re, struct, time
from locust import HttpUser, between, task

ACCOUNTS = json.load(open(os.environ["LOAD_ACCOUNTS"]))
PAGES = json.loads(os.environ["LOAD_PAGES"])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp(key_hex):
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


# Production cookies are Secure; with no TLS proxy on this machine, send them over http to
# 127.0.0.1 anyway, as browsers do for local addresses (requests copies its cookie jar for each
# request with the default policy, so the policy itself is changed, in this process only).
http.cookiejar.DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


class Staff(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        username, key = ACCOUNTS.pop()
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

    @task
    def browse(self):
        for name, path in PAGES.items():
            self.client.get(path, name=name)
"""

MAKE_USERS = """
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from transferwatch.accounts.models import User
import json
accounts = json.load(open(%(keys)r))
group = Group.objects.get(name="crcl_supervisor")
for username, key in accounts:
    user, _ = User.objects.get_or_create(username=username)
    user.set_password(%(password)r)
    user.save()
    user.groups.set([group])
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name="load test", confirmed=True, key=key)
"""


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.lstrip().startswith("#")}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--env", type=Path, default=ROOT / "var" / "prod.env")
    parser.add_argument("--host", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--run-time", default="60s")
    parser.add_argument("--locust", default="locust")
    args = parser.parse_args()
    if not args.host.startswith(("http://127.0.0.1", "http://localhost")):
        sys.exit("load.py loads this machine only: --host http://127.0.0.1:PORT")
    folder = Path(tempfile.mkdtemp(prefix="tw-load-"))
    password = secrets.token_urlsafe(18)
    accounts = [(f"load-{n:02d}", secrets.token_hex(20)) for n in range(1, args.users + 1)]
    keys = folder / "accounts.json"
    keys.write_text(json.dumps(accounts))
    env = {**os.environ, **read_env(args.env)}
    script = MAKE_USERS % {"keys": str(keys), "password": password}
    subprocess.run(
        [str(ROOT / ".venv/bin/transferwatch"), "shell", "-c", script], env=env, check=True
    )
    (folder / "locustfile.py").write_text(LOCUSTFILE)
    locust_env = {
        **os.environ,
        "LOAD_ACCOUNTS": str(keys),
        "LOAD_PAGES": json.dumps(PAGES),
        "LOAD_PASSWORD": password,
    }
    command = [
        args.locust, "-f", str(folder / "locustfile.py"), "--headless", "--only-summary",
        "-u", str(args.users), "-r", "5", "--run-time", args.run_time, "--host", args.host,
        "--csv", str(folder / "load"), "--stop-timeout", "10",
    ]  # fmt: skip
    print(f"locust: {args.users} users for {args.run_time} against {args.host}")
    subprocess.run(command, env=locust_env, check=False, capture_output=True)
    print(f"{'page':<20}{'requests':>9}{'errors':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}")
    with (folder / "load_stats.csv").open() as handle:
        for row in csv.DictReader(handle):
            name = row["Name"] if row["Name"] != "Aggregated" else "all"
            print(
                f"{name:<20}{row['Request Count']:>9}{row['Failure Count']:>8}"
                f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}"
            )
    with (folder / "load_failures.csv").open() as handle:
        for row in csv.DictReader(handle):
            print(f"errors: {row['Occurrences']} x {row['Method']} {row['Name']}: {row['Error']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
