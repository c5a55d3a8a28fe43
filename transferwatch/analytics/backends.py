"""The monitoring aggregations (`counts_expr`, `rates.rates_expr`) on any Ibis backend: DuckDB,
PostgreSQL, PySpark.

`transferwatch monitor` runs `aggregate.aggregate` on DuckDB over files. When the bookings already
sit in another database (a PostgreSQL warehouse, a Spark cluster), `counts_table` runs the very
same Ibis expression there and brings back only the small aggregated table, with the columns and
types of the DuckDB path (see `aggregate`'s module docstring), sorted by its key columns;
`rates_table` does the same for the counts by race and ethnicity (`rates.group_counts`).

Tested on PostgreSQL and on PySpark in local mode against the DuckDB path
(`transferwatch/analytics/tests/test_backends.py`); see docs/backends.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis.expr.types as ir  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]

from transferwatch.analytics.aggregate import (
    COUNT_COLUMNS,
    OPTIONAL_BOOKING_COLUMNS,
    REQUIRED_BOOKING_COLUMNS,
    MonitorInputError,
    counts_expr,
)
from transferwatch.analytics.rates import COUNTS as RATE_COUNTS
from transferwatch.analytics.rates import RATE_COLUMNS, rates_expr

KEY_COLUMNS = ("ori", "post", "quarter", "eth", "lep", "cell")

RESULT_SCHEMA = pa.schema(
    [
        ("ori", pa.string()),
        ("post", pa.bool_()),
        ("quarter", pa.int64()),
        ("eth", pa.string()),
        ("lep", pa.string()),
        ("cell", pa.int64()),
        *((c, pa.int64()) for c in COUNT_COLUMNS),
        ("first_day", pa.date32()),
        ("last_day", pa.date32()),
    ]
)

RATES_SCHEMA = pa.schema(
    [("ori", pa.string()), ("grp", pa.string()), *((c, pa.int64()) for c in RATE_COUNTS)]
)


def _lower(table: ir.Table, wanted: tuple[str, ...], what: str) -> ir.Table:
    """`table` with the columns of `wanted` it has, renamed to lower case; others dropped."""
    by_lower = {str(name).strip().lower(): str(name) for name in table.columns}
    required = REQUIRED_BOOKING_COLUMNS if what == "bookings" else ("ori", "activation_date")
    missing = [c for c in required if c not in by_lower]
    if missing:
        raise MonitorInputError(
            f"{what}: missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        )
    return table.select(**{c: table[by_lower[c]] for c in wanted if c in by_lower})


def _activation(agencies: ir.Table) -> ir.Table:
    """``ori`` (text) and ``activation_date`` (date; text cells read as ``YYYY-MM-DD...``)."""
    a = _lower(agencies, ("ori", "activation_date"), "agencies")
    when: Any = a.activation_date
    if when.type().is_string():
        when = when.strip().nullif("").substr(0, 10)
    return a.select(ori=a.ori.cast("string").strip(), activation_date=when.cast("date"))


def counts_table(
    bookings: ir.Table,
    agencies: ir.Table,
    period_from: date | None = None,
    period_to: date | None = None,
) -> pa.Table:
    """Run the monitoring aggregation where `bookings` and `agencies` live; a small Arrow table.

    Parameters
    ----------
    bookings : an Ibis table of any backend with (in any letter case) ``ori`` and
        ``booking_date`` (date, or ``YYYY-MM-DD`` text) and any of `OPTIONAL_BOOKING_COLUMNS`
        (text); other columns are ignored.
    agencies : an Ibis table on the same connection with ``ori`` and ``activation_date``.
    period_from, period_to : the bookings counted, both dates inclusive (None: no limit).

    Returns
    -------
    pyarrow.Table
        One row per agency x post x quarter x eth x lep x cell with the counts, ``first_day`` and
        ``last_day``: the columns and types the DuckDB path computes, sorted by the keys.
        Unknown agencies are not checked here (they come back with ``post`` false).
    """
    if period_from is not None and period_to is not None and period_from > period_to:
        raise MonitorInputError(f"the period starts ({period_from}) after it ends ({period_to})")
    b = _lower(bookings, (*REQUIRED_BOOKING_COLUMNS, *OPTIONAL_BOOKING_COLUMNS), "bookings")
    present = frozenset(c for c in OPTIONAL_BOOKING_COLUMNS if c in b.columns)
    expr = counts_expr(b, _activation(agencies), present, period_from, period_to)
    result: Any = expr.to_pyarrow()
    table = pa.table(
        {
            field.name: result.column(field.name).cast(field.type, safe=True)
            for field in RESULT_SCHEMA
        },
        schema=RESULT_SCHEMA,
    )
    return table.sort_by([(c, "ascending") for c in KEY_COLUMNS])


def rates_table(
    bookings: ir.Table, period_from: date | None = None, period_to: date | None = None
) -> pa.Table:
    """Run the counts by agency and race or ethnicity (`rates.rates_expr`) where `bookings`
    live: ``ori``, ``grp`` and the counts of `rates.COUNTS`, sorted by ``ori`` and ``grp``.

    `bookings` as for `counts_table`, with any of `rates.RATE_COLUMNS` (text).
    """
    if period_from is not None and period_to is not None and period_from > period_to:
        raise MonitorInputError(f"the period starts ({period_from}) after it ends ({period_to})")
    b = _lower(bookings, (*REQUIRED_BOOKING_COLUMNS, *RATE_COLUMNS), "bookings")
    present = frozenset(c for c in RATE_COLUMNS if c in b.columns)
    result: Any = rates_expr(b, present, period_from, period_to).to_pyarrow()
    table = pa.table(
        {f.name: result.column(f.name).cast(f.type, safe=True) for f in RATES_SCHEMA},
        schema=RATES_SCHEMA,
    )
    return table.sort_by([("ori", "ascending"), ("grp", "ascending")])
