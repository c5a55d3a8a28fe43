"""Counts of lists that may hold millions of rows, without counting millions on every page view.

A national deployment keeps millions of transfer requests; `SELECT count(*)` over them takes
longer than the whole page may (issue 15 goal 3: every page at p95 <= 300 ms). So a count is:

1. exact when the list is short: the rows are counted behind a LIMIT of `EXACT_UP_TO` + 1, which
   stops early on a long list;
2. exact when a long list can be counted;
3. otherwise PostgreSQL's own estimate (`EXPLAIN`), shown as "about N" - never as exact.

Each count (1 and 2) must finish within `BUDGET_MS` (PostgreSQL's `statement_timeout`, inside a
savepoint so a timeout never spoils the request's transaction): a selective filter can make even
the capped count read the whole table. A long or slow list's figure (2 or 3) is kept for
`KEEP_SECONDS` in the cache, keyed by its SQL, so the next views of the same list need no count
at all; the figure is then up to that old, which on a list of more than ten thousand rows is
well within what "about" or a page count can show. On SQLite (small deployments, tests) every
count is exact.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import OperationalError, connections, transaction
from django.db.models import QuerySet

EXACT_UP_TO = 10_000
BUDGET_MS = 120
# A table of at most this many rows (PostgreSQL's estimate when the connection was made) is
# counted plainly: a count over it is quick whatever the filter.
SMALL = 100_000
KEEP_SECONDS = 120


@dataclass(frozen=True)
class Count:
    """How many rows a list has; `estimated` when it is the planner's estimate."""

    value: int
    estimated: bool = False

    def __int__(self) -> int:
        return self.value


def count(queryset: QuerySet[Any]) -> Count:
    rows = queryset.order_by()
    db = connections[rows.db]
    if db.vendor != "postgresql" or _table_rows(db, rows.model._meta.db_table) <= SMALL:
        return Count(rows.count())
    try:
        sql, params = rows.values("pk").query.sql_with_params()
    except EmptyResultSet:  # .none(): what a user may not see at all
        return Count(0)
    key = "tw-count:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    kept = cache.get(key)
    if kept is not None:
        return Count(*kept)
    # A selective filter can make even the capped count read the whole table: it is timed too.
    short = _timed(rows, db, lambda: rows[: EXACT_UP_TO + 1].count())
    if short is not None and short <= EXACT_UP_TO:
        return Count(short)
    exact = _timed(rows, db, rows.count) if short is not None else None
    if exact is not None:
        figure = Count(exact)
    else:
        floor = EXACT_UP_TO + 1 if short is not None else 1
        figure = Count(max(_estimate(rows), floor), estimated=True)
    cache.set(key, (figure.value, figure.estimated), KEEP_SECONDS)
    return figure


def _timed(rows: QuerySet[Any], db: Any, counting: Callable[[], int]) -> int | None:
    """`counting()` if PostgreSQL answers within BUDGET_MS, else None. The timeout is set for
    the transaction (or savepoint) of the count alone, which is then rolled back: a read, so
    nothing is lost, and the setting goes with it whether the count finished or not."""
    try:
        with transaction.atomic(using=rows.db):
            with db.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(BUDGET_MS)])
            value = counting()
            transaction.set_rollback(True, using=rows.db)
        return value
    except OperationalError as exc:
        if "statement timeout" not in str(exc):
            raise
        return None


def remember_table_sizes(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On each new PostgreSQL connection (`connection_created`, operations/apps.py): the
    planner's row estimate of every table, so that counts over small tables skip the timing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = current_schema()"
            )
            connection.tw_table_rows = {name: float(n) for name, n in cursor.fetchall()}


def _table_rows(db: Any, table: str) -> float:
    """The planner's estimate of `table`'s rows as of the connection's start (-1: never
    analysed, taken as small); read now if the connection was made before the signal."""
    if getattr(db, "tw_table_rows", None) is None:
        remember_table_sizes(None, db)
    return float(db.tw_table_rows.get(table, -1))


def _estimate(rows: QuerySet[Any]) -> int:
    plan = json.loads(rows.values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


# From this many rows in, a page reads its keys first and then only its own rows (below).
DEEP = 1_000


class CountingPaginator(Paginator):
    """Django's paginator with `count` from `count()` (`estimated` says whether it is exact),
    and deep pages read as a "deferred join": page 1,000 of a list in date order skips 49,950
    rows; skipping them in an index of (date, key) costs ~20 ms, skipping whole rows fetched
    from the table ~500-900 ms (measured on 3 million transfer requests). So the keys of the
    page's rows are read first (the same ORDER BY and OFFSET, selecting only the key) and then
    those rows, in that order."""

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if bottom < DEEP or not isinstance(rows, QuerySet):
            return super().page(number)
        keys = list(rows.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        found = {row.pk: row for row in rows.filter(pk__in=keys)}
        return self._get_page([found[k] for k in keys if k in found], number, self)

    @property
    def figure(self) -> Count:
        found = self.__dict__.get("_figure")
        if found is None:
            rows = self.object_list
            found = count(rows) if isinstance(rows, QuerySet) else Count(len(rows))
            self.__dict__["_figure"] = found
        return found

    @property  # type: ignore[override]
    def count(self) -> int:
        return self.figure.value

    @property
    def estimated(self) -> bool:
        return self.figure.estimated


def kept(rows: QuerySet[Any], *, long: bool) -> list[Any]:
    """The rows of a small summary of a long list (requests by area, say), kept for KEEP_SECONDS
    when `long` (the list's `count()` is over EXACT_UP_TO), else read now. A summary of millions
    of rows costs what a count does; the figure it shows is then up to KEEP_SECONDS old."""
    if not long:
        return list(rows)
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:
        return []
    key = "tw-kept:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = list(rows)
        cache.set(key, found, KEEP_SECONDS)
    return found  # type: ignore[no-any-return]
