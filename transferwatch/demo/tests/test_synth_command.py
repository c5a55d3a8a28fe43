"""`transferwatch synth` writes the synthetic tables and truth, and rejects bad arguments with exit 2."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

SMALL = ["--agencies", "6", "--bookings", "3000"]


def test_it_writes_the_tables_and_prints_a_summary(tmp_path: Path) -> None:
    out = StringIO()
    call_command(
        "synth", "--out", str(tmp_path), *SMALL, "--plant", "pretext=1", "lowprio=1",
        "--plant", "lep=1", "--cases", "5", "--seed", "3", stdout=out,
    )  # fmt: skip
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "agencies.csv",
        "bookings.csv",
        "cases.jsonl",
        "cases_truth.json",
        "truth.json",
    ]
    printed = out.getvalue()
    assert "wrote 6 agencies and" in printed
    assert "3 planted: pretext 1, lowprio 1, lep 1" in printed and "5 cases" in printed
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 3
    assert sorted(p["kind"] for p in truth["planted"]) == ["lep", "lowprio", "pretext"]


def test_it_writes_parquet_for_a_period(tmp_path: Path) -> None:
    call_command(
        "synth", "--out", str(tmp_path / "new" / "folder"), *SMALL, "--format", "parquet",
        "--start", "2015-01-01", "--end", "2015-06-30", stdout=StringIO(),
    )  # fmt: skip
    folder = tmp_path / "new" / "folder"
    assert (folder / "bookings.parquet").read_bytes()[:4] == b"PAR1"
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    assert truth["period"] == {"from": "2015-01-01", "to": "2015-06-30"}
    assert truth["planted"] == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--plant", "sloth=2"], "--plant: unknown kind 'sloth'"),
        (["--plant", "pretext"], "--plant: 'pretext' is not KIND=COUNT"),
        (["--plant", "pretext=1", "pretext=2"], "--plant: pretext is given twice"),
        (["--plant", "pretext=4", "dismissal=3"], "--plant: 7 planted agencies but only 6"),
        (["--start", "2014-02-30"], "--start: '2014-02-30' is not a date"),
        (["--end", "yesterday"], "--end: 'yesterday' is not a date"),
        (["--end", "2013-12-31"], "--end: 2013-12-31 is before the start date 2014-01-01"),
        (["--agencies", "0"], "--agencies: must be between 1 and"),
        (["--bookings", "0"], "--bookings: must be at least 1"),
        (["--cases", "-2"], "--cases: must be 0 or more"),
        (["--format", "xlsx"], "--format: 'xlsx' is not a format"),
    ],
)
def test_it_rejects_bad_arguments_with_exit_2(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("synth", "--out", str(tmp_path / "out"), *SMALL, *arguments)
    assert caught.value.returncode == 2
    assert message in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_it_rejects_an_unwritable_folder_with_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("synth", "--out", str(blocker / "out"), *SMALL)
    assert caught.value.returncode == 2
    assert f"--out: cannot write to {blocker / 'out'}" in str(caught.value)
