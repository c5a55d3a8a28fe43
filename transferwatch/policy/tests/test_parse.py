"""Reading cases: defaults, and every bad input refused with the field named."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from transferwatch.policy import CaseError, Charge, Conviction, parse_case
from transferwatch.policy.tests.cases import TODAY, conviction, raw


def test_it_fills_the_contracts_defaults() -> None:
    case = parse_case({"as_of": "2015-08-01"}, today=TODAY)
    assert case.id is None
    assert case.as_of == date(2015, 8, 1)
    assert case.birth_date is None and case.continuous_presence_since is None
    assert case.final_order_date is None
    assert not (case.national_security or case.border_apprehension or case.gang_participation)
    assert not (case.unlawful_entry or case.visa_abuse)
    assert case.convictions == () and case.pending_charges == () and case.probable_cause == ()


def test_it_reads_every_field() -> None:
    case = parse_case(
        raw(
            birth_date="1990-05-01",
            national_security=True,
            unlawful_entry=True,
            continuous_presence_since="2014-06-01",
            final_order_date="2014-09-15",
            convictions=[{"date": "2013-02-01", "severity": "felony", "categories": ["dui"],
                          "sentence_days": 30, "suspended": True, "incident": 7}],
            pending_charges=[{"date": "2015-07-30", "severity": "felony", "categories": []}, {}],
            probable_cause=["final_order", "statements"],
            something_else="ignored",
        ),
        today=TODAY,
    )  # fmt: skip
    assert case.id == "case-1" and case.national_security and case.unlawful_entry
    assert case.convictions == (
        Conviction(date(2013, 2, 1), "felony", frozenset({"dui"}), 30, True, "7"),
    )
    assert case.pending_charges == (Charge(date(2015, 7, 30), "felony"), Charge())
    assert case.probable_cause == ("final_order", "statements")


def test_it_reads_null_as_not_given() -> None:
    case = parse_case(
        raw(national_security=None, convictions=None, pending_charges=None, probable_cause=None,
            birth_date=None),
        today=TODAY,
    )  # fmt: skip
    assert case.national_security is False and case.convictions == ()
    case = parse_case(
        raw(convictions=[{"date": "2013-02-01", "severity": "felony", "categories": None,
                          "sentence_days": None, "suspended": None, "incident": None}]),
        today=TODAY,
    )  # fmt: skip
    assert case.convictions == (Conviction(date(2013, 2, 1), "felony"),)


def test_it_accepts_as_of_today_and_a_conviction_after_as_of() -> None:
    case = parse_case(
        raw(as_of="2020-01-01", convictions=[conviction("2021-03-01", "felony")]), today=TODAY
    )
    assert case.convictions[0].date == date(2021, 3, 1)


BAD: list[Any] = [
    ([], "case", "must be a JSON object"),
    ({"id": 12, "as_of": "2015-08-01"}, "id", "must be a string"),
    ({"id": "x"}, "as_of", "required"),
    (raw(as_of="2020-01-02"), "as_of", "in the future"),
    (raw(as_of="2015-8-1"), "as_of", "YYYY-MM-DD"),
    (raw(as_of="20150801"), "as_of", "YYYY-MM-DD"),
    (raw(as_of="2015-02-30"), "as_of", "not a valid date"),
    (raw(as_of="2015-W31-6"), "as_of", "YYYY-MM-DD"),
    (raw(as_of="\uff12\uff10\uff11\uff15-08-01"), "as_of", "YYYY-MM-DD"),  # fullwidth digits
    (raw(as_of=20150801), "as_of", "YYYY-MM-DD"),
    (raw(birth_date="1990/05/01"), "birth_date", "YYYY-MM-DD"),
    (raw(birth_date="2015-08-02"), "birth_date", "after as_of"),
    (raw(continuous_presence_since="2014"), "continuous_presence_since", "YYYY-MM-DD"),
    (raw(final_order_date=["2014-01-01"]), "final_order_date", "YYYY-MM-DD"),
    (raw(national_security="true"), "national_security", "true or false"),
    (raw(border_apprehension=1), "border_apprehension", "true or false"),
    (raw(gang_participation=0), "gang_participation", "true or false"),
    (raw(unlawful_entry="no"), "unlawful_entry", "true or false"),
    (raw(visa_abuse=[]), "visa_abuse", "true or false"),
    (raw(convictions={"date": "2013-02-01"}), "convictions", "must be a list"),
    (raw(convictions="none"), "convictions", "must be a list"),
    (raw(convictions=["felony"]), "convictions[0]", "must be an object"),
    (raw(convictions=[conviction(), {"severity": "felony"}]), "convictions[1].date", "required"),
    (raw(convictions=[conviction("2013-13-01")]), "convictions[0].date", "not a valid date"),
    (raw(convictions=[{"date": "2013-01-01"}]), "convictions[0].severity", "required"),
    (raw(convictions=[conviction(severity="Felony")]), "convictions[0].severity", "felony, misdemeanor or infraction"),
    (raw(convictions=[conviction("2013-01-01", "felony", "dwi")]), "convictions[0].categories", "unknown category 'dwi'"),
    (raw(convictions=[{**conviction(), "categories": "dui"}]), "convictions[0].categories", "must be a list"),
    (raw(convictions=[{**conviction(), "categories": [["dui"]]}]), "convictions[0].categories", "category names"),
    (raw(convictions=[conviction(days=-1)]), "convictions[0].sentence_days", ">= 0, not -1"),
    (raw(convictions=[{**conviction(), "sentence_days": 90.5}]), "convictions[0].sentence_days", "whole number"),
    (raw(convictions=[{**conviction(), "sentence_days": "90"}]), "convictions[0].sentence_days", "whole number"),
    (raw(convictions=[{**conviction(), "sentence_days": True}]), "convictions[0].sentence_days", "whole number"),
    (raw(convictions=[{**conviction(), "suspended": "yes"}]), "convictions[0].suspended", "true or false"),
    (raw(convictions=[{**conviction(), "incident": ["A"]}]), "convictions[0].incident", "must be a string"),
    (raw(pending_charges=[{"date": "30/07/2015"}]), "pending_charges[0].date", "YYYY-MM-DD"),
    (raw(pending_charges=[{"severity": "crime"}]), "pending_charges[0].severity", "felony, misdemeanor"),
    (raw(pending_charges=[{"categories": ["theft"]}]), "pending_charges[0].categories", "unknown category"),
    (raw(pending_charges=[None]), "pending_charges[0]", "must be an object"),
    (raw(pending_charges={}), "pending_charges", "must be a list"),
    (raw(probable_cause=["hunch"]), "probable_cause", "unknown basis 'hunch'"),
    (raw(probable_cause="final_order"), "probable_cause", "must be a list"),
    (raw(probable_cause=[1]), "probable_cause", "unknown basis 1"),
]  # fmt: skip


@pytest.mark.parametrize(("obj", "field", "message"), BAD)
def test_it_refuses_bad_input_naming_the_field(obj: Any, field: str, message: str) -> None:
    with pytest.raises(CaseError) as caught:
        parse_case(obj, today=TODAY)
    assert caught.value.field == field
    assert message in caught.value.message
    assert str(caught.value) == f"{field}: {caught.value.message}"


def test_it_takes_today_from_the_clock_by_default() -> None:
    with pytest.raises(CaseError, match="in the future"):
        parse_case({"as_of": "2999-01-01"})
