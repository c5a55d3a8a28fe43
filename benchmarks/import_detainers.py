"""Detainer import speed and memory: a release in the newer layout, imported and classified.

    .venv/bin/python benchmarks/import_detainers.py [--rows 1000000]

Makes a CSV in the `ice-anonymized-identifier` layout (6 title rows, every column of the layout)
with DuckDB: 300 facilities in 3 states, prepare dates over 2015-2016, a person key per 3 rows,
criminality 1/2/3 with a dated most serious conviction or charge, lift reasons, redacted birth
countries. Imports it through the function `transferwatch import detainers` uses, then
classifies every request as the command does, and prints rows/s for each step and for both,
and the process's peak resident memory. The goal (issue 12) is 50,000 rows/s including
classification, under 2 GB.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import _django

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=1_000_000)
args = parser.parse_args()

_django.start()
import duckdb  # noqa: E402
import time_machine  # noqa: E402

from transferwatch.imports.detainers import import_detainers  # noqa: E402
from transferwatch.imports.layouts import LAYOUTS  # noqa: E402
from transferwatch.imports.services import classification_message, classify_imported  # noqa: E402

layout = LAYOUTS["ice-anonymized-identifier"]
c = layout.columns
values = {
    c["date"]: "strftime(DATE '2015-01-05' + CAST(i % 720 AS INTEGER), '%Y-%m-%d')",
    c["state"]: "['PA','NJ','DE'][1 + (i // 7) % 3]",
    c["aor"]: "'Philadelphia'",
    c["facility"]: "'COUNTY ' || ((i // 7) % 300) || ' JAIL'",
    c["facility_code"]: "'F' || lpad(CAST((i // 7) % 300 AS VARCHAR), 5, '0')",
    c["criminality"]: "['1 Convicted Criminal','2 Pending Criminal Charges',"
    "'3 Other Immigration Violator'][1 + i % 3]",
    c["threat_level"]: "CASE WHEN i % 3 = 0 THEN CAST(1 + i % 3 AS VARCHAR) ELSE '' END",
    c["gender"]: "['Male','Female'][1 + i % 2]",
    c["citizenship"]: "['MEXICO','GUATEMALA','HONDURAS','EL SALVADOR'][1 + i % 4]",
    c["birth_country"]: "CASE WHEN i % 50 = 0 THEN '(b)(6)' ELSE 'MEXICO' END",
    c["birth_year"]: "CAST(1960 + i % 40 AS VARCHAR)",
    c["case_status"]: "'ACTIVE'",
    c["processing_disposition"]: "'Notice to Appear (I-862)'",
    c["apprehension_method"]: "'CAP Local Incarceration'",
    c["msc_charge"]: "CASE WHEN (i // 3) % 3 = 2 THEN '' ELSE ['DRIVING UNDER INFLUENCE LIQUOR',"
    "'TRAFFIC OFFENSE','ASSAULT','BURGLARY','COCAINE-SELL'][1 + (i // 3) % 5] END",
    c[
        "msc_charge_code"
    ]: "CASE WHEN (i // 3) % 3 = 2 THEN '' ELSE ['5404','5499','1399','2299','3530']"
    "[1 + (i // 3) % 5] END",
    c["msc_charge_date"]: "CASE WHEN (i // 3) % 3 = 1 THEN strftime(DATE '2014-12-01' + "
    "CAST(i % 720 AS INTEGER), '%Y-%m-%d') ELSE '' END",
    c[
        "msc_date"
    ]: "CASE WHEN (i // 3) % 3 = 0 THEN strftime(DATE '2013-01-01' + CAST(i % 600 AS INTEGER),"
    " '%Y-%m-%d') ELSE '' END",
    c["msc_sentence_days"]: "CASE WHEN (i // 3) % 3 = 0 THEN CAST(i % 400 AS VARCHAR) ELSE '' END",
    c[
        "aggravated_felon"
    ]: "CASE WHEN (i // 3) % 3 = 0 AND (i // 3) % 5 IN (2, 3, 4) THEN 'YES' ELSE 'NO' END",
    c["pc_biometric_match"]: "'YES'",
    c["lift_reason"]: "['Booked into Detention','','Lifted','Died','Early Release'][1 + i % 5]",
    c["type"]: "['I-247D','I-247N'][1 + i % 2]",
    c["unique_id"]: "'P' || (i // 3)",
}
folder = Path(tempfile.mkdtemp(prefix="tw-bench-detainers-"))
body = folder / "body.csv"
columns = ", ".join(f'{expr} AS "{name}"' for name, expr in values.items())
t0 = time.perf_counter()
duckdb.sql(f"COPY (SELECT {columns} FROM range({args.rows}) t(i)) TO '{body}' (HEADER)")
release = folder / "release.csv"
with release.open("wb") as out:
    out.write(b"U.S. Immigration and Customs Enforcement\n" * 5 + b"\n")
    with body.open("rb") as source:
        while block := source.read(1 << 24):
            out.write(block)
body.unlink()
print(
    f"made {args.rows:,} rows ({release.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s"
)

with time_machine.travel("2017-01-15 12:00:00+00:00", tick=True):
    t0 = time.perf_counter()
    imp = import_detainers(release)
    t_import = time.perf_counter() - t0
    print(imp.message.splitlines()[0])
    t0 = time.perf_counter()
    counts = classify_imported(imp)
    t_classify = time.perf_counter() - t0
print(classification_message(counts))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
total = t_import + t_classify
print(f"import:   {t_import:7.1f} s  {args.rows / t_import:9,.0f} rows/s")
print(f"classify: {t_classify:7.1f} s  {args.rows / t_classify:9,.0f} rows/s")
print(f"both:     {total:7.1f} s  {args.rows / total:9,.0f} rows/s  (goal 50,000 rows/s)")
print(f"peak memory {peak:,.0f} MB (goal under 2,048 MB)")

# Where the time goes, against two floors measured in this run: reading the CSV with nothing
# else (csv.reader over every cell), and the priority engine alone on cases already built.
import csv  # noqa: E402
from datetime import date  # noqa: E402

from transferwatch import policy  # noqa: E402

t0 = time.perf_counter()
with release.open(encoding="utf-8", newline="") as handle:
    read = sum(1 for _ in csv.reader(handle))
t_read = time.perf_counter() - t0
case = {
    "id": "x",
    "as_of": "2015-08-01",
    "probable_cause": ["biometric_match"],
    "convictions": [
        {"date": "2013-02-01", "severity": "felony", "categories": ["burglary"],
         "incident": "a", "sentence_days": 365, "suspended": False}
    ],
    "pending_charges": [],
}  # fmt: skip
n = 200_000
chosen = policy.get_policy("pep-2014")
t0 = time.perf_counter()
for _ in range(n):
    result = policy.classify(policy.parse_case(case, today=date(2017, 1, 15)), chosen, True)
    policy.result_to_json(result)
t_engine = (time.perf_counter() - t0) / n * args.rows
print(f"floor: csv.reader alone {t_read:6.1f} s  ({args.rows / t_read:9,.0f} rows/s)")
print(
    f"floor: the engine alone {t_engine:6.1f} s  ({args.rows / t_engine:9,.0f} cases/s, parse + "
    "classify + explain, as the import needs)"
)
budget = args.rows / 50_000
print(
    f"the goal's budget for everything: {budget:.1f} s; the two floors take "
    f"{t_read + t_engine:.1f} s of it"
)
