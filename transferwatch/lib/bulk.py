"""Many rows in one prepared statement, for the few places where the ORM's per-object cost is
the bottleneck (a national release: hundreds of thousands of requests).

Values must be ready for the database: JSON as text (`json.dumps`), dates and datetimes through
`connection.ops.adapt_datefield_value` / `adapt_datetimefield_value`. Django's `bulk_create` and
`bulk_update` prepare every field of every object and, for updates, build a CASE per row; at
this volume that costs more than all the work around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def insert_many(model: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT `rows` (tuples in the order of `columns`, column names as in the table)."""
    if not rows:
        return
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def update_many(
    model: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]], key: str = "id"
) -> None:
    """UPDATE by `key`: each row holds the new values of `columns`, then the key's value."""
    if not rows:
        return
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    where = connection.ops.quote_name(key)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {where} = %s", rows)  # noqa: S608
