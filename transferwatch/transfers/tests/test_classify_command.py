"""`transferwatch classify`: JSON Lines in and out per CONTRACTS.md section 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from transferwatch.analytics.synth_cases import write_cases
from transferwatch.transfers.management.commands import classify as command

FELONY = {"date": "2013-02-01", "severity": "felony", "categories": []}
CASES = [
    {"id": "a", "as_of": "2015-08-01", "convictions": [FELONY], "probable_cause": ["statements"]},
    {"id": "b", "as_of": "2015-08-01", "visa_abuse": True},
    {"id": "c", "as_of": "2015-08-01"},
]


def lines(*objects: Any) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objects)


def run(text: str, *args: str) -> tuple[list[dict[str, Any]], str, int]:
    """Classify `text` from stdin; returns (results, stderr, exit status)."""
    out, err = StringIO(), StringIO()
    status = 0
    try:
        call_command("classify", *args, stdin=StringIO(text), stdout=out, stderr=err)
    except CommandError as exc:
        status = exc.returncode
        err.write(str(exc))
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue(), status


def test_it_classifies_every_line_in_order() -> None:
    results, _, status = run(lines(*CASES), "--policy", "pep-2014")
    assert status == 0
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert results[0] == {
        "id": "a",
        "policy": "pep-2014",
        "tier": 1,
        "priorities": ["1(d)"],
        "pep_transfer_eligible": True,
        "pep_basis": ["1(d)"],
        "allowed_requests": ["notification", "detainer"],
        "reasons": [
            {"clause": "1(d)", "text": "convicted of a felony on 2013-02-01", "convictions": [0]}
        ],
    }
    assert (results[1]["tier"], results[1]["allowed_requests"]) == (2, [])
    assert (results[2]["tier"], results[2]["priorities"]) == (None, [])


def test_it_answers_a_bad_line_with_an_error_and_exits_2_at_the_end() -> None:
    text = lines(
        CASES[0],
        {"id": "bad-date", "as_of": "2015-02-30"},
        "{not json",
        "",
        [1, 2],
        {"id": "bad-sentence", "as_of": "2015-08-01", "convictions": [{**FELONY, "sentence_days": -5}]},
        CASES[1],
    )  # fmt: skip
    results, stderr, status = run(text, "--policy", "pep-2014")
    assert status == 2
    assert results[0]["tier"] == 1 and results[-1]["tier"] == 2
    assert results[1:-1] == [
        {"id": "bad-date", "error": "as_of: '2015-02-30' is not a valid date"},
        {"id": None, "error": "line: not valid JSON (Expecting property name enclosed in double quotes at column 2)"},
        {"id": None, "error": "line: empty (expected a JSON object)"},
        {"id": None, "error": "case: must be a JSON object, not list"},
        {"id": "bad-sentence", "error": "convictions[0].sentence_days: must be a whole number >= 0, not -5"},
    ]  # fmt: skip
    assert "<stdin>:2: as_of: '2015-02-30' is not a valid date" in stderr
    assert "5 of 7 lines could not be classified" in stderr


def test_it_explains_on_request() -> None:
    results, _, _ = run(lines(CASES[1]), "--policy", "pep-2014", "--explain")
    assert [r["clause"] for r in results[0]["not_met"]][:2] == ["1(a)", "1(b)"]
    assert results[0]["notes"] == ["not eligible for a PEP transfer: 2(d) does not justify one"]
    plain, _, _ = run(lines(CASES[1]), "--policy", "pep-2014")
    assert "not_met" not in plain[0] and "notes" not in plain[0]


def test_it_judges_each_line_by_the_policy_in_force_with_auto() -> None:
    text = lines(
        {"id": "old", "as_of": "2014-06-01", "convictions": [FELONY]},
        {"id": "new", "as_of": "2015-06-01", "convictions": [FELONY]},
        {"id": "later", "as_of": "2018-06-01"},
    )
    results, _, status = run(text, "--policy", "auto")
    assert [r.get("policy") for r in results] == ["sc-2011", "pep-2014", None]
    assert results[2]["error"].startswith("as_of: no policy in force on 2018-06-01")
    assert status == 2


def test_it_refuses_an_unknown_policy() -> None:
    _, stderr, status = run(lines(*CASES), "--policy", "pep-2015")
    assert status == 2
    assert "--policy: unknown policy 'pep-2015'; known: sc-2011, pep-2014" in stderr


def test_it_refuses_a_missing_input_file(tmp_path: Path) -> None:
    _, stderr, status = run("", "--policy", "pep-2014", "--in", str(tmp_path / "none.jsonl"))
    assert status == 2
    assert "none.jsonl" in stderr


def test_it_reads_and_writes_files_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    source, target = tmp_path / "cases.jsonl", tmp_path / "results.jsonl"
    source.write_text(lines(*CASES, {"id": "bad"}), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command(
            "classify", "--policy", "pep-2014", "--in", str(source), "--out", str(target),
            stderr=StringIO(),
        )  # fmt: skip
    assert caught.value.returncode == 2
    results = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == ["a", "b", "c", "bad"]
    assert results[3] == {"id": "bad", "error": "as_of: required (the date of the determination, YYYY-MM-DD)"}  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.jsonl", "results.jsonl"]


def test_it_leaves_the_old_output_untouched_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = tmp_path / "cases.jsonl", tmp_path / "results.jsonl"
    source.write_text(lines(*CASES), encoding="utf-8")
    target.write_text("previous results\n", encoding="utf-8")
    calls = []

    def failing(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("engine fault")
        return command.classify(*args)

    monkeypatch.setattr(command, "classify", failing)
    monkeypatch.setattr(command, "BATCH", 1)  # the first result is written before the fault
    with pytest.raises(RuntimeError):
        call_command("classify", "--policy", "pep-2014", "--in", str(source), "--out", str(target))
    assert target.read_text(encoding="utf-8") == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.jsonl", "results.jsonl"]


def test_it_refuses_an_output_folder_that_does_not_exist(tmp_path: Path) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text(lines(*CASES), encoding="utf-8")
    out = tmp_path / "missing" / "results.jsonl"
    with pytest.raises(CommandError, match="does not exist") as caught:
        call_command("classify", "--policy", "pep-2014", "--in", str(source), "--out", str(out))
    assert caught.value.returncode == 2


EXPECTED = {
    "1a": ["1(a)"], "1b": ["1(b)"], "1c-gang-conviction": ["1(c)"], "1c-participation": ["1(c)"],
    "1c-participation-under-16": [], "1d": ["1(d)"], "1d-immigration-status": [],
    "1d-after-as-of": [], "1e": ["1(d)", "1(e)"], "2a": ["2(a)"], "2a-one-incident": [],
    "2a-minor-traffic": [], "2b-category": ["2(b)"], "2b-domestic-violence": ["2(b)"],
    "2b-90-days": ["2(b)"], "2b-89-days": [], "2b-suspended": [], "2c": ["2(c)"],
    "2c-recent-presence": ["2(c)"], "2c-long-presence": [], "2d": ["2(d)"], "3": ["3"],
    "3-old-order": [], "none-minor-traffic": [], "none-pending-only": [],
}  # fmt: skip
TRANSFER_CLAUSES = {"1(a)", "1(c)", "1(d)", "1(e)", "2(a)", "2(b)"}


def test_it_classifies_every_synthetic_scenario_as_expected(tmp_path: Path) -> None:
    source, target = tmp_path / "cases.jsonl", tmp_path / "results.jsonl"
    truth = json.loads(write_cases(source, 500, seed=7).read_text(encoding="utf-8"))
    assert set(truth.values()) == set(EXPECTED)
    call_command("classify", "--policy", "pep-2014", "--in", str(source), "--out", str(target))
    results = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(results) == 500
    for result in results:
        scenario = truth[result["id"]]
        assert result["priorities"] == EXPECTED[scenario], scenario
        participation_only = scenario == "1c-participation"
        eligible = bool(TRANSFER_CLAUSES & set(EXPECTED[scenario])) and not participation_only
        assert result["pep_transfer_eligible"] is eligible, scenario


def test_it_works_through_the_console_script(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TRANSFERWATCH_MODE")}
    env["TRANSFERWATCH_DATA_DIR"] = str(tmp_path / "var")

    def cli(text: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "transferwatch.cli", "classify", *args],
            env=env, input=text, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    good = cli(lines(*CASES), "--policy", "pep-2014")
    assert good.returncode == 0, good.stderr
    assert [json.loads(line)["id"] for line in good.stdout.splitlines()] == ["a", "b", "c"]
    bad = cli(lines(CASES[0], "nonsense"), "--policy", "pep-2014")
    assert bad.returncode == 2
    assert [json.loads(line).get("error") for line in bad.stdout.splitlines()] == [
        None,
        "line: not valid JSON (Expecting value at column 1)",
    ]
    assert "<stdin>:2: line: not valid JSON" in bad.stderr
    unknown = cli("", "--policy", "nope")
    assert unknown.returncode == 2 and "unknown policy 'nope'" in unknown.stderr
