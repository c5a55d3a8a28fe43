"""The shipped profiles on small files made from their documented layouts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from transferwatch.imports.mapping import load_profile
from transferwatch.imports.tests.conftest import write
from transferwatch.imports.warehouse import import_bookings, store

pytestmark = pytest.mark.usefixtures("phi_agency")
ORI = "PA0460000"


def stored(*columns: str) -> list[tuple[Any, ...]]:
    listed = ", ".join(("booking_id", *columns))
    return duckdb.sql(f"SELECT {listed} FROM {store().scan_sql()} ORDER BY booking_id").fetchall()


# The state's RIPA column names (as in the Mountain View files), one agency in `ORI`.
STATE = (
    "LEARecordID,ORI,SDate,STime,PID,Ethn,Gend,Age,Is_LimEng,StReas,Tr_ID,ResCD",
    "101,PA0460000,1/5/2022,9:05,1,Hispanic/Latino(a),Male,25,Y,Traffic Violation,Equipment,"
    "Warning (verbal or written)",
    '102,PA0460000,1/6/2022,10:00,1,"White,Asian",Female,40,N,Traffic Violation,Moving,'
    "Citation for infraction",
    "102,PA0460000,1/6/2022,10:00,2,Middle Eastern or South Asian,Trans Woman/Girl,30,N,"
    "Knowledge of outstanding arrest warrant/wanted person,,Custodial arrest pursuant to "
    "outstanding warrant",
)
# The agency export (as in the Los Altos files): leading spaces, ';' between values, a BOM, no
# agency column, and `reaultOfStop` misspelt.
EXPORT = (
    "\ufeffstopID,stopTime,PID,perceivedRace,perceivedLimitedEnglish,perceivedAge,"
    "perceivedGender,reasonForStop,reasonForStopDetail,reaultOfStop",
    "55,2/1/2021 10:39,1, White; Hispanic/Latino/a,TRUE,50,Male, Traffic Violation,"
    '" Non-moving Violation, including Registration Violation", Citation for infraction',
    "56,2/2/2021 23:59,1, Black/African American,FALSE,30,Female, Reasonable Suspicion;"
    " Reasonable Suspicion, Matched suspect description, No Action",
)


def test_ripa_reads_the_state_column_names(data_dir: Path) -> None:
    imp = import_bookings(write(data_dir / "mv.csv", *STATE), mapping=load_profile("ripa"))
    assert imp.status == "done" and "layout state" in imp.message, imp.message
    assert stored(
        "ori", "sex", "age", "race", "ethnicity", "lep", "offense_category",
        "offense_severity", "encounter",
    ) == [
        (f"{ORI}:101:1", ORI, "M", 25, None, "H", "Y", "minor_traffic", "infraction", "stop"),
        (f"{ORI}:102:1", ORI, "F", 40, "O", "N", "N", "traffic", "infraction", "stop"),
        (f"{ORI}:102:2", ORI, "F", 30, "O", "N", "N", "warrant", None, "stop"),
    ]  # fmt: skip


def test_ripa_reads_an_agency_export_with_ori_given(data_dir: Path) -> None:
    path = data_dir / "la.csv"
    path.write_bytes(("\n".join(EXPORT) + "\n").encode("utf-8"))
    imp = import_bookings(path, mapping=load_profile("ripa"), ori=ORI)
    assert imp.status == "done" and "layout agency-export" in imp.message, imp.message
    assert stored("booking_date", "race", "ethnicity", "lep", "offense_category", "sex") == [
        (f"{ORI}:55:1", date(2021, 2, 1), "W", "H", "Y",
         "minor_traffic", "M"),
        (f"{ORI}:56:1", date(2021, 2, 2), "B", "N", "N",
         "other", "F"),
    ]  # fmt: skip


def test_ripa_detects_a_windows_1252_export(data_dir: Path) -> None:
    path = data_dir / "la.csv"
    rows = [*EXPORT[1:]] * 1
    text = "\n".join([EXPORT[0].lstrip("\ufeff"), *rows]) + "\n"
    text = text.replace("Matched suspect description", "Matched suspect \u201cdescription\u201d")
    path.write_bytes(text.encode("cp1252"))
    imp = import_bookings(path, mapping=load_profile("ripa"), ori=ORI)
    assert imp.status == "done" and "read as cp125" in imp.message, imp.message
    assert len(stored()) == 2


# The Stanford Open Policing Project's standardized columns (openpolicing.stanford.edu/data).
OPP = (
    "raw_row_number,date,time,location,subject_age,subject_race,subject_sex,type,violation,"
    "arrest_made,citation_issued,warning_issued,outcome,search_conducted,reason_for_stop,"
    "department_name",
    "1,2016-05-01,08:10:00,Main St,34,hispanic,male,vehicular,SPEEDING,FALSE,TRUE,FALSE,"
    "citation,FALSE,Speeding,City PD",
    "2|3,2016-05-02,22:40:00,Elm St,51,white,female,vehicular,HEADLIGHT OUT,FALSE,FALSE,TRUE,"
    "warning,FALSE,Equipment Violation,City PD",
    "4,2016-05-03,01:15:00,Oak St,,asian/pacific islander,male,pedestrian,,TRUE,FALSE,FALSE,"
    "arrest,TRUE,Reasonable Suspicion,City PD",
    "5,2016-05-03,02:00:00,Oak St,22,black,male,vehicular,,FALSE,FALSE,TRUE,"
    "warning,FALSE,Investigative Stop Of Vehicle,City PD",
    "6,2016-05-04,03:00:00,Oak St,28,other,female,vehicular,,FALSE,FALSE,TRUE,"
    "warning,FALSE,Mystery,City PD",
)


def test_opp_reads_the_standardized_stop_schema(data_dir: Path) -> None:
    imp = import_bookings(write(data_dir / "city.csv", *OPP), mapping=load_profile("opp"), ori=ORI)
    assert imp.status == "done", imp.message
    assert imp.details["unmapped"] == [
        "offense_category (from reason_for_stop): 1 value not in the map, 1 row: 'Mystery' (1 row)"
    ]
    assert stored(
        "age", "sex", "race", "ethnicity", "offense_category", "offense_severity", "encounter"
    ) == [
        (f"{ORI}:1", 34, "M", None, "H", "traffic", "infraction", "stop"),
        (f"{ORI}:2|3", 51, "F", "W", "N", "minor_traffic", "infraction", "stop"),
        (f"{ORI}:4", None, "M", "A", "N", "other", None, "stop"),
        (f"{ORI}:5", 22, "M", "B", "N", "other", None, "stop"),
        (f"{ORI}:6", 28, "F", "O", "N", None, None, "stop"),
    ]


def test_every_profile_is_a_valid_mapping_with_a_description() -> None:
    for name in ("ripa", "opp", "pierce"):
        profile = load_profile(name)
        assert profile.description and profile.layouts
