"""A clean bookings file into the Parquet warehouse in one read: checked and written together.

`warehouse.stage` copies a file into DuckDB, `warehouse.check` reads it again and
`BookingStore.commit` reads it a third time to write Parquet. For the usual case, a file with no
problem at all, that is two reads too many (issue 15). Here one query reads the file, applies
every rule `check` applies to a single row (the contract's cell rules, a request before its
booking, an agency that is known) and yields the typed rows; at the first row that breaks a rule
DuckDB stops it (`error()`). Into an empty warehouse those rows go straight into the new version
folder; into a non-empty one they are kept in a DuckDB table and `BookingStore.commit` merges
them as before. Repeated booking_ids need the whole file: they are counted over the rows kept,
before the manifest is replaced.

Nothing here names a problem. On any failure the written files are removed, the warehouse is as
it was, and `commit_clean_file` returns None: the caller then runs `stage`, `check` and
`commit`, which name every problem (file, row, column) exactly as they always have. So a file is
never checked less: the one-pass path only ever accepts a file the full check finds clean.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from transferwatch.analytics import contract
from transferwatch.analytics import warehouse as wh
from transferwatch.analytics.contract import quote

ROW_FAILS = "transferwatch: a row fails a check"


def connect(work_dir: Path, memory_limit: str = "1GB") -> duckdb.DuckDBPyConnection:
    """`warehouse.connect`, without insertion order: no row numbers are needed here, and
    DuckDB then reads, checks and writes in parallel. Quarter partitions are flushed in smaller
    pieces (131,072 rows, not 524,288): less memory held per open partition."""
    con = wh.connect(work_dir, memory_limit)
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET partitioned_write_flush_threshold = 131072")
    return con


def checked_bookings_sql(
    con: duckdb.DuckDBPyConnection, path: Path, name: str = "", today: date | None = None
) -> str | None:
    """One SELECT reading the bookings file once, stopping at the first row that breaks a row
    rule, and giving the typed rows (`contract.typed_select`). Table `known_agencies` must be
    loaded. None when the file cannot be read as the contract's table (the full path says why).
    """
    name = name or path.name
    try:
        fmt = wh.detect_format(path, name)
    except wh.InputProblem:
        return None
    source = (
        f"read_parquet({quote(str(path))})"
        if fmt == "parquet"
        else f"read_csv({quote(str(path))}, header = true, all_varchar = true, "
        "delim = ',', quote = '\"', escape = '\"', encoding = 'utf-8', "
        "buffer_size = 33554432)"  # as `warehouse.stage` reads it
    )
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()  # noqa: S608
    except duckdb.Error:
        return None
    columns = contract.BOOKING_COLUMNS
    header = {str(row[0]).strip().lower(): str(row[0]) for row in described}
    present = frozenset(c.name for c in columns if c.name in header)
    if any(c.required and c.name not in present for c in columns):
        return None
    select = ", ".join(f'CAST("{header[n]}" AS VARCHAR) AS "{n}"' for n in sorted(present))
    row_rules, _ = wh.booking_rules(present)
    any_bad = " OR ".join(maybe_bad(columns, present, today or date.today(), row_rules))
    typed = contract.typed_select(columns, set(present))
    return (
        f"SELECT {typed} FROM (SELECT {select} FROM {source}) AS s "  # noqa: S608
        f"WHERE CASE WHEN {any_bad} THEN error({quote(ROW_FAILS)}) ELSE true END"
    )


def maybe_bad(
    columns: tuple[contract.Column, ...],
    present: frozenset[str],
    today: date,
    row_rules: list[contract.Rule],
) -> list[str]:
    """SQL conditions over one staged row, one of which is true for every row `check` faults.

    They may also be true for a row `check` accepts (a code that is only spaces): such a file
    then goes the full way, which decides. Each is cheaper than the rules it stands for: one
    parse of a date, not four; a code compared once, without trim(); the required agency and
    the known agency in one test. `imports/tests/test_one_pass_rules.py` holds them against `check`
    on many awkward values. A kind of column not handled here keeps its contract rules.
    """
    today_sql = f"DATE '{today.isoformat()}'"
    earliest = f"DATE '{contract.EARLIEST.isoformat()}'"
    conditions = []
    for column in columns:
        if column.name not in present:
            continue
        c = f'"{column.name}"'
        # A required cell that is missing or blank; for ori, inside the known-agency test.
        required = column.required and column.name != "ori"
        blank = f"{c} IS NULL OR trim({c}) = ''"
        if column.kind == "text":
            check = ""
        elif column.kind == "code":
            allowed = ", ".join(quote(v) for v in ("", *column.codes))
            check = f"{c} NOT IN ({allowed})"  # NULL gives NULL: not a fault
        elif column.kind == "int":
            low = -(2**63) if column.minimum is None else column.minimum
            high = 2**63 - 1 if column.maximum is None else column.maximum
            check = f"{c} <> '' AND NOT coalesce(TRY_CAST({c} AS BIGINT) BETWEEN {low} AND {high}, false)"
        elif column.kind == "date":
            # A blank or missing date does not parse: the required test is in this one.
            parsed = f"TRY_STRPTIME({c}, '%Y-%m-%d')"
            in_range = f"coalesce({parsed} BETWEEN {earliest} AND {today_sql}, false)"
            if column.required:
                conditions.append(f"({c} IS NULL OR NOT {in_range})")
                continue
            check = f"{c} <> '' AND NOT {in_range}"
        elif column.kind == "pattern":
            check = f"{c} <> '' AND NOT regexp_full_match({c}, {quote(column.pattern)})"
        else:
            conditions += [r.condition for r in contract.cell_rules((column,), set(present), today)]
            continue
        if required:
            conditions.append(f"({blank})")
        if check:
            conditions.append(f"({check})")
    if "ori" in present:
        # Missing, blank or not a known agency (`known_agencies` holds no NULL: ori is its key).
        conditions.append(
            "(ori IS NULL OR trim(ori) NOT IN "
            "(SELECT ori FROM known_agencies WHERE trim(ori) <> ''))"
        )
    return conditions + [r.condition for r in row_rules]


def repeated_booking_ids(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """More than 0 if a booking id is on more than one row of `table` (how many rows more than
    distinct ids, counted on 64-bit hashes of the ids: a hash collision can only make it larger,
    and then the full check decides). The ids here are trimmed, those `check` compares are not:
    this finds every repeat `check` finds (and perhaps more)."""
    row = con.execute(
        f"SELECT count(booking_id) - count(DISTINCT hash(booking_id)) FROM {table}"  # noqa: S608
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def commit_clean_file(
    store: wh.BookingStore,
    path: Path,
    key: str,
    work_dir: Path,
    oris: list[str],
    name: str = "",
) -> wh.Committed | None:
    """Check and write a bookings file in one read; None (nothing changed) if it is not clean.

    The caller holds `store.lock()`. A failure to read or check the file gives None (the full
    path then names it); a failure to publish checked rows is raised, as `commit` raises it.
    """
    con = connect(work_dir)
    try:
        wh.load_known_agencies(con, oris)
        sql = checked_bookings_sql(con, path, name)
        if sql is None:
            return None
        if store.manifest()["rows"]:
            # Into a warehouse that holds bookings: the checked rows into a table, then `commit`.
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE checked_rows AS {sql}")
            except duckdb.Error:
                return None
            if repeated_booking_ids(con, "checked_rows"):
                return None
            return store.commit(con, "SELECT * FROM checked_rows", key)
        return _write_first(store, con, sql, key)
    finally:
        con.close()


def _write_first(
    store: wh.BookingStore, con: duckdb.DuckDBPyConnection, sql: str, key: str
) -> wh.Committed | None:
    """Into an empty warehouse: the checked rows straight into the new version's files."""
    store.remove_orphans()
    old = store.manifest()
    version = int(old["version"]) + 1
    target = store.root / f"v{version:06d}"
    partitions: dict[str, dict[str, Any]] = {}
    try:
        # RETURN_STATS: each file written and its rows, so nothing is read back to count them.
        written = con.execute(
            f"COPY (SELECT *, {wh.QUARTER_SQL} AS quarter FROM ({sql})) TO "  # noqa: S608
            f"{quote(str(target))} (FORMAT parquet, PARTITION_BY (quarter), COMPRESSION snappy, "
            "RETURN_STATS)"
        ).fetchall()
        for filename, rows, *_ in written:
            file = Path(filename)  # target/quarter=2015Q3/data_0.parquet
            quarter = file.parent.name.removeprefix("quarter=")
            part = partitions.setdefault(quarter, {"files": [], "rows": 0})
            part["files"].append(f"{target.name}/{file.parent.name}/{file.name}")
            part["rows"] += int(rows)
        for part in partitions.values():
            part["files"].sort()
        every = [quote(str(store.root / f)) for p in partitions.values() for f in p["files"]]
        if every and repeated_booking_ids(con, f"read_parquet([{', '.join(every)}])"):
            shutil.rmtree(target, ignore_errors=True)
            return None
    except duckdb.Error:
        shutil.rmtree(target, ignore_errors=True)
        return None
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    total = sum(int(p["rows"]) for p in partitions.values())
    store._replace_manifest(  # the one atomic step, as in `commit`
        {
            "format": 1,
            "version": version,
            "partitions": dict(sorted(partitions.items())),
            "imports": [*old["imports"], key],
            "rows": total,
            "updated": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    store.remove_orphans()
    return wh.Committed(total, 0, tuple(sorted(partitions)), total)
