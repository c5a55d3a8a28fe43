"""A national-scale database for page-speed work: the demo's records multiplied in PostgreSQL.

    DATABASE_URL=postgres://USER@HOST:PORT/DB .venv/bin/transferwatch migrate
    DATABASE_URL=... .venv/bin/transferwatch demo
    DATABASE_URL=... .venv/bin/python benchmarks/national_data.py [--requests 3000000]
        [--allegations 300000] [--agencies 3000]

Issue 15 goal 3 asks for pages at 3 million transfer requests and 300,000 allegations. Inventing
that many records one by one through the app would take hours, so the demo's records (every kind
the app keeps, made by the app itself) are copied in SQL with `generate_series`: each copy gets
new keys, its own person (with convictions and charges), a date spread over ten years, an agency
among 3,000 more in the same area (skewed: the busiest of an area holds a fifth of its requests), and its classification and review history; allegations get
numbers by year (2019-2025) and a spread of statuses, with inquiries and PD requests for a tenth
of them, and their case steps. Names, A-numbers and dates of birth are the demo's inventions.
PostgreSQL only (the SQL is PostgreSQL's); refuses a database that already holds copies. Prints
what it added and how long each table took; ends with ANALYZE so the planner knows the sizes.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import _django

parser = argparse.ArgumentParser()
parser.add_argument("--requests", type=int, default=3_000_000)
parser.add_argument("--allegations", type=int, default=300_000)
parser.add_argument("--agencies", type=int, default=3_000)
args = parser.parse_args()

_django.start()
from django.db import connection, transaction  # noqa: E402

if connection.vendor != "postgresql":
    sys.exit("national_data.py fills PostgreSQL only: set DATABASE_URL=postgres://...")


def one(sql: str, params: tuple[object, ...] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0] or 0)


def run(label: str, sql: str, params: tuple[object, ...] = ()) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.rowcount
    print(f"{label:<34}{rows:>12,} rows {time.perf_counter() - started:7.1f} s", flush=True)


def columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position",
            [table],
        )
        return [name for (name,) in cursor.fetchall()]


def clone(
    label: str, table: str, copies: int, values: dict[str, str], where: str = "", join: str = ""
) -> None:
    """INSERT one row per original row and copy k = 1..copies: each column as is unless
    `values` gives its expression (over the original row `t` and the copy number `k`)."""
    names = columns(table)
    select = ", ".join(values.get(name, f"t.{name}") for name in names)
    run(
        label,
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {select} FROM {table} t "
        f"CROSS JOIN generate_series(1, %s::bigint) AS k {join} {where}",
        (copies,),
    )


def setval(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


base_requests = one("SELECT count(*) FROM transfers_transferrequest")
if not base_requests:
    sys.exit("no transfer requests to copy: run `transferwatch demo` on this database first")
if one("SELECT count(*) FROM agencies_agency WHERE ori LIKE 'ZZ%%'"):
    sys.exit("this database already holds the copies (agencies ZZ...): use a fresh one")

started = time.perf_counter()
copies = math.ceil(args.requests / base_requests) - 1
# Offsets: copy k of a row with id i gets id k * STRIDE + i, so keys never collide.
stride = {
    name: one(f"SELECT max(id) FROM {name}") + 1
    for name in (
        "transfers_person",
        "transfers_transferrequest",
        "transfers_classification",
        "transfers_reviewstep",
        "transfers_conviction",
        "transfers_charge",
    )
}
P, R = stride["transfers_person"], stride["transfers_transferrequest"]
SHIFT = "((k * 7919 + t.id) %% 3650 - 1095)::int"  # days: about three years back, seven forward

with transaction.atomic():
    run(
        "agencies",
        "INSERT INTO agencies_agency (ori, name, state, county_fips, peer_group, population, aor_id) "
        "SELECT 'ZZ' || lpad(n::text, 7, '0'), 'County ' || n || ' Sheriff', 'XX', '', '', "
        "5000 + n * 97 %% 400000, (SELECT id FROM accounts_area ORDER BY id "
        "OFFSET n %% (SELECT count(*) FROM accounts_area) LIMIT 1) FROM generate_series(1, %s) AS n",
        (args.agencies,),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE area_agency AS SELECT aor_id, array_agg(id ORDER BY id) AS ids, "
            "count(*) AS n FROM agencies_agency WHERE ori LIKE 'ZZ%%' GROUP BY aor_id"
        )
    clone(
        "people",
        "transfers_person",
        copies,
        {
            "id": f"k * {P} + t.id",
            "a_number": "CASE WHEN t.a_number = '' THEN '' ELSE "
            f"lpad(((k * {P} + t.id) %% 1000000000)::text, 9, '0') END",
            "subject_key": "CASE WHEN t.subject_key = '' THEN '' ELSE t.subject_key || '-' || k END",
        },
    )
    for table in ("transfers_conviction", "transfers_charge"):
        clone(
            table.split("_")[1] + "s",
            table,
            copies,
            {
                "id": f"k * {stride[table]} + t.id",
                "person_id": f"k * {P} + t.person_id",
                "date": f"t.date + {SHIFT}",
            },
        )
    clone(
        "transfer requests",
        "transfers_transferrequest",
        copies,
        {
            "id": f"k * {R} + t.id",
            "person_id": f"k * {P} + t.person_id",
            "request_date": f"least(t.request_date + {SHIFT}, DATE '2026-11-30')",
            "review_due": f"t.review_due + {SHIFT}",
            # Skewed as jails are: u^3 over the area's agencies gives its first a fifth.
            "agency_id": "coalesce(a.ids[1 + floor(a.n * power(((k * 31 + t.id) %% 10007) "
            "/ 10007.0, 3))::int], t.agency_id)",
            "facility_id": "NULL",
            "external_id": "CASE WHEN t.external_id = '' THEN '' ELSE t.external_id || '-' || k END",
            "natural_key": "CASE WHEN t.natural_key = '' THEN '' ELSE "
            "left(md5(t.natural_key || k), 32) END",
        },
        join="LEFT JOIN area_agency a ON a.aor_id = t.aor_id",
    )
    for table in ("transfers_classification", "transfers_reviewstep"):
        clone(
            table.split("_")[1],
            table,
            copies,
            {
                "id": f"k * {stride[table]} + t.id",
                "transfer_request_id": f"k * {R} + t.transfer_request_id",
            },
        )
    for table in stride:
        setval(table)

    # Allegations: the demo's few, copied to the number asked, received over 2019-2025.
    base_allegations = one("SELECT count(*) FROM cases_allegation")
    A = one("SELECT max(id) FROM cases_allegation") + 1
    a_copies = math.ceil(args.allegations / base_allegations) - 1
    RECEIVED = (
        "make_timestamptz((2019 + (k * 7 + t.id) %% 7)::int, (1 + k %% 11)::int, (1 + k %% 28)::int, 12, 0, 0, "
        "'UTC')"
    )
    statuses = (
        "(ARRAY['closed_no_action','closed_no_action','closed_no_action','referred',"
        "'referred','retained','triaged','received','closed_no_action','referred'])"
    )
    clone(
        "allegations",
        "cases_allegation",
        a_copies,
        {
            "id": f"k * {A} + t.id",
            "number": "'CRCL-A-' || (2019 + (k * 7 + t.id) %% 7) || '-X' || (k * "
            + str(A)
            + " + t.id)",
            "received_at": RECEIVED,
            "due_at": f"{RECEIVED} + interval '30 days'",
            "status": f"{statuses}[1 + (k + t.id) %% 10]",
            "merged_into_id": "NULL",
            "secret_hash": "''",
        },
    )
    # Numbers by year in order of receipt, as next_number gives them.
    run(
        "allegation numbers",
        "UPDATE cases_allegation a SET number = 'CRCL-A-' || s.year || '-' || "
        "lpad(s.n::text, 6, '0') FROM (SELECT id, extract(year FROM received_at)::int AS year, "
        "row_number() OVER (PARTITION BY extract(year FROM received_at) ORDER BY received_at, id) "
        "AS n FROM cases_allegation WHERE number LIKE '%%-X%%') s WHERE a.id = s.id",
    )
    setval("cases_allegation")
    clone(
        "involved people",
        "cases_involvedperson",
        a_copies,
        {
            "id": f"k * {one('SELECT max(id) FROM cases_involvedperson') + 1} + t.id",
            "allegation_id": f"k * {A} + t.allegation_id",
            "person_id": "NULL",
        },
    )
    setval("cases_involvedperson")
    # Inquiries and PD requests: one for ten allegations.
    INQ = one("SELECT max(id) FROM cases_inquiry") + 1
    i_copies = args.allegations // 10 // one("SELECT count(*) FROM cases_inquiry") - 1
    clone(
        "inquiries",
        "cases_inquiry",
        i_copies,
        {
            "id": f"k * {INQ} + t.id",
            "number": f"'CRCL-I-2025-' || lpad((k * {INQ} + t.id)::text, 6, '0')",
            "allegation_id": f"(1 + (k * 7) %% {a_copies}) * {A} + t.allegation_id",
            "status": "(ARRAY['open','investigating','findings','recommendations_sent',"
            "'response_received','closed','closed','closed'])[1 + k %% 8]",
        },
    )
    setval("cases_inquiry")
    D = one("SELECT max(id) FROM discretion_pdrequest") + 1
    clone(
        "PD requests",
        "discretion_pdrequest",
        i_copies,
        {
            "id": f"k * {D} + t.id",
            "number": f"'CRCL-PD-2025-' || lpad((k * {INQ} + t.id)::text, 6, '0')",
            "inquiry_id": f"k * {INQ} + t.inquiry_id",
            "person_id": f"((k - 1) %% {copies} + 1) * {P} + t.person_id",
            "transfer_id": "CASE WHEN t.transfer_id IS NULL THEN NULL ELSE "
            f"((k - 1) %% {copies} + 1) * {R} + t.transfer_id END",
            "status": "(ARRAY['draft','submitted','field_review','field_decided','hq_review',"
            "'hq_decided','final','final','final','withdrawn'])[1 + k %% 10]",
            "final_decision": "CASE WHEN k %% 10 IN (6, 7, 8) THEN "
            "(ARRAY['granted','denied'])[1 + k %% 2] ELSE '' END",
        },
    )
    setval("discretion_pdrequest")
    # The case steps of each copied allegation, inquiry and PD request.
    S = one("SELECT max(id) FROM cases_step") + 1
    for app, model, id_stride, n in (
        ("cases", "allegation", A, a_copies),
        ("cases", "inquiry", INQ, i_copies),
        ("discretion", "pdrequest", D, i_copies),
    ):
        clone(
            f"case steps ({model})",
            "cases_step",
            n,
            {"id": f"k * {S} + t.id", "object_id": f"k * {id_stride} + t.object_id"},
            where="WHERE t.content_type_id = (SELECT id FROM django_content_type "
            f"WHERE app_label = '{app}' AND model = '{model}') AND t.id < {S}",
        )
        S = one("SELECT max(id) FROM cases_step") + 1
    setval("cases_step")

with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
print(f"done in {time.perf_counter() - started:.0f} s:", flush=True)
for table in (
    "transfers_transferrequest",
    "transfers_person",
    "cases_allegation",
    "cases_inquiry",
    "discretion_pdrequest",
    "agencies_agency",
):
    print(f"  {table:<30}{one(f'SELECT count(*) FROM {table}'):>12,}")
