"""The fast path of `classify_lines` writes what the detailed path writes, byte for byte.

The detailed path (`fast=False`) is how `transferwatch classify` read every line before msgspec:
the standard json module, `parse_case`, `result_to_json`. Each test runs both on the same lines
and compares the bytes, the error count and the errors reported, on every synthetic scenario
and on generated cases, edge values and malformed lines.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transferwatch.analytics.synth_cases import write_cases
from transferwatch.policy import Case, Policy, Result, get_policy, parse_case
from transferwatch.policy import jsonlines as module
from transferwatch.policy.engine import classify
from transferwatch.policy.jsonlines import classify_lines
from transferwatch.policy.model import CATEGORIES, PROBABLE_CAUSE

TODAY = date(2020, 1, 1)
POLICIES: list[Policy | None] = [get_policy("pep-2014"), get_policy("sc-2011"), None]


def run(
    lines: list[bytes] | list[str], policy: Policy | None, explain: bool, fast: bool
) -> tuple[bytes, int, list[tuple[int, str]]]:
    chunks: list[bytes] = []
    reported: list[tuple[int, str]] = []
    errors, total = classify_lines(
        lines,
        chunks.append,
        policy,
        explain=explain,
        today=TODAY,
        batch=7,
        on_error=lambda number, message: reported.append((number, message)),
        fast=fast,
    )
    assert total == len(lines)
    return b"".join(chunks), errors, reported


def assert_same(lines: list[bytes] | list[str], policy: Policy | None, explain: bool) -> bytes:
    fast = run(lines, policy, explain, fast=True)
    detailed = run(lines, policy, explain, fast=False)
    assert fast == detailed
    return fast[0]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    path = tmp_path_factory.mktemp("cases") / "cases.jsonl"
    write_cases(path, 2_000, seed=11)  # every scenario, 80 times
    return path.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize("explain", [False, True])
@pytest.mark.parametrize("policy", POLICIES, ids=["pep-2014", "sc-2011", "auto"])
def test_it_writes_the_same_bytes_as_the_detailed_path_on_every_scenario(
    synthetic: list[bytes], policy: Policy | None, explain: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    detailed = run(synthetic, policy, explain, fast=False)
    read_in_detail: list[object] = []

    def counted(obj: object, today: date | None = None) -> Case:
        read_in_detail.append(obj)
        return parse_case(obj, today)

    monkeypatch.setattr(module, "parse_case", counted)
    fast = run(synthetic, policy, explain, fast=True)
    assert fast == detailed
    assert read_in_detail == []  # every synthetic line took the fast path
    assert fast[0].count(b"\n") == 2_000 and fast[1] == 0


def test_it_gives_text_lines_the_same_results_as_bytes(synthetic: list[bytes]) -> None:
    text = [line.decode() for line in synthetic[:200]]
    assert run(text, POLICIES[0], True, fast=True) == run(synthetic[:200], POLICIES[0], True, True)


FELONY = {"date": "2013-02-01", "severity": "felony", "categories": ["dui"], "incident": "A"}
GOOD = {"id": "g", "as_of": "2015-08-01", "convictions": [FELONY], "probable_cause": ["statements"]}
# Lines where the two JSON readers, or the checks, part ways: each must give the same output.
EDGES: list[bytes] = [
    json.dumps(GOOD).encode(),
    b"",
    b"   \n",
    b"\n",
    b"{not json\n",
    b"[1, 2]\n",
    b"null\n",
    b'"text"\n',
    b'{"id": "a", "as_of": "2015-08-01"} trailing\n',
    b'{"id": "a", "as_of": "2015-08-01"}\x0c\n',
    b' \t{"id": "a", "as_of": "2015-08-01"}\r\n',
    b'\xef\xbb\xbf{"id": "a", "as_of": "2015-08-01"}\n',
    b'{"id": "a", "as_of": "2015-08-01", "x": "\xff"}\n',
    b'{"id": "\xc3\xa9", "as_of": "2015-08-01"}\n',
    b'{"id": "\\u00e9\\u007f\\u0001", "as_of": "2015-08-01"}\n',
    b'{"id": "a\\ud800", "as_of": "2015-08-01"}\n',
    b'{"id": "a", "as_of": "2015-08-01", "x": NaN, "y": Infinity, "z": 1e999}\n',
    b'{"id": "a", "as_of": "2015-08-01", "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n",
    b'{"id": "a", "as_of": "2015-08-01", "as_of": "2015-08-02"}\n',
    b'{"id": "a", "as_of": "2015-13-01", "as_of": "2015-08-02"}\n',
    b'{"id": "a", "as_of": "2015-08-02", "as_of": "2015-13-01"}\n',
    b'{"as_of": "2015-08-01"}\n',
    b'{"id": 7, "as_of": "2015-08-01"}\n',
    b'{"id": null, "as_of": "2015-08-01", "visa_abuse": true}\n',
    b'{"id": "a"}\n',
    b'{"id": "a", "as_of": null}\n',
    b'{"id": "a", "as_of": "20150801"}\n',
    b'{"id": "a", "as_of": "2015-02-30"}\n',
    b'{"id": "a", "as_of": "\\u0032015-08-01"}\n',
    b'{"id": "a", "as_of": "\\uff12015-08-01"}\n',
    b'{"id": "a", "as_of": "2030-01-01"}\n',
    b'{"id": "a", "as_of": "2015-08-01", "birth_date": "2015-08-02"}\n',
    b'{"id": "a", "as_of": "2015-08-01", "national_security": null}\n',
    b'{"id": "a", "as_of": "2015-08-01", "national_security": 1}\n',
    b'{"id": "a", "as_of": "2015-08-01", "visa_abuse": "true"}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": null, "pending_charges": null}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": {}}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [null]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"severity": "felony"}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "FELONY"}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "misdemeanor", "sentence_days": 90.0}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "misdemeanor", "sentence_days": -0}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "misdemeanor", "sentence_days": -1}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "misdemeanor", "sentence_days": true}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "misdemeanor", "sentence_days": null, "suspended": null}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "misdemeanor", "sentence_days": 100000000000000000000000}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "felony", "incident": 7}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "felony", "incident": 7.5}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "felony", "categories": "dui"}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "felony", "categories": ["dui", "dui", "theft"]}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2013-01-01", "severity": "felony", "categories": [["dui"]]}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "convictions": [{"date": "2015-08-01", "severity": "felony"}, {"date": "2016-01-01", "severity": "felony"}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "pending_charges": [{}, {"severity": null}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "pending_charges": [{"severity": "petty"}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "pending_charges": [{"categories": ["gang", "x"]}]}\n',
    b'{"id": "a", "as_of": "2015-08-01", "probable_cause": []}\n',
    b'{"id": "a", "as_of": "2015-08-01", "probable_cause": "statements"}\n',
    b'{"id": "a", "as_of": "2015-08-01", "probable_cause": ["statements", "hunch"]}\n',
    b'{"id": "a", "as_of": "2010-08-01", "visa_abuse": true}\n',
    b'{"id": "a", "as_of": "2019-08-01", "visa_abuse": true}\n',
    b'{"id": "a", "as_of": "2015-08-01", "gang_participation": true, "birth_date": "2000-02-29"}\n',
]  # fmt: skip


@pytest.mark.parametrize("explain", [False, True])
@pytest.mark.parametrize("policy", POLICIES, ids=["pep-2014", "sc-2011", "auto"])
def test_it_answers_edge_and_malformed_lines_as_the_detailed_path_does(
    policy: Policy | None, explain: bool
) -> None:
    output = assert_same(EDGES, policy, explain)
    assert output.count(b"\n") == len(EDGES)
    assert output.isascii()
    text = output.decode()
    assert '"id":"\\u00e9\\u007f\\u0001"' in text  # escaped as the json module does


def test_it_writes_non_ascii_and_control_characters_as_the_json_module_does() -> None:
    output = run(EDGES[13:15], POLICIES[0], False, fast=True)[0]
    assert [json.loads(line)["id"] for line in output.splitlines()] == ["é", "é\x7f\x01"]
    assert b"\\u00e9" in output and b"\\u007f" in output and b"\\u0001" in output


DATES = st.one_of(
    st.dates(date(2005, 1, 1), date(2021, 12, 31)).map(date.isoformat),
    st.sampled_from(["2015-02-30", "2015-8-01", "20150801", "2016-02-29", "", "2015-08-01T00:00"]),
)
ANY_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=3)
)
SEVERITY = st.sampled_from(["felony", "misdemeanor", "infraction", "Felony", None, 1])
CATEGORY_LISTS = st.one_of(
    st.lists(st.sampled_from(sorted(CATEGORIES)), max_size=3),
    st.lists(st.sampled_from([*sorted(CATEGORIES)[:3], "theft", 1]), max_size=2),
    st.none(),
    st.just("dui"),
)


def maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value, or (the string "MISSING") leave it out."""
    return st.one_of(values, st.just("MISSING"))


