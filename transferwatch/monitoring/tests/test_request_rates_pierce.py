"""On the Pierce County jail extract (../shared/data/pierce/, imported with the shipped `pierce`
profile), the request rates of a monitoring run count the same bookings and ICE holds by race as
a plain DuckDB query over the published files.

Skipped when ../shared/data is absent (it is never copied into the repository).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.core.management import call_command

from transferwatch.imports.warehouse import import_agencies
from transferwatch.monitoring import services
from transferwatch.monitoring.models import AgencyResult

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "pierce"
FILES = ("no_charges.csv", "max_charge_other.csv")
JAIL = "WA027XXXX"  # a placeholder ORI for the jail's operator (the file names no agency)
# the published categories, as the profile maps them, under the request-rate groups
GROUP = (
    "CASE race_desc WHEN 'HISPANIC' THEN 'hispanic' WHEN 'WHITE' THEN 'white' "
    "WHEN 'BLACK' THEN 'black' WHEN 'ASIAN/PACIFIC ISLAND' THEN 'asian_pacific_islander' "
    "WHEN 'AMER INDIAN/ALASKAN' THEN 'american_indian_alaska_native' ELSE 'unknown' END"
)

pytestmark = pytest.mark.skipif(
    not all((DATA / f).is_file() for f in FILES),
    reason="the Pierce County files in ../shared/data/pierce are not here",
)


def test_holds_per_booking_by_race_equal_a_plain_query_of_the_files(
    tmp_path: Path, settings: Any, db: Any, capsys: Any
) -> None:
    settings.DATA_DIR = tmp_path / "var"
    settings.WAREHOUSE_DIR = tmp_path / "var" / "warehouse"
    agencies = tmp_path / "agencies.csv"
    agencies.write_text(f"ori,name,state\n{JAIL},Pierce County jail,WA\n", encoding="utf-8")
    assert import_agencies(agencies).status == "done"
    for name in FILES:
        call_command("import", "bookings", str(DATA / name), "--profile", "pierce", "--ori", JAIL)
    capsys.readouterr()
    run = services.execute(services.queue(None))
    assert run.status == "done", run.message
    rates = AgencyResult.objects.get(run=run, agency__ori=JAIL).request_rates

    listed = ", ".join(f"'{DATA / name}'" for name in FILES)
    con = duckdb.connect()
    try:
        plain = con.execute(
            f"SELECT {GROUP} AS g, count(DISTINCT booking_id), "
            "count(DISTINCT booking_id) FILTER (WHERE imm_hold = '1') "
            f"FROM read_csv([{listed}], all_varchar = true, union_by_name = true) GROUP BY g"
        ).fetchall()
    finally:
        con.close()
    expected = {g: (n, holds) for g, n, holds in plain}
    assert sum(n for n, _ in expected.values()) == 8984
    assert sum(h for _, h in expected.values()) > 0
    assert {r["group"]: (r["bookings"], r["requests"]) for r in rates} == expected
    by = {r["group"]: r for r in rates}
    reference = max((g for g in expected if g != "unknown"), key=lambda g: expected[g][0])
    assert {r["reference"] for r in rates} == {reference}
    for r in rates:
        assert r["rate"] == pytest.approx(r["requests"] / r["bookings"])
        if r["group"] != reference and r["requests"]:
            assert r["ci_low"] < r["ratio"] < r["ci_high"]
    assert by[reference]["ratio"] == 1.0
