"""Bookings through a mapping file: each feature of the format on a small file made here."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from transferwatch.imports.mapping import load
from transferwatch.imports.tests.conftest import write
from transferwatch.imports.warehouse import import_bookings, store

pytestmark = pytest.mark.usefixtures("phi_agency")

ORI = "PA0460000"


def stored(*columns: str) -> list[tuple[Any, ...]]:
    listed = ", ".join(("booking_id", *columns))
    sql = f"SELECT {listed} FROM {store().scan_sql()} ORDER BY booking_id"
    return duckdb.sql(sql).fetchall()


def mapping(folder: Path, text: str, name: str = "m.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run(source: Path, toml: Path, **options: Any) -> Any:
    return import_bookings(source, mapping=load(toml), **options)


BASIC = """
[columns]
booking_id = "Case No"
ori = { value = "PA0460000" }
booking_date = { column = "Arrest Date", date = ["%m/%d/%Y %H:%M", "%m/%d/%Y"] }
age = "Age"
encounter = { value = "arrest" }
sex = { column = "Sex", map = { "Male" = "M", "Female" = "F" } }
lep = { column = "Interpreter", map = { "yes" = "Y", "no" = "N" } }
"""


def test_it_renames_maps_values_and_reads_dates(data_dir: Path) -> None:
    source = write(
        data_dir / "arrests.csv",
        "Case No,Arrest Date,Age,Sex,Interpreter,Unused",
        "A-1,3/7/2015 14:05,31, male ,YES,x",
        "A-2,12/31/2015,45,Female,,x",
        "A-3,1/2/2016 00:10,,FEMALE,no,x",
    )
    imp = run(source, mapping(data_dir, BASIC))
    assert imp.status == "done" and imp.rows_accepted == 3, imp.message
    assert stored("ori", "booking_date", "age", "sex", "lep", "encounter", "race") == [
        ("A-1", ORI, date(2015, 3, 7), 31, "M", "Y", "arrest", None),
        ("A-2", ORI, date(2015, 12, 31), 45, "F", None, "arrest", None),
        ("A-3", ORI, date(2016, 1, 2), None, "F", "N", "arrest", None),
    ]


MULTI = """
[columns]
booking_id = "id"
ori = { value = "PA0460000" }
booking_date = "day"
race = { column = "perceived", split = ";", several = "O", map = { "White" = "W", "Black" = "B", "Asian" = "A", "Hispanic" = "" } }
ethnicity = { column = "perceived", split = ";", priority = ["H", "N"], map = { "Hispanic" = "H", "White" = "N", "Black" = "N", "Asian" = "N" } }
"""


def test_several_values_in_a_cell_give_one_race_and_hispanic_if_any(data_dir: Path) -> None:
    source = write(
        data_dir / "stops.csv",
        "id,day,perceived",
        "s1,2015-03-01, White",
        "s2,2015-03-01, Hispanic; White",
        "s3,2015-03-01, Black; Asian",
        "s4,2015-03-01, Hispanic",
        "s5,2015-03-01, White; White",
        "s6,2015-03-01,",
    )
    imp = run(source, mapping(data_dir, MULTI))
    assert imp.status == "done", imp.message
    assert stored("race", "ethnicity") == [
        ("s1", "W", "N"),
        ("s2", "W", "H"),
        ("s3", "O", "N"),
        ("s4", None, "H"),
        ("s5", "W", "N"),
        ("s6", None, None),
    ]


PATTERNS = """
[columns]
booking_id = "id"
ori = { value = "PA0460000" }
booking_date = "day"