def obj(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({k: maybe(v) for k, v in fields.items()}).map(
        lambda d: {k: v for k, v in d.items() if v != "MISSING"}
    )


CONVICTIONS = obj(
    date=st.one_of(DATES, ANY_SCALAR),
    severity=SEVERITY,
    categories=CATEGORY_LISTS,
    sentence_days=st.one_of(st.integers(-2, 400), st.integers(85, 95), ANY_SCALAR),
    suspended=st.one_of(st.booleans(), ANY_SCALAR),
    incident=st.one_of(st.sampled_from(["A", "B", None, 1, 2]), ANY_SCALAR),
)
CASES = obj(
    id=st.one_of(st.text(max_size=4), st.none(), st.integers()),
    as_of=st.one_of(DATES, ANY_SCALAR),
    birth_date=st.one_of(DATES, st.none()),
    national_security=st.one_of(st.booleans(), ANY_SCALAR),
    border_apprehension=st.booleans(),
    gang_participation=st.one_of(st.booleans(), st.none()),
    unlawful_entry=st.booleans(),
    continuous_presence_since=st.one_of(DATES, st.none()),
    visa_abuse=st.booleans(),
    final_order_date=st.one_of(DATES, st.none()),
    convictions=st.one_of(st.lists(CONVICTIONS, max_size=5), ANY_SCALAR),
    pending_charges=st.one_of(
        st.lists(obj(date=DATES, severity=SEVERITY, categories=CATEGORY_LISTS), max_size=2),
        ANY_SCALAR,
    ),
    probable_cause=st.one_of(
        st.lists(st.sampled_from([*sorted(PROBABLE_CAUSE), "hunch"]), max_size=2), ANY_SCALAR
    ),
    extra=st.one_of(ANY_SCALAR, st.lists(st.integers())),
)


@st.composite
def lines(draw: Any) -> bytes:
    """A case as JSON (ASCII or UTF-8, spaced or not), sometimes damaged or replaced."""
    text = json.dumps(draw(CASES), ensure_ascii=draw(st.booleans()), separators=(",", ":"))
    line = text.encode("utf-8", "surrogatepass")
    damage = draw(st.sampled_from(["none"] * 6 + ["cut", "byte", "junk"]))
    if damage == "cut":
        line = line[: draw(st.integers(0, len(line)))]
    elif damage == "byte":
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.binary(min_size=1, max_size=2)) + line[at:]
    elif damage == "junk":
        line = draw(st.binary(max_size=20))
    return line.replace(b"\n", b" ") + b"\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines(), min_size=1, max_size=12), st.sampled_from(POLICIES), st.booleans())
def test_it_writes_the_same_bytes_for_generated_lines(
    generated: list[bytes], policy: Policy | None, explain: bool
) -> None:
    assert_same(generated, policy, explain)


def test_it_stops_on_an_engine_fault_without_retrying_it_as_a_bad_line() -> None:
    calls: list[Case] = []

    def failing(case: Case, policy: Policy | str | None, explain: bool) -> Result:
        calls.append(case)
        raise RuntimeError("engine fault")

    with pytest.raises(RuntimeError):
        classify_lines(
            [json.dumps(GOOD).encode()], list[bytes]().append, None, today=TODAY, classify=failing
        )
    assert len(calls) == 1


def test_the_engine_given_is_the_one_used(synthetic: list[bytes]) -> None:
    seen: list[str | None] = []

    def spy(case: Case, policy: Policy | str | None, explain: bool) -> Result:
        seen.append(case.id)
        return classify(case, policy, explain)

    classify_lines(synthetic[:3], list[bytes]().append, POLICIES[0], today=TODAY, classify=spy)
    assert seen == [json.loads(line)["id"] for line in synthetic[:3]]
