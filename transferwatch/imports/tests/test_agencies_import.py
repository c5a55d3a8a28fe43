"""Agencies into the database: contract checks, all or nothing, create and update by ORI."""

from __future__ import annotations

from pathlib import Path

import pytest

from transferwatch.agencies.models import Agency
from transferwatch.audit.models import Event
from transferwatch.imports.services import ImportInputError
from transferwatch.imports.tests.conftest import write
from transferwatch.imports.warehouse import import_agencies

HEADER = "ori,name,state,county_fips,activation_date,population,pop_hispanic,pop_white,pop_black,pop_asian,pop_other,pop_lep,peer_group"
IRVING = "TX0571800,Irving Police,TX,48113,2015-01-15,236000,96000,70000,30000,20000,5000,50000,"
MONTCO = "PA0460000,Montgomery County Sheriff,PA,42091,,826000,40000,600000,80000,50000,10000,30000,suburban"


def test_it_adds_agencies_with_their_area(data_dir: Path) -> None:
    imp = import_agencies(write(data_dir / "a.csv", HEADER, IRVING, MONTCO))
    assert imp.status == "done" and imp.details["created"] == 2
    irving = Agency.objects.get(ori="TX0571800")
    assert (irving.aor.code, str(irving.activation_date), irving.pop_lep) == (
        "DAL",
        "2015-01-15",
        50000,
    )
    assert Agency.objects.get(ori="PA0460000").peer_group == "suburban"
    assert Event.objects.filter(action="imports.import.done").count() == 1


def test_an_aor_column_wins_over_the_state_default(data_dir: Path) -> None:
    import_agencies(
        write(data_dir / "a.csv", "ori,name,state,aor", "TX0571800,Irving Police,TX,HOU")
    )
    assert Agency.objects.get(ori="TX0571800").aor.code == "HOU"


def test_it_updates_known_agencies(data_dir: Path) -> None:
    import_agencies(write(data_dir / "a.csv", HEADER, IRVING, MONTCO))
    changed = IRVING.replace("Irving Police", "Irving Police Department")
    imp = import_agencies(write(data_dir / "b.csv", HEADER, changed, MONTCO))
    assert (imp.details["created"], imp.details["updated"]) == (0, 1)
    assert Agency.objects.get(ori="TX0571800").name == "Irving Police Department"


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        (IRVING.replace("TX0571800", "IRVING"), "ori", "two letters and seven"),
        (IRVING.replace(",TX,", ",Texas,"), "state", "two-letter"),
        (IRVING.replace("48113", "481"), "county_fips", "five digits"),
        (IRVING.replace("2015-01-15", "2015-13-15"), "activation_date", "not a date"),
        (IRVING.replace("236000", "lots"), "population", "not a whole number"),
        (IRVING.replace(",96000,", ",-5,"), "pop_hispanic", "less than 0"),
        (IRVING.replace("236000", "1000"), "population", "less than the groups"),
        (IRVING.replace(",50000,", ",300000,"), "pop_lep", "more than the population"),
    ],
)
def test_it_rejects_bad_rows_and_saves_nothing(
    data_dir: Path, line: str, column: str, message: str
) -> None:
    imp = import_agencies(write(data_dir / "a.csv", HEADER, MONTCO, line))
    assert imp.status == "rejected"
    prefix = f"a.csv, row 3, column {column}: "
    assert any(e.startswith(prefix) and message in e for e in imp.details["first_errors"])
    assert not Agency.objects.exists()


def test_it_rejects_a_repeated_ori_and_an_unknown_area(data_dir: Path) -> None:
    imp = import_agencies(
        write(
            data_dir / "a.csv",
            "ori,name,state,aor",
            "TX0571800,A,TX,",
            "TX0571800,B,TX,",
            "PA0460000,C,PA,XYZ",
        )
    )
    errors = " ".join(imp.details["first_errors"])
    assert "row 3, column ori: repeats the ori of row 2" in errors
    assert "row 4, column aor: not an ICE area code" in errors


def test_it_needs_an_ori_column(data_dir: Path) -> None:
    with pytest.raises(ImportInputError, match="missing required column ori"):
        import_agencies(write(data_dir / "a.csv", "name,state", "Irving,TX"))
