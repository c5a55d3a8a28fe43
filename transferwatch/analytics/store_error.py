"""The error every bookings store raises when it cannot do the work (`stores.WarehouseError`).

Its own module so that `stores` names it without importing the PostgreSQL and Spark stores
(psycopg, pyarrow): a Parquet import starts without them.
"""

from __future__ import annotations


class WarehouseError(Exception):
    """The PostgreSQL warehouse cannot be reached or refused the work (nothing was changed)."""
