"""Policies by id and by the day a request was made."""

from __future__ import annotations

from datetime import date

import pytest

from transferwatch.policy import PolicyNotFound, classify, get_policy, policy_for
from transferwatch.policy.tests.cases import case


@pytest.mark.parametrize(
    ("day", "policy_id"),
    [
        (date(2011, 1, 1), "sc-2011"),
        (date(2015, 1, 4), "sc-2011"),
        (date(2015, 1, 5), "pep-2014"),
        (date(2017, 2, 20), "pep-2014"),
    ],
)
def test_it_picks_the_policy_in_force_on_the_day(day: date, policy_id: str) -> None:
    assert policy_for(day).id == policy_id


@pytest.mark.parametrize("day", [date(2010, 12, 31), date(2017, 2, 21)])
def test_it_refuses_a_day_no_policy_covers(day: date) -> None:
    with pytest.raises(PolicyNotFound, match=f"no policy in force on {day}"):
        policy_for(day)


def test_it_refuses_an_unknown_id_naming_the_known_ones() -> None:
    with pytest.raises(PolicyNotFound, match="unknown policy 'pep-2015'; known: sc-2011, pep-2014"):
        get_policy("pep-2015")


def test_classify_without_a_policy_uses_the_one_in_force_on_as_of() -> None:
    assert classify(case(as_of="2014-06-01", convictions=[])).policy == "sc-2011"
    assert classify(case(visa_abuse=True)).policy == "pep-2014"
    with pytest.raises(PolicyNotFound):
        classify(case(as_of="2018-01-01"))
