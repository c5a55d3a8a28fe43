"""The synthetic data generator: contract columns and codes, determinism, planted effects, variation."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from transferwatch.analytics import contract, synth
from transferwatch.analytics import synth_parameters as params
from transferwatch.analytics.areas import STATE_AREA

START, END = date(2014, 1, 1), date(2016, 12, 31)
ALL_KINDS = {kind: 3 for kind in params.PLANT_KINDS}
MINOR = "(offense_category = 'minor_traffic' OR offense_severity = 'infraction')::INT"

# Every code column and the codes CONTRACTS.md section 2 allows in it.
CODES = {
    "sex": {"M", "F", "X", "U"},
    "race": {"W", "B", "A", "I", "P", "O", "U"},
    "ethnicity": {"H", "N", "U"},
    "lep": {"Y", "N", "U"},
    "offense_category": {
        *("minor_traffic", "traffic", "dui", "drug_possession", "drug_trafficking", "property"),
        *("burglary", "violent", "domestic_violence", "sex_offense", "weapons", "public_order"),
        *("immigration_status", "warrant", "other"),
    },
    "offense_severity": {"felony", "misdemeanor", "infraction"},
    "disposition": {"convicted", "dismissed", "pending", "unknown"},
    "ice_match": {"Y", "N"},
    "transfer_request": {"none", "notification", "detainer", "transfer"},
    "pep_eligible": {"Y", "N"},
    "request_outcome": {
        *("transferred", "released", "lifted", "us_citizen", "declined_by_lea", "pending"),
    },
}


def run(out: Path, **overrides: Any) -> synth.Summary:
    arguments: dict[str, Any] = {
        "agencies": 12, "start": START, "end": END, "seed": 5, "plants": {"pretext": 1, "lep": 1},
        "fmt": "csv", "cases": 30, "bookings": 20_000,
    }  # fmt: skip
    arguments.update(overrides)
    return synth.generate(out, **arguments)


def tables(summary: synth.Summary) -> duckdb.DuckDBPyConnection:
    """Views `b` (bookings) and `ag` (agencies) over the written files, every value as text."""
    con = duckdb.connect()
    for view, path in (("b", summary.bookings_path), ("ag", summary.agencies_path)):
        if path.suffix == ".csv":
            source = f"read_csv('{path}', all_varchar = true, header = true)"
        else:
            source = f"(SELECT COLUMNS(*)::VARCHAR FROM read_parquet('{path}'))"
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM {source}")
    return con


def query(summary: synth.Summary, sql: str) -> list[Any]:
    return tables(summary).execute(sql).fetchall()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> synth.Summary:
    """A run large enough for the planted effects to show: 40 agencies, about 400,000 bookings."""
    out = tmp_path_factory.mktemp("world")
    return run(out, agencies=40, seed=11, plants=ALL_KINDS, bookings=400_000, cases=60)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_it_writes_the_same_bytes_for_the_same_arguments(tmp_path: Path, fmt: str) -> None:
    run(tmp_path / "one", fmt=fmt)
    run(tmp_path / "two", fmt=fmt)
    run(tmp_path / "other-seed", fmt=fmt, seed=6)
    first = digests(tmp_path / "one")
    assert set(first) == {
        f"agencies.{fmt}",
        f"bookings.{fmt}",
        "truth.json",
        "cases.jsonl",
        "cases_truth.json",
    }
    assert first == digests(tmp_path / "two")
    assert first[f"bookings.{fmt}"] != digests(tmp_path / "other-seed")[f"bookings.{fmt}"]


def test_it_writes_the_same_rows_in_csv_and_parquet(tmp_path: Path) -> None:
    as_csv, as_parquet = run(tmp_path / "csv"), run(tmp_path / "parquet", fmt="parquet")
    for view in ("ag", "b"):
        rows = [tables(s).execute(f"SELECT * FROM {view}").fetchall() for s in (as_csv, as_parquet)]
        assert rows[0] == rows[1]


def test_it_writes_the_contract_columns_with_a_header(world: synth.Summary) -> None:
    for path, columns in (
        (world.agencies_path, params.AGENCY_COLUMNS),
        (world.bookings_path, params.BOOKING_COLUMNS),
    ):
        with path.open(encoding="utf-8") as f:
            assert f.readline() == ",".join(columns) + "\n"
    assert params.BOOKING_COLUMNS == (
        "booking_id", "ori", "booking_date", "person_id", "sex", "age", "race", "ethnicity", "lep",
        "birth_country", "offense_code", "offense_category", "offense_severity", "disposition",
        "ice_match", "transfer_request", "request_date", "pep_eligible", "request_outcome",
    )  # fmt: skip


def test_it_uses_only_the_contract_codes(world: synth.Summary) -> None:
    con = tables(world)
    for column, allowed in CODES.items():
        used = {v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM b").fetchall()}
        assert used - {None} <= allowed, column
        assert used - {None}, column
    countries = {v for (v,) in con.execute("SELECT DISTINCT birth_country FROM b").fetchall()}
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in countries - {None})
    bad_dates = con.execute(
        "SELECT count(*) FROM b WHERE NOT regexp_full_match(booking_date, '\\d{4}-\\d\\d-\\d\\d')"
    ).fetchone()
    assert bad_dates == (0,)


def test_it_passes_the_importers_contract_checks(world: synth.Summary) -> None:
    con = duckdb.connect()
    for path, columns in (
        (world.agencies_path, contract.AGENCY_COLUMNS),
        (world.bookings_path, contract.BOOKING_COLUMNS),
    ):
        # Synthetic bookings are all arrests: the optional `encounter` column is left out.
        names = [c.name for c in columns if c.name != "encounter"]
        with path.open(encoding="utf-8") as f:
            assert f.readline().rstrip("\n").split(",") == names
        con.execute(
            "CREATE OR REPLACE TABLE staged AS SELECT * FROM read_csv(?, all_varchar = true)",
            [str(path)],
        )
        for rule in contract.cell_rules(columns, set(names), date(2030, 1, 1)):
            found = con.execute(f"SELECT count(*) FROM staged WHERE {rule.condition}").fetchone()
            assert found == (0,), (rule.column, rule.problem)


def test_it_keeps_keys_unique_and_dates_consistent(world: synth.Summary) -> None:
    con = tables(world)

    def one(sql: str) -> Any:
        row = con.execute(sql).fetchone()
        assert row is not None
        return row[0]

    assert one("SELECT count(*) - count(DISTINCT booking_id) FROM b") == 0
    assert one("SELECT count(*) - count(DISTINCT ori) FROM ag") == 0
    assert one("SELECT count(*) FROM b WHERE ori NOT IN (SELECT ori FROM ag)") == 0
    assert one("SELECT count(*) FROM b WHERE request_date < booking_date") == 0
    assert one("SELECT count(*) FROM b WHERE booking_date NOT BETWEEN '2014-01-01' AND '2016-12-31'") == 0  # fmt: skip
    # Requests only for ICE matches; a request always has its date, review and outcome.
    assert one("SELECT count(*) FROM b WHERE transfer_request <> 'none' AND ice_match = 'N'") == 0
    assert one(
        "SELECT count(*) FROM b WHERE (transfer_request <> 'none') <> (request_date IS NOT NULL)"
        " OR (transfer_request <> 'none') <> (pep_eligible IS NOT NULL)"
        " OR (transfer_request <> 'none') <> (request_outcome IS NOT NULL)"
    ) == 0  # fmt: skip
    assert one("SELECT count(*) FROM b WHERE person_id IS NULL") == 0
    assert one("SELECT count(*) FROM b") == world.bookings
    agencies = con.execute("SELECT * FROM ag").fetchall()
    assert len(agencies) == world.agencies
    activated = 0
    for row in agencies:
        a = dict(zip(params.AGENCY_COLUMNS, row, strict=True))
        assert re.fullmatch(r"[A-Z]{2}[0-9A-Z]{7}", a["ori"]) and a["ori"][:2] == a["state"]
        assert re.fullmatch(r"\d{5}", a["county_fips"])
        assert a["aor"] == STATE_AREA[a["state"]]
        groups = ("pop_hispanic", "pop_white", "pop_black", "pop_asian", "pop_other")
        assert sum(int(a[g]) for g in groups) == int(a["population"])
        assert all(int(a[g]) >= 0 for g in groups)
        assert 0 <= int(a["pop_lep"]) <= int(a["population"])
        if a["activation_date"]:
            activated += 1
            assert "2014-01-01" <= a["activation_date"] <= "2016-12-31"
    assert 0 < activated < world.agencies  # some agencies never take part


def test_it_plants_each_kind_on_its_own_agencies(world: synth.Summary) -> None:
    truth = json.loads(world.truth_path.read_text(encoding="utf-8"))
    assert truth["seed"] == 11 and truth["period"] == {"from": "2014-01-01", "to": "2016-12-31"}
    planted = truth["planted"]
    assert [p["ori"] for p in planted] == sorted({p["ori"] for p in planted})
    assert {k: sum(p["kind"] == k for p in planted) for k in params.PLANT_KINDS} == ALL_KINDS
    assert tuple((p["ori"], p["kind"]) for p in planted) == world.planted
    oris = {ori for (ori,) in query(world, "SELECT ori FROM ag")}
    assert {p["ori"] for p in planted} <= oris
    assert all(p["effect"] for p in planted)
    assert truth["parameters"]["plants"] == ALL_KINDS


# Per agency: the statistic a monitoring engine would look at for each planted kind.
EFFECTS = {
    "pretext": f"""avg(CASE WHEN ethnicity = 'H' AND booking_date >= activation_date THEN {MINOR} END)
                - avg(CASE WHEN ethnicity = 'H' AND booking_date < activation_date THEN {MINOR} END)""",
    "lep": f"""avg(CASE WHEN lep = 'Y' AND booking_date >= activation_date THEN {MINOR} END)
            - avg(CASE WHEN lep = 'Y' AND booking_date < activation_date THEN {MINOR} END)""",
    "dismissal": """
        avg(CASE WHEN ethnicity = 'H' AND disposition IN ('convicted', 'dismissed')
                 THEN (disposition = 'dismissed')::INT END)
        - avg(CASE WHEN ethnicity = 'N' AND disposition IN ('convicted', 'dismissed')
                   THEN (disposition = 'dismissed')::INT END)""",
    "lowprio": "avg(CASE WHEN transfer_request <> 'none' THEN (pep_eligible = 'N')::INT END)",
    # raised throughout the period: the group's minor-offence share against the others'
    "hispanic_level": f"""avg(CASE WHEN ethnicity = 'H' THEN {MINOR} END)
                       - avg(CASE WHEN ethnicity = 'N' THEN {MINOR} END)""",
    "lep_level": f"avg(CASE WHEN lep = 'Y' THEN {MINOR} END) - avg(CASE WHEN lep = 'N' THEN {MINOR} END)",
}


@pytest.mark.parametrize("kind", params.PLANT_KINDS)
def test_it_makes_planted_agencies_stand_out(world: synth.Summary, kind: str) -> None:
    rows = query(world, f"SELECT ori, {EFFECTS[kind]} FROM b JOIN ag USING (ori) GROUP BY ori")
    planted = [v for ori, v in rows if (ori, kind) in world.planted]
    others = [v for ori, v in rows if v is not None and ori not in dict(world.planted)]
    assert len(planted) == 3 and None not in planted
    assert np.mean(planted) > np.mean(others) + 0.1
    assert sum(v > np.quantile(others, 0.75) for v in planted) >= 2


def test_it_makes_agencies_differ_beyond_chance(world: synth.Summary) -> None:
    """Dismissal rates of the larger unplanted agencies spread far more than binomial noise."""
    rows = query(
        world,
        "SELECT ori, count(*), avg((disposition = 'dismissed')::INT) FROM b"
        " WHERE disposition IN ('convicted', 'dismissed') GROUP BY ori HAVING count(*) >= 2000",
    )
    rates = np.array([r for ori, _, r in rows if ori not in dict(world.planted)])
    sizes = np.array([n for ori, n, _ in rows if ori not in dict(world.planted)])
    assert len(rates) >= 8
    noise = np.mean(rates * (1 - rates) / sizes)
    assert rates.var() > 10 * noise


def test_it_drifts_the_minor_offence_share_over_time(world: synth.Summary) -> None:
    rows = query(world, f"SELECT left(booking_date, 4), avg({MINOR}) FROM b GROUP BY 1 ORDER BY 1")
    shares = [share for _, share in rows]
    assert shares[0] > shares[1] > shares[2]


def test_it_requests_transfers_mostly_after_activation(world: synth.Summary) -> None:
    rows = dict(
        query(
            world,
            "SELECT booking_date >= activation_date, avg((transfer_request <> 'none')::INT) FROM b"
            " JOIN ag USING (ori) WHERE ice_match = 'Y' AND activation_date IS NOT NULL GROUP BY 1",
        )
    )
    assert rows[True] > 2 * rows[False]


def test_it_writes_cases_covering_every_priority_clause(world: synth.Summary) -> None:
    assert world.cases_path is not None
    cases = [json.loads(line) for line in world.cases_path.read_text(encoding="utf-8").splitlines()]
    assert len(cases) == 60 and len({c["id"] for c in cases}) == 60
    fields = {"id", "as_of", "birth_date", "convictions", "pending_charges", "national_security"}
    assert all(fields <= set(c) for c in cases)

    def some(test: Any) -> bool:
        return any(test(c, c["convictions"]) for c in cases)

    def counted(c: dict[str, Any]) -> list[dict[str, Any]]:
        return [v for v in c["convictions"] if v["date"] <= c["as_of"]]

    assert some(lambda c, _: c["national_security"])  # 1(a)
    assert some(lambda c, _: c["border_apprehension"])  # 1(b)
    assert some(lambda c, _: c["gang_participation"] and c["birth_date"])  # 1(c)
    assert some(lambda c, v: any("gang" in x["categories"] for x in v))  # 1(c)
    assert some(lambda c, _: any(x["severity"] == "felony" for x in counted(c)))  # 1(d)
    assert some(lambda c, v: any("aggravated_felony" in x["categories"] for x in v))  # 1(e)
    assert some(lambda c, _: len({x["incident"] for x in counted(c) if x["severity"] == "misdemeanor"}) >= 3)  # 2(a)  # fmt: skip
    assert some(lambda c, v: any("dui" in x["categories"] for x in v))  # 2(b)
    assert some(lambda c, v: any(x["sentence_days"] >= 90 and not x["suspended"] for x in v))
    assert some(lambda c, _: c["unlawful_entry"] and c["continuous_presence_since"] is None)  # 2(c)
    assert some(lambda c, _: c["visa_abuse"])  # 2(d)
    assert some(lambda c, _: (c["final_order_date"] or "") >= "2014-01-01")  # 3
    assert some(lambda c, v: not v and c["pending_charges"])  # pending charges only
    assert some(lambda c, v: any(x["date"] > c["as_of"] for x in v))  # conviction after as_of


def test_it_scales_to_the_requested_number_of_bookings(tmp_path: Path) -> None:
    summary = run(tmp_path, bookings=50_000, cases=0)
    assert 45_000 < summary.bookings < 55_000
    assert summary.cases_path is None and not (tmp_path / "cases.jsonl").exists()


def test_it_reports_progress_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    run(tmp_path, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (13, 13) and len(calls) == 13
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "agencies.csv", "bookings.csv", "cases.jsonl", "cases_truth.json", "truth.json",
    ]  # fmt: skip


def test_it_handles_tiny_runs(tmp_path: Path) -> None:
    summary = run(tmp_path, agencies=3, bookings=2, plants={"dismissal": 3}, start=END)
    assert summary.agencies == 3 and len(summary.planted) == 3
    assert tables(summary).execute("SELECT count(*) FROM b").fetchone() == (summary.bookings,)


@pytest.mark.parametrize(
    ("overrides", "option"),
    [
        ({"agencies": 0}, "agencies"),
        ({"end": date(2013, 12, 31)}, "end"),
        ({"plants": {"sloth": 1}}, "plant"),
        ({"plants": {"pretext": -1}}, "plant"),
        ({"plants": {"pretext": 10, "lep": 3}}, "plant"),
        ({"fmt": "xlsx"}, "format"),
        ({"cases": -1}, "cases"),
        ({"bookings": 0}, "bookings"),
        ({"effects": {"sloth": (1.0, 2.0)}}, "effect"),
        ({"effects": {"pretext": (3.0, 2.0)}}, "effect"),
        ({"effects": {"lowprio": (0.5, 2.0)}}, "effect"),
    ],
)
def test_it_rejects_bad_arguments(tmp_path: Path, overrides: dict[str, Any], option: str) -> None:
    with pytest.raises(synth.SynthArgumentError) as caught:
        run(tmp_path / "out", **overrides)
    assert caught.value.option == option
    assert not (tmp_path / "out").exists()


def test_it_plants_effects_of_a_chosen_size(tmp_path: Path) -> None:
    """For recall at chosen effect sizes: the range given replaces the default one, in the
    data and in truth.json."""
    effects = {"pretext": (1.5, 1.5), "dismissal": (0.3, 0.3)}
    run(tmp_path, agencies=6, plants={"pretext": 2, "dismissal": 2}, effects=effects)
    truth = json.loads((tmp_path / "truth.json").read_text())
    sizes: dict[str, list[float]] = {p["kind"]: [] for p in truth["planted"]}
    for p in truth["planted"]:
        sizes[p["kind"]].append(next(v for v in p["effect"].values() if isinstance(v, float)))
    assert sizes == {"pretext": [1.5, 1.5], "dismissal": [0.3, 0.3]}
    ranges = truth["parameters"]["planted_effect_ranges"]
    assert ranges["pretext"] == {"minor_offense_rate_ratio": [1.5, 1.5]}
    assert ranges["lowprio"] == params.PARAMETERS["planted_effect_ranges"]["lowprio"]


def test_case_ids_do_not_give_the_answer_away(world: synth.Summary) -> None:
    assert world.cases_path is not None
    ids = [json.loads(line)["id"] for line in world.cases_path.read_text().splitlines()]
    truth = json.loads(world.cases_path.with_name("cases_truth.json").read_text())
    assert all(re.fullmatch(r"synth-\d{6}", i) for i in ids)
    assert set(truth) == set(ids) and {"1a", "2b-89-days", "none-pending-only"} <= set(
        truth.values()
    )
