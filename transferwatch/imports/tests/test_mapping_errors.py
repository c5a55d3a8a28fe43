"""Bad input through a mapping: a clear message naming the file, nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from transferwatch.imports.mapping import MappingError, load
from transferwatch.imports.models import Import
from transferwatch.imports.services import ImportInputError
from transferwatch.imports.tests.conftest import write
from transferwatch.imports.tests.test_mappings import mapping, run
from transferwatch.imports.warehouse import import_bookings, store

pytestmark = pytest.mark.usefixtures("phi_agency")

RACE = """
[columns]
booking_id = "id"
ori = { value = "PA0460000" }
booking_date = "day"
race = { column = "race", map = { "WHITE" = "W", "BLACK" = "B" } }
"""


def nothing_written() -> bool:
    return store().files() == [] and not store().manifest()["imports"]


def test_an_unknown_source_column_names_the_mapping_the_key_the_column_and_the_header(
    data_dir: Path,
) -> None:
    source = write(data_dir / "a.csv", "id,day,Race_Desc", "a1,2015-03-01,WHITE")
    with pytest.raises(ImportInputError) as caught:
        run(source, mapping(data_dir, RACE))
    assert str(caught.value) == (
        "m.toml: columns.race: no column 'race' in a.csv (the header has id, day, Race_Desc)"
    )
    assert nothing_written()
    assert Import.objects.get().status == "failed"


def test_values_a_map_leaves_out_are_counted_shown_and_refused(data_dir: Path) -> None:
    source = write(
        data_dir / "a.csv",
        "id,day,race",
        "a1,2015-03-01,WHITE",
        "a2,2015-03-01,HISPANIC",
        "a3,2015-03-01,HISPANIC",
        "a4,2015-03-01,OTHR",
        "a5,2015-03-01,",
    )
    with pytest.raises(ImportInputError) as caught:
        run(source, mapping(data_dir, RACE))
    message = str(caught.value)
    assert message.startswith("a.csv: values the mapping (m.toml) does not cover; nothing imported")
    assert (
        "race (from race): 2 values not in the map, 3 rows: 'HISPANIC' (2 rows), 'OTHR' (1 row)"
        in message
    )
    assert nothing_written()


def test_unmapped_unknown_imports_them_as_unknown_and_says_which(data_dir: Path) -> None:
    source = write(
        data_dir / "a.csv",
        "id,day,race",
        "a1,2015-03-01,WHITE",
        "a2,2015-03-01,HISPANIC",
        "a3,2015-03-01,HISPANIC",
    )
    toml = mapping(data_dir, RACE.replace('"B" }', '"B" }, unmapped = "unknown"'))
    imp = run(source, toml)
    assert imp.status == "done" and imp.rows_accepted == 3
    assert imp.message.endswith(
        "imported as unknown, not in the map: race (from race): 1 value not in the map, "
        "2 rows: 'HISPANIC' (2 rows)"
    )
    assert imp.details["unmapped"] == [
        "race (from race): 1 value not in the map, 2 rows: 'HISPANIC' (2 rows)"
    ]


def test_several_values_in_a_cell_are_counted_one_by_one(data_dir: Path) -> None:
    toml = mapping(data_dir, RACE.replace("map = {", 'split = ";", several = "O", map = {'))
    source = write(
        data_dir / "a.csv", "id,day,race", "a1,2015-03-01,WHITE; MARTIAN", "a2,2015-03-01,MARTIAN"
    )
    with pytest.raises(ImportInputError, match=r"'MARTIAN' \(2 rows\)"):
        run(source, toml)
    assert nothing_written()


def cp1252_file(folder: Path) -> Path:
    path = folder / "ventura.csv"
    lines = ["id,day,race,note"] + [
        f"a{i},2015-03-01,WHITE,caf\u00e9 \u201cse\u00f1or\u201d n\u00ba {i}" for i in range(40)
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    return path


def test_a_cp1252_file_without_an_encoding_is_refused_naming_the_detected_one(
    data_dir: Path,
) -> None:
    source = cp1252_file(data_dir)
    with pytest.raises(ImportInputError) as caught:
        run(source, mapping(data_dir, RACE))
    message = str(caught.value)
    assert message.startswith("ventura.csv: not UTF-8 text (byte 41); it appears to be cp125")
    assert "give --encoding cp125" in message and "--encoding auto" in message
    assert nothing_written()


def test_a_cp1252_file_imports_with_its_encoding_named_or_detected(data_dir: Path) -> None:
    source = cp1252_file(data_dir)
    imp = run(source, mapping(data_dir, RACE), encoding="cp1252")
    assert imp.status == "done" and imp.rows_accepted == 40 and "read as cp1252" in imp.message
    auto = mapping(data_dir, 'encoding = "auto"\n' + RACE, "auto.toml")
    again = run(source, auto)
    assert again.status == "done" and "read as cp125" in again.message
    assert again.details["rows_replaced"] == 40


def test_a_plain_bookings_file_in_cp1252_names_the_encoding_too(data_dir: Path) -> None:
    path = data_dir / "b.csv"
    path.write_bytes(
        b"booking_id,ori,booking_date,offense_code\n"
        + "".join(f"b{i},PA0460000,2015-03-01,caf\u00e9 n\u00ba {i}\n" for i in range(30)).encode(
            "cp1252"
        )
    )
    with pytest.raises(ImportInputError, match=r"b\.csv: not UTF-8 text .*appears to be cp125"):
        import_bookings(path)
    imp = import_bookings(path, encoding="cp1252")
    assert imp.status == "done" and imp.rows_accepted == 30


def test_a_toml_syntax_error_names_the_file_and_the_line(data_dir: Path) -> None:
    toml = mapping(data_dir, '[columns]\nbooking_id = "id"\nrace = { column = "race" \n')
    with pytest.raises(MappingError, match=r"m\.toml: not valid TOML: .*line 3"):
        load(toml)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[columns]\nbooking_id = "id"\nbooking_date = "d"\nrace_code = "r"\n',
            "m.toml: columns.race_code: not a bookings column (the contract has booking_id, ",
        ),
        (
            '[columns]\nbooking_id = "id"\nbooking_date = "d"\n'
            'transfer_request = { column = "h", map = { "1" = "detainr" } }\n',
            "m.toml: columns.transfer_request: 'detainr' is not one of none, notification, ",
        ),
        (
            '[columns]\nbooking_id = "id"\nbooking_date = "d"\nrace = { column = "r", mapp = {} }\n',
            "m.toml: columns.race.mapp: unknown key (allowed: aggregate, column, ",
        ),
        ('[columns]\nbooking_id = "id"\n', "m.toml: columns: booking_date must be mapped"),
        (
            '[columns]\nbooking_id = "id"\nbooking_date = "d"\n'
            'disposition = { column = "x", aggregate = "most_serious" }\n',
            "m.toml: columns: aggregate and if_any need a [group]",
        ),
    ],
)
def test_a_mistake_in_the_mapping_names_the_file_and_the_key(
    data_dir: Path, text: str, message: str
) -> None:
    with pytest.raises(MappingError) as caught:
        load(mapping(data_dir, text))
    assert str(caught.value).startswith(message)


def test_a_wrong_sql_expression_is_named_with_its_key(data_dir: Path) -> None:
    toml = mapping(
        data_dir,
        '[columns]\nbooking_id = "id"\nori = { value = "PA0460000" }\nbooking_date = "day"\n'
        "transfer_request = { sql = \"CASE WHEN hold_flag = '1' THEN 'detainer' END\" }\n",
    )
    source = write(data_dir / "a.csv", "id,day,hold", "a1,2015-03-01,1")
    with pytest.raises(ImportInputError, match=r"m\.toml: columns\.transfer_request: .*hold_flag"):
        run(source, toml)
    assert nothing_written()


def test_a_header_that_fits_no_layout_of_a_profile_is_named(data_dir: Path) -> None:
    source = write(data_dir / "odd.csv", "stop,day,race", "1,2015-03-01,W")
    with pytest.raises(CommandError) as caught:
        call_command("import", "bookings", str(source), "--profile", "ripa", "--ori", "PA0460000")
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(
        "odd.csv: the header fits none of the layouts of ripa (state: LEARecordID, ORI, SDate"
    )
    assert nothing_written()


def test_the_command_line_refuses_a_broken_mapping_with_exit_2(data_dir: Path) -> None:
    toml = mapping(data_dir, "[columns\n")
    source = write(data_dir / "a.csv", "id,day", "a1,2015-03-01")
    with pytest.raises(CommandError) as caught:
        call_command("import", "bookings", str(source), "--mapping", str(toml))
    assert caught.value.returncode == 2 and "m.toml: not valid TOML" in str(caught.value)


def test_the_help_describes_the_mapping_options(capsys: Any) -> None:
    with pytest.raises(SystemExit):
        call_command("import", "bookings", "--help")
    text = " ".join(capsys.readouterr().out.split())
    for words in (
        "--profile {",
        "--mapping FILE.toml",
        "--ori ORI",
        "--encoding NAME",
        "ripa: California RIPA stops",
    ):
        assert words in text


def test_a_parquet_file_is_not_read_through_a_mapping(data_dir: Path) -> None:
    import duckdb

    path = data_dir / "b.parquet"
    duckdb.sql(f"COPY (SELECT 'a1' AS id, '2015-03-01' AS day) TO '{path}' (FORMAT parquet)")
    with pytest.raises(
        ImportInputError, match=r"b\.parquet: a Parquet file is read as the contract"
    ):
        run(path, mapping(data_dir, RACE))
    assert nothing_written()


def test_many_unmapped_values_are_counted_and_the_most_frequent_shown(data_dir: Path) -> None:
    rows = [f"a{i},2015-03-01,CODE{i:02d}" for i in range(10)] + ["b1,2015-03-01,CODE09"]
    source = write(data_dir / "a.csv", "id,day,race", *rows)
    with pytest.raises(ImportInputError) as caught:
        run(source, mapping(data_dir, RACE))
    last = str(caught.value).splitlines()[-1]
    assert last.startswith(
        "  race (from race): 10 values not in the map, 11 rows: 'CODE09' (2 rows), 'CODE00' (1 row)"
    )
    assert last.endswith("'CODE06' (1 row), ...")