[columns.offense_category]
column = "class"
match = [
  { column = "charge", like = "DUI%", value = "dui" },
  { column = "charge", regex = "^(ASSAULT|BATTERY)\\\\b", value = "violent" },
]
map = { "drug" = "drug_possession", "other" = "other" }
default = "other"
"""


def test_pattern_rules_come_first_then_the_map_then_the_default(data_dir: Path) -> None:
    source = write(
        data_dir / "charges.csv",
        "id,day,charge,class",
        "c1,2015-03-01,DUI 1ST,other",
        "c2,2015-03-01,assault 4,other",
        "c3,2015-03-01,ASSAULTIVE SPEECH,drug",
        "c4,2015-03-01,TRESPASS,burglary-ish",
    )
    imp = run(source, mapping(data_dir, PATTERNS))
    assert imp.status == "done", imp.message
    assert stored("offense_category") == [
        ("c1", "dui"),
        ("c2", "violent"),
        ("c3", "drug_possession"),
        ("c4", "other"),
    ]


GROUPED = """
[group]
by = "booking_id"
rank = "rank"
not_ranked = { column = "charge", like = "HOLD %" }

[columns]
booking_id = "bk"
ori = { value = "PA0460000" }
booking_date = { column = "when", date = "%Y-%m-%d %H:%M:%S" }
offense_category = { column = "charge", aggregate = "most_serious", match = [
  { like = "HOLD IMMIGRAT%", value = "immigration_status" },
  { like = "ASSAULT%", value = "violent" },
  { like = "THEFT%", value = "property" },
], default = "other" }
offense_severity = { column = "class", aggregate = "most_serious", map = { "felony" = "felony", "misd" = "misdemeanor", "other" = "" } }
transfer_request = { sql = "CASE WHEN hold = '1' OR charge ILIKE 'HOLD IMMIGRAT%' THEN 'detainer' ELSE 'none' END", if_any = "detainer" }
"""


def test_charges_become_one_booking_with_the_most_serious_charge_and_any_hold(
    data_dir: Path,
) -> None:
    source = write(
        data_dir / "charges.csv",
        "bk,when,charge,class,rank,hold",
        "b1,2015-03-01 10:00:00,THEFT 3,misd,2,0",
        "b1,2015-03-01 10:00:00,ASSAULT 2,felony,5,0",
        "b1,2015-03-01 10:00:00,HOLD IMMIGRAT,other,9,0",
        "b2,2015-04-01 08:00:00,HOLD IMMIGRAT,other,0,0",
        "b3,2015-05-01 08:00:00,THEFT 2,felony,4,0",
        "b3,2015-05-01 08:00:00,THEFT 3,misd,2,1",
    )
    imp = run(source, mapping(data_dir, GROUPED))
    assert imp.status == "done" and imp.rows_accepted == 3, imp.message
    assert "from 6 rows" in imp.message
    assert stored("offense_category", "offense_severity", "transfer_request") == [
        ("b1", "violent", "felony", "detainer"),
        ("b2", "immigration_status", None, "detainer"),
        ("b3", "property", "felony", "detainer"),
    ]


def test_a_problem_in_a_grouped_booking_is_named_with_the_first_row_in_the_file(
    data_dir: Path,
) -> None:
    source = write(
        data_dir / "charges.csv",
        "bk,when,charge,class,rank,hold",
        "b1,2015-03-01 10:00:00,THEFT 3,misd,2,0",
        "b2,03/01/2015,THEFT 3,misd,2,0",
        "b2,03/01/2015,THEFT 2,felony,4,0",
    )
    imp = run(source, mapping(data_dir, GROUPED))
    assert imp.status == "rejected"
    assert imp.details["first_errors"] == [
        "charges.csv, row 3, column booking_date: not a date in the form YYYY-MM-DD "
        "(value '03/01/2015')"
    ]
    assert store().files() == []


AGENCY_MAP = """
[columns]
booking_id = "id"
booking_date = "day"
ori = { column = "court", map = { "MONT" = "PA0460000", "PHL" = "PA0510000" } }
"""


def test_the_agency_comes_from_a_column_through_a_value_map(data_dir: Path) -> None:
    from transferwatch.agencies.models import Agency

    Agency.objects.create(ori="PA0510000", name="Philadelphia PD", state="PA")
    source = write(data_dir / "j.csv", "id,day,court", "j1,2015-03-01,MONT", "j2,2015-03-01,phl")
    imp = run(source, mapping(data_dir, AGENCY_MAP))
    assert imp.status == "done", imp.message
    assert stored("ori") == [("j1", ORI), ("j2", "PA0510000")]


NO_AGENCY = """
[columns]
booking_id = { template = "{@ori}:{stop}-{person}" }
booking_date = "day"
encounter = { value = "stop" }
"""


def test_ori_gives_the_agency_of_a_file_without_one_and_keys_the_ids(data_dir: Path) -> None:
    source = write(data_dir / "s.csv", "stop,person,day", "7,1,2015-03-01", "7,2,2015-03-01")
    imp = run(source, mapping(data_dir, NO_AGENCY), ori=ORI)
    assert imp.status == "done", imp.message
    assert stored("ori", "encounter") == [
        (f"{ORI}:7-1", ORI, "stop"),
        (f"{ORI}:7-2", ORI, "stop"),
    ]


def test_without_ori_a_file_without_an_agency_is_refused(data_dir: Path) -> None:
    from transferwatch.imports.services import ImportInputError

    source = write(data_dir / "s.csv", "stop,person,day", "7,1,2015-03-01")
    with pytest.raises(ImportInputError, match=r"s\.csv: .*takes the agency from no column"):
        run(source, mapping(data_dir, NO_AGENCY))
    assert store().files() == []


def test_ori_is_refused_when_the_file_names_its_agencies(data_dir: Path) -> None:
    from transferwatch.imports.services import ImportInputError

    source = write(data_dir / "j.csv", "id,day,court", "j1,2015-03-01,MONT")
    with pytest.raises(ImportInputError, match="the agency comes from the file"):
        run(source, mapping(data_dir, AGENCY_MAP), ori=ORI)


def test_a_reimport_replaces_the_same_stops_and_the_same_bytes_change_nothing(
    data_dir: Path,
) -> None:
    toml = mapping(data_dir, NO_AGENCY)
    first = write(data_dir / "a.csv", "stop,person,day", "7,1,2015-03-01", "8,1,2015-03-02")
    second = write(data_dir / "b.csv", "stop,person,day", "8,1,2015-03-02", "9,1,2015-03-03")
    assert run(first, toml, ori=ORI).rows_accepted == 2
    again = run(second, toml, ori=ORI)
    assert again.details["rows_replaced"] == 1 and store().manifest()["rows"] == 3
    assert run(second, toml, ori=ORI).status == "unchanged"
    # The same bytes through another mapping are another import.
    other = mapping(data_dir, NO_AGENCY.replace('"stop"', '"arrest"'), "other.toml")
    assert run(second, other, ori=ORI).status == "done"
    assert stored("encounter")[-1] == (f"{ORI}:9-1", "arrest")


ALTERNATIVES = """
[columns]
booking_id = "id"
ori = { value = "PA0460000" }
booking_date = "day"
offense_category = { column = ["resultOfStop", "reaultOfStop"], map = { "Arrest" = "other" } }
age = { column = "perceivedAge", optional = true }
"""


def test_a_column_may_have_alternative_names_and_an_optional_one_may_be_missing(
    data_dir: Path,
) -> None:
    source = write(data_dir / "s.csv", "id,day,reaultOfStop", "s1,2015-03-01,Arrest")
    imp = run(source, mapping(data_dir, ALTERNATIVES))
    assert imp.status == "done", imp.message
    assert stored("offense_category", "age") == [("s1", "other", None)]
    without = write(data_dir / "t.csv", "id,day", "t1,2015-03-01")
    from transferwatch.imports.services import ImportInputError

    with pytest.raises(
        ImportInputError, match=r"no column 'resultOfStop' or 'reaultOfStop' in t\.csv"
    ):
        run(without, mapping(data_dir, ALTERNATIVES))
