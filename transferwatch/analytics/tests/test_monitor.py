"""A whole monitoring run over synthetic data: contract shape, null rate, planted effects, bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from transferwatch.analytics.aggregate import MonitorInputError
from transferwatch.analytics.assess import WEAK, WEAK_WEIGHT
from transferwatch.analytics.ice import ICE_NAMES
from transferwatch.analytics.indicators import NAMES
from transferwatch.analytics.monitor import run
from transferwatch.analytics.synth import generate

START, END = date(2014, 1, 1), date(2016, 12, 31)
KIND = {
    "pretext": "minor_offense_shift",
    "lowprio": "non_priority_transfers",
    "dismissal": "dismissal_disparity",
    "lep": "lep_minor_offense",
}


def _synth(folder: Path, agencies: int, plants: int, seed: int) -> Path:
    kinds = {k: plants for k in KIND}
    generate(folder, agencies=agencies, start=START, end=END, seed=seed, plants=kinds, fmt="parquet")  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def null_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = _synth(tmp_path_factory.mktemp("null"), agencies=150, plants=0, seed=11)
    return run(folder / "bookings.parquet", folder / "agencies.parquet")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, str]]:
    folder = _synth(tmp_path_factory.mktemp("planted"), agencies=120, plants=5, seed=7)
    truth = json.loads((folder / "truth.json").read_text())
    doc = run(folder / "bookings.parquet", folder / "agencies.parquet")
    return doc, {p["ori"]: p["kind"] for p in truth["planted"]}


def test_it_writes_the_contract_shape(null_run: dict[str, Any]) -> None:
    assert set(null_run) == {"period", "method_version", "agencies"}
    assert null_run["period"] == {"from": "2014-01-01", "to": "2016-12-31"}
    assert len(null_run["agencies"]) == 150
    keys = {"name", "group", "estimate", "ci_low", "ci_high", "p_value", "q_value", "n", "flagged", "explanation"}  # fmt: skip
    for agency in null_run["agencies"]:
        assert set(agency) == {"ori", "n_bookings", "flagged", "concern", "indicators", "request_rates", "request_rates_note"}  # fmt: skip
        assert agency["flagged"] == (agency["concern"] == "significant")
        assert [i["name"] for i in agency["indicators"]] == [*NAMES, *ICE_NAMES]
        for ind in agency["indicators"]:
            assert set(ind) == keys
            if ind["estimate"] is None:
                assert not ind["flagged"] and ind["explanation"]
            else:
                assert ind["ci_low"] <= ind["estimate"] <= ind["ci_high"]
                assert 0 <= ind["p_value"] <= 1 and 0 <= ind["q_value"] <= 1
                # weighted Benjamini-Hochberg: q is BH of p / w, the weights averaging 1; the
                # weak indicator's weight is below 1, the others' at most 1 / WEAK_WEIGHT
                if ind["name"] in WEAK:
                    assert ind["p_value"] <= ind["q_value"]
                else:
                    assert ind["p_value"] * WEAK_WEIGHT <= ind["q_value"]
    json.dumps(null_run, allow_nan=False)


def test_without_planted_misuse_flags_stay_within_the_fdr(null_run: dict[str, Any]) -> None:
    flagged = sum(a["flagged"] for a in null_run["agencies"])
    assert flagged / len(null_run["agencies"]) <= 0.05


def test_it_finds_planted_misuse_on_the_right_indicator(
    planted: tuple[dict[str, Any], dict[str, str]],
) -> None:
    doc, truth = planted
    hits = 0
    for agency in doc["agencies"]:
        names = {i["name"] for i in agency["indicators"] if i["flagged"]}
        if agency["ori"] in truth:
            hits += KIND[truth[agency["ori"]]] in names
        else:
            assert not names, f"clean agency {agency['ori']} flagged on {names}"
    assert hits >= 5  # the full recall study is benchmarks/monitor_validation.py


def test_the_population_benchmark_never_flags_alone(null_run: dict[str, Any]) -> None:
    for agency in null_run["agencies"]:
        bench = next(i for i in agency["indicators"] if i["name"] == "population_benchmark")
        assert not bench["flagged"]


def _write(folder: Path, agencies: str, bookings: str) -> tuple[Path, Path]:
    (folder / "a.csv").write_text(agencies)
    (folder / "b.csv").write_text(bookings)
    return folder / "b.csv", folder / "a.csv"


AGENCIES = "ori,state,activation_date\nTX0000001,TX,2015-06-01\nTX0000002,TX,\n"
BOOKINGS = (
    "booking_id,ori,booking_date,ethnicity\n1,TX0000001,2015-03-01,H\n2,TX0000002,2015-09-01,N\n"
)


def test_it_names_missing_columns(tmp_path: Path) -> None:
    b, a = _write(tmp_path, AGENCIES, "booking_id,booking_date\n1,2015-01-01\n")
    with pytest.raises(MonitorInputError, match="missing required column ori"):
        run(b, a)
    b, a = _write(tmp_path, "name\nX\n", BOOKINGS)
    with pytest.raises(MonitorInputError, match="missing required column ori"):
        run(b, a)


def test_it_names_unknown_agencies(tmp_path: Path) -> None:
    b, a = _write(tmp_path, "ori\nTX0000001\n", BOOKINGS)
    with pytest.raises(MonitorInputError, match="not in the agencies table: TX0000002"):
        run(b, a)


def test_it_refuses_a_period_without_data(tmp_path: Path) -> None:
    b, a = _write(tmp_path, AGENCIES, BOOKINGS)
    with pytest.raises(MonitorInputError, match="no bookings between 2020-01-01 and 2020-12-31"):
        run(b, a, date(2020, 1, 1), date(2020, 12, 31))
    with pytest.raises(MonitorInputError, match="after it ends"):
        run(b, a, date(2016, 1, 1), date(2015, 1, 1))


def test_it_refuses_bad_agency_dates_and_missing_files(tmp_path: Path) -> None:
    b, a = _write(tmp_path, "ori,activation_date\nTX0000001,01/06/2015\nTX0000002,\n", BOOKINGS)
    with pytest.raises(MonitorInputError, match="not a date"):
        run(b, a)
    b, a = _write(tmp_path, AGENCIES, BOOKINGS)
    with pytest.raises(MonitorInputError, match="no such file"):
        run(tmp_path / "none.csv", a)


def test_an_agency_without_activation_date_is_reported_not_flagged(tmp_path: Path) -> None:
    b, a = _write(tmp_path, AGENCIES, BOOKINGS)
    doc = run(b, a)
    second = doc["agencies"][1]
    shift = second["indicators"][0]
    assert shift["estimate"] is None and "no activation date" in shift["explanation"]
    assert [x["n_bookings"] for x in doc["agencies"]] == [1, 1]


def test_column_names_are_matched_ignoring_case(tmp_path: Path) -> None:
    upper = BOOKINGS.replace("booking_id,ori,booking_date,ethnicity", "BOOKING_ID,ORI,Booking_Date,Ethnicity")  # fmt: skip
    b, a = _write(tmp_path, AGENCIES, upper)
    assert [x["n_bookings"] for x in run(b, a)["agencies"]] == [1, 1]


def test_an_empty_warehouse_is_no_data_not_a_crash(tmp_path: Path) -> None:
    from transferwatch.analytics.aggregate import AgencyInfo
    from transferwatch.analytics.warehouse import BookingStore

    with pytest.raises(MonitorInputError, match="no bookings"):
        run(BookingStore(tmp_path).scan_sql(), [AgencyInfo("TX0000001", state="TX")])


def test_bookings_without_a_date_or_an_agency_are_counted_and_refused(tmp_path: Path) -> None:
    """Never a silent drop: the message says how many bookings lack the field."""
    b, a = _write(tmp_path, AGENCIES, BOOKINGS + "3,TX0000001,,H\n4,TX0000001,,N\n")
    with pytest.raises(MonitorInputError, match="2 bookings have no booking_date"):
        run(b, a)
    with pytest.raises(MonitorInputError, match="2 bookings have no booking_date"):
        run(b, a, date(2015, 1, 1), date(2015, 12, 31))  # also inside a given period
    b, a = _write(tmp_path, AGENCIES, BOOKINGS + "3,,2015-04-01,H\n")
    with pytest.raises(MonitorInputError, match="1 booking has no ori"):
        run(b, a)


def test_an_agency_without_a_past_is_compared_with_other_agencies(tmp_path: Path) -> None:
    """Activated before the period: the post-activation odds ratio, judged against the same
    odds ratio at every agency, instead of "cannot be assessed"."""
    agencies = ["ori,state,activation_date"]
    rows = ["booking_id,ori,booking_date,ethnicity,offense_category"]
    n = 0
    for k in range(12):
        ori = f"TX{k:07d}"
        agencies.append(f"{ori},TX,{'2013-01-01' if k == 0 else '2015-07-01'}")
        # agency 0 arrests Hispanic people for minor offences 3 times as often as the others do
        for month in range(1, 13):
            for eth, minor, other in (("H", 3 if k == 0 else 1, 4), ("N", 1, 4)):
                for offence, count in (("minor_traffic", minor), ("property", other)):
                    for _ in range(count + (k % 3) * (offence == "property")):
                        n += 1
                        rows.append(f"{n},{ori},2015-{month:02d}-15,{eth},{offence}")
    b, a = _write(tmp_path, "\n".join(agencies) + "\n", "\n".join(rows) + "\n")
    comparisons: dict[tuple[str, str], str] = {}
    doc = run(b, a, comparisons=comparisons)
    assert comparisons[("TX0000000", "minor_offense_shift")] == "odds ratio after activation"
    # an agency with a past is tested on both; its one entry reports the level (nothing flagged)
    assert comparisons[("TX0000001", "minor_offense_shift")] == "odds ratio after activation"
    second = {i["name"]: i for i in doc["agencies"][1]["indicators"]}["minor_offense_shift"]
    assert "change at activation: share of Hispanic arrests" in second["explanation"]
    assert all("comparison" not in i for e in doc["agencies"] for i in e["indicators"])
    first = {i["name"]: i for i in doc["agencies"][0]["indicators"]}["minor_offense_shift"]
    assert first["estimate"] is not None and first["estimate"] > 0.9
    assert "activated before the period" in first["explanation"]
    assert first["p_value"] < 0.05
    assert first["p_value"] == min(
        i["p_value"] for a in doc["agencies"] for i in a["indicators"] if i["name"] == first["name"]
    )
    later = {i["name"]: i for i in doc["agencies"][3]["indicators"]}["minor_offense_shift"]
    # six months before activation, 24 Hispanic arrests for other offences (the comparison,
    # other minor-offence arrests being fewer still): the level alone, and the change says why
    assert later["estimate"] is not None
    assert "change at activation: too few other arrests to compare with (24 before activation" in later["explanation"]  # fmt: skip


def test_a_bad_date_is_named_by_line_and_column_without_the_line(tmp_path: Path) -> None:
    """DuckDB quotes the offending line; the message keeps only file, line and column."""
    bookings = "booking_id,ori,booking_date,person_name\n1,TX0000001,2015-03-01,Ana Example\n"
    bookings += "2,TX0000002,01/09/2015,Maria Example\n"
    b, a = _write(tmp_path, AGENCIES, bookings)
    with pytest.raises(MonitorInputError) as err:
        run(b, a)
    assert str(err.value) == "b.csv: line 3, column booking_date: the value is not a date (YYYY-MM-DD)"  # fmt: skip
    assert "Maria" not in str(err.value) and "01/09" not in str(err.value)
