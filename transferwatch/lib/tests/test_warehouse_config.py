"""TRANSFERWATCH_WAREHOUSE: the Parquet default, a PostgreSQL address, and one clear line for
anything else (without the password)."""

from __future__ import annotations

from pathlib import Path

import pytest

from transferwatch.lib import config
from transferwatch.lib.tests.test_startup import one_line, run


def test_it_defaults_to_the_parquet_warehouse() -> None:
    assert config.warehouse({}) == ""
    assert config.warehouse({"TRANSFERWATCH_WAREHOUSE": " Parquet "}) == ""


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_it_takes_a_postgresql_address(scheme: str) -> None:
    url = f"{scheme}://tw:pw@db.internal:5432/warehouse"
    assert config.warehouse({"TRANSFERWATCH_WAREHOUSE": url}) == url


@pytest.mark.parametrize(
    "value", ["spark://127.0.0.1", "postgresql://tw:hunter2@db.internal:5432/", "duckdb"]
)
def test_it_refuses_anything_else(value: str) -> None:
    with pytest.raises(config.ConfigError, match="TRANSFERWATCH_WAREHOUSE") as caught:
        config.warehouse({"TRANSFERWATCH_WAREHOUSE": value})
    assert "hunter2" not in str(caught.value)


def test_the_command_stops_with_one_line(tmp_path: Path) -> None:
    result = run(
        ["monitor", "--json", str(tmp_path / "out.json")],
        tmp_path,
        TRANSFERWATCH_WAREHOUSE="mysql://tw:hunter2@localhost/tw",
    )
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "TRANSFERWATCH_WAREHOUSE" in line and "postgresql://" in line
    assert "hunter2" not in line


def test_it_takes_a_spark_master() -> None:
    url = "spark://spark-master.internal:7077"
    assert config.warehouse({"TRANSFERWATCH_WAREHOUSE": url}) == url
