"""sc-2011: Secure Communities criminality levels in the common result shape."""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.policy import classify, get_policy
from transferwatch.policy.tests.cases import case, conviction

SC = get_policy("sc-2011")
felony = conviction("2013-02-01", "felony")


@pytest.mark.parametrize(
    ("convictions", "priorities"),
    [
        ([], []),
        ([conviction("2013-02-01", "misdemeanor", "aggravated_felony")], ["L1", "L3"]),
        ([conviction("2013-02-01", "felony", "aggravated_felony")], ["L1", "L2"]),
        ([felony, conviction("2014-02-01", "felony")], ["L1", "L2"]),
        ([felony], ["L2"]),
        ([felony, conviction("2015-09-01", "felony")], ["L2"]),  # the second is after as_of
        ([conviction(f"201{k}-01-01") for k in (1, 2, 3)], ["L2", "L3"]),
        ([conviction(f"201{k}-01-01") for k in (1, 2)], ["L3"]),
        ([conviction("2014-01-01", "misdemeanor", "minor_traffic")], ["L3"]),
        ([conviction("2014-01-01", "infraction", "minor_traffic")], []),
    ],
)
def test_it_assigns_every_level_that_matches(
    convictions: list[dict[str, Any]], priorities: list[str]
) -> None:
    result = classify(case(convictions=convictions), SC)
    assert list(result.priorities) == priorities
    assert result.tier == (int(priorities[0][1]) if priorities else None)
    assert [r.clause for r in result.reasons] == priorities
    assert result.policy == "sc-2011"


def test_it_leaves_the_pep_fields_false_and_empty() -> None:
    result = classify(case(convictions=[felony], national_security=True), SC)
    assert (result.pep_transfer_eligible, result.pep_basis) == (False, ())


def test_it_ignores_non_criminal_facts() -> None:
    facts = case(national_security=True, unlawful_entry=True, final_order_date="2014-05-01")
    assert classify(facts, SC).tier is None


@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        ({"convictions": [conviction()]}, ["notification"]),
        ({"convictions": [conviction()], "probable_cause": ["biometric_match"]}, ["notification", "detainer"]),
        ({"probable_cause": ["final_order"]}, []),
    ],
)  # fmt: skip
def test_it_allows_a_detainer_for_any_level_with_probable_cause(
    fields: dict[str, Any], allowed: list[str]
) -> None:
    assert list(classify(case(**fields), SC).allowed_requests) == allowed


def test_it_cites_the_convictions_of_each_level() -> None:
    convictions = [felony, conviction("2012-01-01"), conviction("2014-02-01", "felony")]
    reasons = classify(case(convictions=convictions), SC).reasons
    assert [(r.clause, r.convictions) for r in reasons] == [
        ("L1", (0, 2)),
        ("L2", (0, 2)),
        ("L3", (1,)),
    ]
    assert reasons[0].text == (
        "convicted of 2 crimes punishable by more than one year (felonies) on 2013-02-01 and 2014-02-01"
    )


def test_it_explains_the_levels_not_met() -> None:
    result = classify(case(convictions=[felony]), SC, explain=True)
    assert result.not_met is not None
    assert {r.clause: r.text for r in result.not_met} == {
        "L1": "no aggravated felony and 1 felony; 2 needed",
        "L3": "no misdemeanor conviction (infractions are not crimes)",
    }


def test_it_names_no_exception_approvers_but_knows_its_tiers() -> None:
    assert SC.exception_approvers(1) == ()
    with pytest.raises(ValueError, match="no tier 4"):
        SC.exception_approvers(4)
