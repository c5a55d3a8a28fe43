"""What a typed query means (search/query.py): no database."""

from __future__ import annotations

from datetime import date

import pytest

from transferwatch.search.query import RecordNumber, parse, words_of


@pytest.mark.parametrize(
    ("typed", "kind", "value", "exact"),
    [
        ("CRCL-A-2025-000042", "allegation", "CRCL-A-2025-000042", True),
        ("crcl-a-2025-000042", "allegation", "CRCL-A-2025-000042", True),
        ("  CRCL-I-2025-7 ", "inquiry", "CRCL-I-2025-000007", True),
        ("PD-2024-12", "pdrequest", "CRCL-PD-2024-000012", True),
        ("CRCL E 2025 3", "escalation", "CRCL-E-2025-000003", True),
        ("CRCL-A-2025", "allegation", "CRCL-A-2025-", False),
    ],
)
def test_it_reads_record_numbers(typed: str, kind: str, value: str, exact: bool) -> None:
    assert parse(typed).numbers == (RecordNumber(kind, value, exact),)


def test_a_record_number_with_dashes_may_also_be_an_a_number() -> None:
    q = parse("A-1234-5678")
    assert q.numbers == (RecordNumber("allegation", "CRCL-A-1234-005678", True),)
    assert q.a_number == "012345678"


@pytest.mark.parametrize(
    ("typed", "transfer", "measure"),
    [("#12", 12, 12), ("12", 12, 12), ("transfer 12", 12, None), ("Measure #3", None, 3)],
)
def test_it_reads_ids(typed: str, transfer: int | None, measure: int | None) -> None:
    q = parse(typed)
    assert (q.transfer_id, q.measure_id, q.a_number) == (transfer, measure, "")


@pytest.mark.parametrize(
    ("typed", "nine"),
    [
        ("A099912345", "099912345"),
        ("a 0999-123-45", "099912345"),
        ("099912345", "099912345"),
        ("12345678", "012345678"),
        ("A-12345678", "012345678"),
    ],
)
def test_it_normalises_a_numbers(typed: str, nine: str) -> None:
    q = parse(typed)
    assert q.a_number == nine and q.person_kind == "a_number" and q.transfer_id is None


ARABIC_INDIC = "".join(chr(0x0660 + int(d)) for d in "099912345")
FULL_WIDTH = "".join(chr(0xFF10 + int(d)) for d in "099912345")


@pytest.mark.parametrize("typed", ["A" + ARABIC_INDIC, FULL_WIDTH, "A1234567890"])
def test_it_takes_ascii_digits_only_in_a_numbers(typed: str) -> None:
    assert parse(typed).a_number == ""


def test_it_reads_a_name_and_date_of_birth() -> None:
    assert parse("Maria  López 1988-04-03").name_words == ("maria", "lópez")
    assert parse("Maria López 1988-04-03").birth_date == date(1988, 4, 3)
    q = parse("lopez, maria 04/03/1988")
    assert (q.name_words, q.birth_date, q.person_kind) == (
        ("lopez", "maria"),
        date(1988, 4, 3),
        "name_birth_date",
    )


def test_a_date_alone_is_a_meeting_date_and_a_quarter_a_meeting() -> None:
    assert parse("2015-07-14").meeting_date == date(2015, 7, 14)
    assert parse("2015-07-14").person_kind == ""
    assert parse("2015 q3").quarter == "2015Q3"
    assert parse("meeting 2016Q1").quarter == "2016Q1"


def test_anything_else_is_words_an_ori_and_a_code() -> None:
    q = parse("Montgomery Cnty")
    assert (q.words, q.ori, q.code) == (("montgomery", "cnty"), "", "")
    q = parse("pa046")
    assert (q.words, q.ori, q.code) == (("pa046",), "PA046", "PA046")


def test_words_are_letters_and_digits_as_postgresql_splits_them() -> None:
    assert words_of("O'Brien  Wilkes-Barre 12th_st & | ! :*") == (
        "o",
        "brien",
        "wilkes",
        "barre",
        "12th",
        "st",
    )


def test_an_empty_or_blank_query_is_empty() -> None:
    assert parse("").is_empty and parse("   ").is_empty and parse("&|!").is_empty
