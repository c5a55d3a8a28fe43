"""The real published files in ../shared/data import through a profile, with no script of their
own, and what is stored agrees with a plain DuckDB query of the same files.

Skipped when ../shared/data is absent (it is never copied into the repository).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.core.management import call_command

from transferwatch.imports.tests.conftest import write
from transferwatch.imports.warehouse import import_agencies, store

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
MOUNTAIN_VIEW = "CA0431100"
LOS_ALTOS = "CA043XXXX"  # a placeholder: the user supplies Los Altos PD's ORI
PIERCE_JAIL = "WA027XXXX"  # a placeholder: the user supplies the jail operator's ORI

pytestmark = pytest.mark.skipif(
    not (DATA / "ripa").is_dir() or not (DATA / "pierce").is_dir(),
    reason="the real files in ../shared/data are not here",
)


@pytest.fixture
def agencies(data_dir: Path) -> None:
    path = write(
        data_dir / "agencies.csv",
        "ori,name,state",
        f"{MOUNTAIN_VIEW},Mountain View Police Department,CA",
        f"{LOS_ALTOS},Los Altos Police Department,CA",
        f"{PIERCE_JAIL},Pierce County jail,WA",
    )
    assert import_agencies(path).status == "done"


def stored(sql: str) -> list[tuple[Any, ...]]:
    return duckdb.sql(sql.format(bookings=store().scan_sql())).fetchall()


def command(*args: str, capsys: Any) -> str:
    call_command("import", "bookings", *args)
    return str(capsys.readouterr().out).strip()


@pytest.mark.usefixtures("agencies")
def test_mountain_view_ripa_files_import_with_the_profile(capsys: Any) -> None:
    files = sorted((DATA / "ripa").glob("MVPD_*.csv"))
    for path in files:
        out = command(str(path), "--profile", "ripa", capsys=capsys)
        assert out.startswith(f"{path.name} (ripa, layout state, read as utf-8): ")
    listed = ", ".join(f"'{p}'" for p in files)
    source = f"read_csv([{listed}], all_varchar = true, union_by_name = true)"
    expected = duckdb.sql(
        f"SELECT count(DISTINCT (LEARecordID, PID)), count(*) FILTER (WHERE Is_LimEng = 'Y'), "
        f"count(*) FILTER (WHERE Ethn ILIKE '%hispanic%'), "
        f"count(*) FILTER (WHERE StReas = 'Traffic Violation') FROM {source}"
    ).fetchall()
    assert expected[0][0] == 6796
    assert (
        stored(
            "SELECT count(*), count(*) FILTER (WHERE lep = 'Y'), "
            "count(*) FILTER (WHERE ethnicity = 'H'), "
            "count(*) FILTER (WHERE offense_severity = 'infraction') "
            f"FROM {{bookings}} WHERE ori = '{MOUNTAIN_VIEW}' AND encounter = 'stop'"
        )
        == expected
    )


@pytest.mark.usefixtures("agencies")
def test_los_altos_exports_import_with_ori_and_overlaps_replace(
    capsys: Any, tmp_path: Path
) -> None:
    names = [
        "LAPD_RIPA_DATA_202101_202206.csv",
        "LAPD_RIPA_DATA_2022.csv",
        "LAPD_RIPA_DATA_2023.csv",
    ]
    outs = [
        command(str(DATA / "ripa" / n), "--profile", "ripa", "--ori", LOS_ALTOS, capsys=capsys)
        for n in names
    ]
    assert "read as utf-8" in outs[0] and "read as cp125" in outs[1]
    # Independently: each file decoded here (the first is UTF-8 with a BOM, the others
    # Windows-1252), then counted by DuckDB; where files overlap, the last file wins.
    copies = []
    for name, enc in zip(names, ("utf-8-sig", "cp1252", "cp1252"), strict=True):
        copy = tmp_path / name
        copy.write_text((DATA / "ripa" / name).read_bytes().decode(enc), encoding="utf-8")
        copies.append(copy)
    parts = " UNION ALL ".join(
        f"SELECT {i} AS f, trim(stopID) AS s, trim(PID) AS p, trim(perceivedLimitedEnglish) AS l "
        f"FROM read_csv('{copy}', all_varchar = true)"
        for i, copy in enumerate(copies)
    )
    con = duckdb.connect()
    con.execute(f"CREATE TABLE raw AS {parts}")
    total, lep = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE l = 'TRUE') FROM "
        "(SELECT s, p, arg_max(l, f) AS l FROM raw GROUP BY s, p)"
    ).fetchall()[0]
    overlap = con.execute(
        "SELECT count(*) FROM raw a WHERE f = 1 AND EXISTS "
        "(SELECT 1 FROM raw b WHERE b.f = 0 AND b.s = a.s AND b.p = a.p)"
    ).fetchall()[0][0]
    assert (total, overlap) == (4762, 747)
    assert f"({overlap} replacing earlier rows)" in outs[1]
    assert stored(
        "SELECT count(*), count(*) FILTER (WHERE lep = 'Y') "
        f"FROM {{bookings}} WHERE ori = '{LOS_ALTOS}'"
    ) == [(total, lep)]


RACE_GROUP = (
    "CASE WHEN ethnicity = 'H' THEN 'HISPANIC' WHEN race = 'W' THEN 'WHITE' "
    "WHEN race = 'B' THEN 'BLACK' WHEN race = 'A' THEN 'ASIAN/PACIFIC ISLAND' "
    "WHEN race = 'I' THEN 'AMER INDIAN/ALASKAN' ELSE 'UNKNOWN' END"
)


@pytest.mark.usefixtures("agencies")
def test_pierce_charges_become_bookings_with_holds_by_race(capsys: Any) -> None:
    files = [DATA / "pierce" / "no_charges.csv", DATA / "pierce" / "max_charge_other.csv"]
    for path in files:
        out = command(str(path), "--profile", "pierce", "--ori", PIERCE_JAIL, capsys=capsys)
        assert out.startswith(f"{path.name} (pierce, read as utf-8) from ")
    listed = ", ".join(f"'{p}'" for p in files)
    source = f"read_csv([{listed}], all_varchar = true, union_by_name = true)"
    expected = duckdb.sql(
        "SELECT race_desc, count(DISTINCT booking_id), "
        "count(DISTINCT booking_id) FILTER (WHERE imm_hold = '1') "
        f"FROM {source} GROUP BY race_desc ORDER BY race_desc"
    ).fetchall()
    assert sum(n for _, n, _ in expected) == 8984 and sum(h for _, _, h in expected) == 62
    assert (
        stored(
            f"SELECT {RACE_GROUP} AS g, count(*), count(*) FILTER "
            "(WHERE transfer_request = 'detainer') "
            f"FROM {{bookings}} WHERE ori = '{PIERCE_JAIL}' GROUP BY g ORDER BY g"
        )
        == expected
    )
    # A hold is never the most serious charge: only bookings of holds alone get the category
    # of one (immigration_status for HOLD IMMIGRAT).
    holds_only = {
        r[0]
        for r in duckdb.sql(
            f"SELECT booking_id FROM {source} GROUP BY booking_id "
            "HAVING bool_and(booking_charge_desc ILIKE 'HOLD %')"
        ).fetchall()
    }
    as_hold = {
        r[0]
        for r in stored(
            "SELECT booking_id FROM {bookings} WHERE offense_category = 'immigration_status'"
        )
    }
    assert as_hold and as_hold <= holds_only


@pytest.mark.usefixtures("agencies")
def test_the_two_ripa_agencies_get_lep_figures_without_peer_comparison(capsys: Any) -> None:
    """Issue 13: Mountain View and Los Altos each get LEP figures with exact intervals, marked as
    without peer comparison (two agencies cannot give a usual spread), and the indicators that
    need charges or ICE requests say they do not apply to stops."""
    from transferwatch.analytics.aggregate import AgencyInfo
    from transferwatch.analytics.monitor import run

    for path in sorted((DATA / "ripa").glob("MVPD_*.csv")):
        command(str(path), "--profile", "ripa", capsys=capsys)
    for path in sorted((DATA / "ripa").glob("LAPD_*.csv")):
        command(str(path), "--profile", "ripa", "--ori", LOS_ALTOS, capsys=capsys)
    doc = run(store().scan_sql(), [AgencyInfo(MOUNTAIN_VIEW), AgencyInfo(LOS_ALTOS)])
    by_ori = {a["ori"]: {i["name"]: i for i in a["indicators"]} for a in doc["agencies"]}
    for ori in (MOUNTAIN_VIEW, LOS_ALTOS):
        minor, lep_stops = stored(
            "SELECT count(*) FILTER (WHERE offense_severity = 'infraction' AND lep = 'Y'), "
            "count(*) FILTER (WHERE lep = 'Y') "
            f"FROM {{bookings}} WHERE ori = '{ori}'"
        )[0]
        lep = by_ori[ori]["lep_minor_offense"]
        assert lep["estimate"] is not None and lep["ci_low"] < lep["estimate"] < lep["ci_high"]
        assert "no peer comparison: 2 agencies" in lep["explanation"]
        assert f"{minor} of {lep_stops} for people with limited English" in lep["explanation"]
        assert "stops" in lep["explanation"] and "arrests" not in lep["explanation"]
        assert "does not apply to stops" in by_ori[ori]["dismissal_disparity"]["explanation"]
