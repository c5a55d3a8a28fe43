"""`transferwatch monitor` through the command users call."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from transferwatch.analytics.synth import generate

AGENCIES = "ori,state,activation_date\nTX0000001,TX,2015-06-01\nTX0000002,TX,\n"
BOOKINGS = (
    "booking_id,ori,booking_date,ethnicity\n1,TX0000001,2015-03-01,H\n2,TX0000002,2015-09-01,N\n"
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "agencies.csv").write_text(AGENCIES)
    (tmp_path / "bookings.csv").write_text(BOOKINGS)
    return tmp_path / "agencies.csv", tmp_path / "bookings.csv"


def _monitor(*args: str) -> None:
    call_command("monitor", *args)


def test_it_writes_the_json_for_synthetic_data(tmp_path: Path) -> None:
    generate(
        tmp_path, agencies=40, start=date(2015, 1, 1), end=date(2015, 12, 31), seed=3,
        plants={"dismissal": 2}, fmt="csv", bookings=60000,
    )  # fmt: skip
    out = tmp_path / "out" / "run.json"
    _monitor(
        "--agencies", str(tmp_path / "agencies.csv"), "--bookings", str(tmp_path / "bookings.csv"),
        "--from", "2015-01-01", "--to", "2015-12-31", "--json", str(out),
    )  # fmt: skip
    doc = json.loads(out.read_text())
    assert doc["period"] == {"from": "2015-01-01", "to": "2015-12-31"}
    assert len(doc["agencies"]) == 40
    assert not list(out.parent.glob(".*tmp"))  # the temporary file was renamed into place


def test_it_exits_2_on_bad_dates(files: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = files
    for args in (["--from", "2015-13-01"], ["--from", "2016-01-01", "--to", "2015-01-01"]):
        with pytest.raises(CommandError) as err:
            _monitor("--agencies", str(a), "--bookings", str(b), *args, "--json", str(tmp_path / "x.json"))  # fmt: skip
        assert err.value.returncode == 2
    assert not (tmp_path / "x.json").exists()


def test_it_exits_2_on_unknown_agencies_and_empty_periods(files: tuple[Path, Path], tmp_path: Path) -> None:  # fmt: skip
    a, b = files
    a.write_text("ori\nTX0000001\n")
    with pytest.raises(CommandError, match="not in the agencies table") as err:
        _monitor("--agencies", str(a), "--bookings", str(b), "--json", str(tmp_path / "x.json"))
    assert err.value.returncode == 2
    a.write_text(AGENCIES)
    with pytest.raises(CommandError, match="no bookings between") as err:
        _monitor("--agencies", str(a), "--bookings", str(b), "--from", "2020-01-01", "--to", "2020-12-31", "--json", str(tmp_path / "x.json"))  # fmt: skip
    assert err.value.returncode == 2


def test_it_exits_2_on_missing_columns(files: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = files
    b.write_text("booking_id,booking_date\n1,2015-01-01\n")
    with pytest.raises(CommandError, match="missing required column ori") as err:
        _monitor("--agencies", str(a), "--bookings", str(b), "--json", str(tmp_path / "x.json"))
    assert err.value.returncode == 2


def test_it_wants_both_files_or_neither(files: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="both") as err:
        _monitor("--agencies", str(files[0]), "--json", str(tmp_path / "x.json"))
    assert err.value.returncode == 2


@pytest.mark.django_db
def test_without_files_it_needs_imported_agencies(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no agencies imported") as err:
        _monitor("--json", str(tmp_path / "x.json"))
    assert err.value.returncode == 2
