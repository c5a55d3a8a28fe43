"""The monitoring counts and the request-rate counts of a run on DuckDB, in one read.

`aggregate.counts_expr` (per agency, before/after activation, quarter, ethnicity, LEP and
offence class) and `rates.rates_expr` (per agency and group of people) count the same bookings:
those of the run's period (when the period is not given, the data's first and last booking dates,
which keep every row). Run one after the other, each reads the bookings: a CSV file is parsed
twice. Here one GROUP BY over the keys of both (`both_expr`, an Ibis expression made of the
same per-booking columns, `aggregate.counts_columns` and `rates.rates_columns`) reads the
bookings once into a small table, which DuckDB sums up into each of the two results. The
results are the same tables (the rows in another order, as a hash aggregation gives them anyway).

The PostgreSQL and Spark stores run the two expressions as they are.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date

import duckdb
import ibis  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]
import numpy as np

from transferwatch.analytics.aggregate import (
    COUNT_COLUMNS,
    COUNT_KEYS,
    OPTIONAL_BOOKING_COLUMNS,
    REQUIRED_BOOKING_COLUMNS,
    AgencyInfo,
    Counts,
    MonitorInputError,
    _column_types,
    _ibis_type,
    _read_error,
    bookings_header,
    close_bookings,
    counts_columns,
    counts_from,
    counts_metrics,
    joined_rows,
    open_bookings,
)
from transferwatch.analytics.rates import COUNTS, RATE_COLUMNS, GroupCounts, rates_columns

# the counts of `rates.COUNTS` that `counts_expr` does not make, under names of their own
RATE_ONLY = {"requests": "rate_requests", "request_known": "request_known", "stops": "stops"}
RATE_ONLY_FLAGS = {"requests": "is_request", "request_known": "is_known", "stops": "is_stop"}


def both_expr(
    bookings: ir.Table,
    activation: ir.Table,
    present: frozenset[str],
    rate_present: frozenset[str],
    period_from: date | None,
    period_to: date | None,
) -> ir.Table:
    """The counts of `aggregate.counts_expr` per its keys and ``grp``, with the counts only
    `rates.rates_expr` makes (`RATE_ONLY`); `present` and `rate_present` as each takes them.

    ``minor``, ``disposed`` and ``dismissed`` are defined alike in both (the tests hold them to
    it); ``first_day`` and ``last_day`` as in `counts_expr`.
    """
    j = joined_rows(bookings, activation, period_from, period_to)
    rates = rates_columns(j, rate_present)
    rows = j.select(
        **counts_columns(j, present),
        grp=rates["grp"],
        **{f"rate_{flag}": rates[flag] for flag in RATE_ONLY_FLAGS.values()},
    )
    extra = {
        RATE_ONLY[name]: rows.count(where=rows[f"rate_{flag}"])
        for name, flag in RATE_ONLY_FLAGS.items()
    }
    return rows.group_by([*COUNT_KEYS, "grp"]).aggregate(**counts_metrics(rows), **extra)


@functools.lru_cache(maxsize=32)
def _both_sql(
    types: tuple[tuple[str, str], ...],
    present: frozenset[str],
    rate_present: frozenset[str],
    period_from: date | None,
    period_to: date | None,
) -> str:
    """`both_expr` compiled to DuckDB SQL (as `aggregate._counts_sql`)."""
    bookings = ibis.table({c: _ibis_type(t) for c, t in types}, name="monitor_bookings")
    activation = ibis.table({"ori": "string", "activation_date": "date"}, name="monitor_activation")
    expr = both_expr(bookings, activation, present, rate_present, period_from, period_to)
    return str(ibis.to_sql(expr, dialect="duckdb"))


def _rollup(keys: Sequence[str], names: dict[str, str], extra: str = "") -> str:
    """Sums of the table of `both_expr` by `keys`: result name -> column summed."""
    sums = ", ".join(f'CAST(sum("{c}") AS BIGINT) AS "{name}"' for name, c in names.items())
    grouped = ", ".join(keys)
    return f"SELECT {grouped}, {sums}{extra} FROM monitor_both GROUP BY {grouped}"  # noqa: S608


# the two results, summed from the table of `both_expr` (written by `aggregate_both`)
COUNTS_SQL = _rollup(
    COUNT_KEYS,
    {c: c for c in COUNT_COLUMNS},
    ", min(first_day) AS first_day, max(last_day) AS last_day",
)
RATES_SQL = _rollup(("ori", "grp"), {c: RATE_ONLY.get(c, c) for c in COUNTS})


def aggregate_both(
    source: str,
    agencies: Sequence[AgencyInfo],
    period_from: date | None,
    period_to: date | None,
    described: dict[str, tuple[str, str]] | None,
    con: duckdb.DuckDBPyConnection,
) -> tuple[Counts, GroupCounts, date, date]:
    """`aggregate.aggregate` and `rates.group_counts` over the table expression `source` (CSV
    or Parquet files), reading it once: the same results, the same errors."""
    if described is None:
        described = _column_types(con, source)
    header = bookings_header(described, period_from, period_to)
    present = frozenset(c for c in OPTIONAL_BOOKING_COLUMNS if c in header)
    rate_present = frozenset(c for c in RATE_COLUMNS if c in header)
    wanted = (*REQUIRED_BOOKING_COLUMNS, *sorted(present | rate_present))
    types = tuple((c, described[c][1]) for c in wanted)
    sql = _both_sql(types, present, rate_present, period_from, period_to)
    try:
        open_bookings(con, source, header, wanted, agencies)
        con.execute(f"CREATE OR REPLACE TEMP TABLE monitor_both AS {sql}")
        result = con.sql(COUNTS_SQL).fetchnumpy()
        by_group = con.sql(RATES_SQL).fetchnumpy()
    except Exception as exc:  # DuckDB conversion errors surface under several classes
        raise MonitorInputError(_read_error(str(exc), type(exc).__name__)) from None
    finally:
        close_bookings(con)
        con.execute("DROP TABLE IF EXISTS monitor_both")
    counts, first, last = counts_from(result, agencies, period_from, period_to, present)
    groups = GroupCounts(
        ori=np.asarray(by_group["ori"], dtype=str),
        grp=np.asarray(by_group["grp"], dtype=str),
        values={c: np.asarray(by_group[c], dtype=np.int64) for c in COUNTS},
        present=rate_present,
    )
    return counts, groups, first, last
