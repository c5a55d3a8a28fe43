"""The one pass's cheaper conditions (`onepass.maybe_bad`) are true for every row `check` faults.

A row that `maybe_bad` let through while `check` faults it would be imported unchecked; a row it
flags while `check` accepts it only sends the file the full way. So, over many awkward values in
every column (and every pair of dates), the rows `check` puts in `bad_rows` must all be flagged,
and a clean row must not be.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from transferwatch.analytics import contract, onepass
from transferwatch.analytics import warehouse as wh

TODAY = date(2026, 6, 15)
CLEAN = {
    "booking_id": "b",
    "ori": "PA0460000",
    "booking_date": "2015-03-01",
    "person_id": "p1",
    "sex": "M",
    "age": "30",
    "race": "W",
    "ethnicity": "H",
    "lep": "Y",
    "birth_country": "MX",
    "offense_code": "5404",
    "offense_category": "minor_traffic",
    "offense_severity": "infraction",
    "disposition": "dismissed",
    "ice_match": "Y",
    "transfer_request": "detainer",
    "request_date": "2015-03-02",
    "pep_eligible": "N",
    "request_outcome": "transferred",
    "encounter": "arrest",
}
DATES = [
    "2015-03-01", "2015-3-1", "2015-03-1", " 2015-03-01", "2015-03-01 ", "2015/03/01", "2015.03.01",
    "20150301", "15-03-01", "2015-02-29", "2016-02-29", "2015-02-30", "2015-13-01", "2015-00-10",
    "2015-03-00", "1990-01-01", "1989-12-31", "0001-01-01", "-2015-03-01", "+2015-03-01",
    "2015-03-01T00:00:00", "2015-03-01 00:00:00", "2015-03-01 BC", "02015-03-01", "2015-03-02",
    "2015-02-28", TODAY.isoformat(), (TODAY + timedelta(days=1)).isoformat(), "9999-12-31",
    "infinity", "epoch", "today",
]  # fmt: skip
AWKWARD = [
    None, "", " ", "  ", "\t", "\u00a0", "0", "-0", "+5", " 5", "5 ", "5.0", "1e2", "0x10", "120",
    "121", "-1", "00030", "9223372036854775807", "9223372036854775808", "30", "x", "X", " x",
    "MX", "mx", " MX", "MX ", "M X", "MEX", "M1", "12", "ÉÉ", "PA0460000", " PA0460000",
    "PA0460000 ", "pa0460000", "ZZ0000000", "null", "NULL", "'", "\"", ",",
    *DATES,
]  # fmt: skip


def every_value() -> list[str | None]:
    codes = [v for c in contract.BOOKING_COLUMNS for v in c.codes]
    spaced = [f(v) for v in codes for f in (" {}".format, "{} ".format, str.lower, str.upper)]
    return [*AWKWARD, *codes, *spaced]


def test_every_row_check_faults_is_flagged(tmp_path: Path) -> None:
    names = [c.name for c in contract.BOOKING_COLUMNS]
    assert set(CLEAN) == set(names)
    rows: list[dict[str, str | None]] = [dict(CLEAN)]
    for name in names:
        rows += [{**CLEAN, name: value} for value in every_value()]
    rows += [{**CLEAN, "booking_date": b, "request_date": r} for b in DATES for r in DATES]
    for i, values in enumerate(rows):  # distinct ids: repeats are counted elsewhere
        if values["booking_id"] == "b":
            values["booking_id"] = f"b{i}"
    con = duckdb.connect()
    con.execute("CREATE TABLE staged_rows (" + ", ".join(f'"{n}" VARCHAR' for n in names) + ")")
    con.executemany(
        f"INSERT INTO staged_rows VALUES ({', '.join('?' for _ in names)})",
        [[r[n] for n in names] for r in rows],
    )
    con.execute("CREATE TEMP VIEW staged AS SELECT rowid + 2 AS _row, * FROM staged_rows")
    wh.load_known_agencies(con, ["PA0460000", "XX0000001"])
    present = frozenset(names)
    row_rules, table_rules = wh.booking_rules(present)
    agencies = [rule for rule in table_rules if "unknown agency" in rule[1]]
    checked = wh.check(con, contract.BOOKING_COLUMNS, present, row_rules, agencies, TODAY)
    assert checked.bad_rows > len(rows) // 2
    flagged = " OR ".join(onepass.maybe_bad(contract.BOOKING_COLUMNS, present, TODAY, row_rules))
    missed = con.execute(
        "SELECT s.* FROM staged s JOIN bad_rows b USING (_row) "
        f"WHERE NOT coalesce({flagged}, false) LIMIT 5"
    ).fetchall()
    assert missed == []
    clean = con.execute(f"SELECT coalesce({flagged}, false) FROM staged WHERE _row = 2").fetchone()
    assert clean == (False,)
