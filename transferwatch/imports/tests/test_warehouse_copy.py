"""`transferwatch warehouse copy --to ADDRESS`: switching stores without importing again.

Parquet to PostgreSQL and back through the command, with the setting pointed at the new store
after each copy: `transferwatch monitor` writes the same JSON, and the file already imported is
still said to be. PostgreSQL runs when DATABASE_URL names a PostgreSQL server (a database of its
own, dropped after); the refusals of addresses run without it.
"""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from transferwatch.analytics.synth import generate
from transferwatch.monitoring.tests import test_warehouse_setting as on_setting

pg_url = on_setting.pg_url  # a PostgreSQL database of its own (skips without a server)


@pytest.fixture
def site(tmp_path: Path, settings: Any, db: Any) -> Path:
    """About 3,000 bookings at 4 agencies imported into the Parquet store."""
    settings.DATA_DIR = tmp_path / "var"
    settings.WAREHOUSE_DIR = tmp_path / "var" / "warehouse"
    settings.WAREHOUSE = ""
    folder = tmp_path / "synth"
    generate(
        folder, agencies=4, start=date(2021, 1, 1), end=date(2022, 12, 31), seed=5,
        plants={"pretext": 1}, fmt="csv", bookings=3000,
    )  # fmt: skip
    call_command("import", "agencies", str(folder / "agencies.csv"))
    call_command("import", "bookings", str(folder / "bookings.csv"))
    return folder


def _monitor(tmp_path: Path, name: str) -> str:
    out = tmp_path / f"{name}.json"
    call_command("monitor", "--json", str(out))
    return out.read_text()


def _copy(*args: str) -> str:
    out = StringIO()
    call_command("warehouse", "copy", *args, stdout=out)
    return out.getvalue()


def test_it_copies_parquet_to_postgres_and_back_with_the_same_monitor_json(
    site: Path, pg_url: str, tmp_path: Path, settings: Any
) -> None:
    on_parquet = _monitor(tmp_path, "parquet")

    said = _copy("--to", pg_url)

    assert "bookings and 1 import records from the Parquet warehouse" in said
    assert "to the PostgreSQL warehouse " in said
    assert "at both ends" in said and "postgres@" not in said
    settings.WAREHOUSE = pg_url
    assert _monitor(tmp_path, "postgres") == on_parquet
    again = StringIO()
    call_command("import", "bookings", str(site / "bookings.csv"), stdout=again)
    assert "already imported" in again.getvalue()

    back = tmp_path / "back"
    said = _copy("--to", str(back))
    assert f"to the Parquet warehouse {back}" in said
    settings.WAREHOUSE = ""
    settings.WAREHOUSE_DIR = back
    assert _monitor(tmp_path, "back") == on_parquet


def test_it_refuses_a_store_that_is_not_empty_unless_replacing(
    site: Path, pg_url: str, tmp_path: Path
) -> None:
    _copy("--to", pg_url)
    with pytest.raises(CommandError, match=r"is not empty \(3,\d{3} bookings") as refused:
        _copy("--to", pg_url)
    assert refused.value.returncode == 2
    assert "give --replace" in str(refused.value)
    assert "copied" in _copy("--to", pg_url, "--replace")


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("spark://127.0.0.1:7077", "copy to them with --to parquet"),
        ("mysql://u:secret@h/w", "mysql://...: not a store"),
        ("parquet", "both the source and the target"),
    ],
)
def test_it_refuses_addresses_it_cannot_copy_to(site: Path, address: str, said: str) -> None:
    with pytest.raises(CommandError, match=said) as refused:
        _copy("--to", address)
    assert refused.value.returncode == 2
    assert "secret" not in str(refused.value)
