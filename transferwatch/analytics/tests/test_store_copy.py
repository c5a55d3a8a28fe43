"""Every booking copied between the Parquet and the PostgreSQL stores (`store_copy`), both ways.

After each copy the two stores hold the same rows (the fingerprints agree, and so do the import
keys) and `monitor.run` writes the same JSON on both. A non-empty target is refused unless
replacing, and a copy that does not check out leaves the target as it was. PostgreSQL runs when
DATABASE_URL names a PostgreSQL server (a database of its own, dropped after), as in
test_warehouse_stores.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from transferwatch.analytics import store_copy
from transferwatch.analytics import warehouse as wh
from transferwatch.analytics.aggregate import read_agencies
from transferwatch.analytics.monitor import run
from transferwatch.analytics.pg_warehouse import SCHEMA, PostgresStore
from transferwatch.analytics.store_copy import CopyFailed, CopyRefused, Fingerprint
from transferwatch.analytics.tests import test_warehouse_stores as on_stores

# The fixtures of test_warehouse_stores.py: the synthetic bookings and a PostgreSQL database.
synth = on_stores.synth
server_url = on_stores.server_url
pg_url = on_stores.pg_url
_first_half = on_stores._first_half
_import = on_stores._import


def _json(store: store_copy.Store, synth: Path) -> str:
    return json.dumps(run(store, read_agencies(synth / "agencies.csv")), sort_keys=True)


def _parquet_with_bookings(synth: Path, folder: Path) -> wh.BookingStore:
    agencies = read_agencies(synth / "agencies.csv")
    store = wh.BookingStore(folder / "warehouse")
    _import(store, _first_half(synth, folder), agencies, folder / "work", "half")
    _import(store, synth / "bookings.csv", agencies, folder / "work", "all")
    return store


def test_it_copies_parquet_to_postgres_and_back_with_the_same_json(
    synth: Path, pg_url: str, tmp_path: Path
) -> None:
    parquet = _parquet_with_bookings(synth, tmp_path)
    postgres = PostgresStore(pg_url)
    seen: list[tuple[str, int | None, int]] = []

    there = store_copy.copy_bookings(
        parquet, postgres, tmp_path / "w1", progress=lambda *a: seen.append(a)
    )

    assert there.source == there.target
    assert there.target.rows == parquet.state()["rows"] > 4000
    assert there.imports == 2
    assert postgres.state()["imports"] == ["half", "all"] == parquet.state()["imports"]
    assert postgres.has_import("all")
    assert ("writing", there.source.rows, there.source.rows) in seen
    assert _json(postgres, synth) == _json(parquet, synth)

    back = wh.BookingStore(tmp_path / "back")
    again = store_copy.copy_bookings(postgres, back, tmp_path / "w2")

    assert again.source == again.target == there.target
    assert back.state()["imports"] == ["half", "all"]
    assert back.by_quarter() == parquet.by_quarter()
    assert _json(back, synth) == _json(parquet, synth)
    assert store_copy.store_fingerprint(back, tmp_path / "w3") == there.source


def test_it_refuses_a_target_that_is_not_empty_unless_replacing(
    synth: Path, pg_url: str, tmp_path: Path
) -> None:
    parquet = _parquet_with_bookings(synth, tmp_path)
    postgres = PostgresStore(pg_url)
    store_copy.copy_bookings(parquet, postgres, tmp_path / "w1")
    with pytest.raises(
        CopyRefused, match=r"PostgreSQL warehouse .* is not empty \(\d[\d,]* bookings, 2 imports\)"
    ):
        store_copy.copy_bookings(parquet, postgres, tmp_path / "w2")
    with pytest.raises(CopyRefused, match=r"Parquet warehouse .* is not empty"):
        store_copy.copy_bookings(postgres, parquet, tmp_path / "w3")
    with pytest.raises(CopyRefused, match="both the source and the target"):
        store_copy.copy_bookings(parquet, wh.BookingStore(tmp_path / "warehouse"), tmp_path / "w4")

    # replacing: the target then holds exactly the source (an empty store empties it)
    empty = wh.BookingStore(tmp_path / "empty")
    done = store_copy.copy_bookings(empty, postgres, tmp_path / "w5", replace=True)
    assert done.target == Fingerprint(0, 0)
    assert postgres.state() == {"imports": [], "version": 0, "rows": 0}
    store_copy.copy_bookings(parquet, postgres, tmp_path / "w6", replace=True)
    assert postgres.state()["rows"] == parquet.state()["rows"]


def test_a_copy_that_does_not_check_out_changes_nothing(
    synth: Path, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parquet = _parquet_with_bookings(synth, tmp_path)
    postgres = PostgresStore(pg_url)
    store_copy.copy_bookings(parquet, postgres, tmp_path / "w1")
    before_pg = store_copy.store_fingerprint(postgres, tmp_path / "w")
    other = wh.BookingStore(tmp_path / "other")
    store_copy.copy_bookings(postgres, other, tmp_path / "w2")
    before_files = sorted(p for p in other.root.rglob("*") if p.is_file())

    real = store_copy.parquet_fingerprint
    monkeypatch.setattr(
        store_copy,
        "parquet_fingerprint",
        lambda con, store: Fingerprint(real(con, store).rows, 12345),
    )
    with pytest.raises(CopyFailed, match=r"did not take the bookings as read.*nothing was changed"):
        store_copy.copy_bookings(parquet, postgres, tmp_path / "w3", replace=True)
    assert store_copy.store_fingerprint(postgres, tmp_path / "w") == before_pg

    monkeypatch.setattr(store_copy, "pg_fingerprint", lambda pg: Fingerprint(before_pg.rows, 1))
    with pytest.raises(CopyFailed):
        store_copy.copy_bookings(postgres, other, tmp_path / "w4", replace=True)
    assert sorted(p for p in other.root.rglob("*") if p.is_file()) == before_files
    with psycopg.connect(pg_url) as pg:
        row = pg.execute(f"SELECT count(*) FROM {SCHEMA}.bookings").fetchone()
    assert row is not None and row[0] == before_pg.rows
