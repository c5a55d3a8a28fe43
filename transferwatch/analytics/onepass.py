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
    rules = contract.cell_rules(columns, set(present), today or date.today()) + row_rules
    # The table rule of `booking_rules` for unknown agencies, as a condition on one row. NOT IN
    # (a mark join on the small table) is the same test as its NOT EXISTS here (`known_agencies`
    # holds no NULL: its ori is the primary key) and costs a third of what the correlated
    # NOT EXISTS costs inside the CASE below (2 CPU seconds on 4 million rows).
    rules.append(
        contract.Rule(
            "ori",
            "(ori IS NOT NULL AND trim(ori) <> '' "
            "AND trim(ori) NOT IN (SELECT ori FROM known_agencies))",
            "unknown agency: import it in the agencies table first",
        )
    )
    any_bad = " OR ".join(r.condition for r in rules)
    typed = contract.typed_select(columns, set(present))
    return (
        f"SELECT {typed} FROM (SELECT {select} FROM {source}) AS s "  # noqa: S608
        f"WHERE CASE WHEN {any_bad} THEN error({quote(ROW_FAILS)}) ELSE true END"
    )


def repeated_booking_ids(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """How many booking ids more than one row of `table` has. The ids here are trimmed, those
    `check` compares are not: this finds every repeat `check` finds (and perhaps more, when the
    full check then decides)."""
    row = con.execute(
        f"SELECT count(*) FROM (SELECT booking_id FROM {table} "  # noqa: S608
        "WHERE booking_id IS NOT NULL GROUP BY booking_id HAVING count(*) > 1)"
    ).fetchone()
    return int(row[0]) if row else 0


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
        con.execute(
            f"COPY (SELECT *, {wh.QUARTER_SQL} AS quarter FROM ({sql})) TO "  # noqa: S608
            f"{quote(str(target))} (FORMAT parquet, PARTITION_BY (quarter), COMPRESSION snappy)"
        )
        for folder in sorted(target.glob("quarter=*")):
            files = sorted(str(p.relative_to(store.root)) for p in folder.glob("*.parquet"))
            listed = ", ".join(quote(str(store.root / f)) for f in files)
            row = con.execute(f"SELECT count(*) FROM read_parquet([{listed}])").fetchone()  # noqa: S608
            partitions[folder.name.removeprefix("quarter=")] = {
                "files": files,
                "rows": int(row[0]) if row else 0,
            }
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
