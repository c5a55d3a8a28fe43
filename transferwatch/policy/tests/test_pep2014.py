"""pep-2014: every clause, every edge, the PEP transfer rules and the exception approvers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from transferwatch.policy import classify, get_policy, result_to_json
from transferwatch.policy.pep2014 import Pep2014Parameters, make_policy
from transferwatch.policy.tests.cases import AS_OF, case, conviction
from transferwatch.policy.wording import age_on

PEP = get_policy("pep-2014")

felony = conviction("2013-02-01", "felony")
misdemeanor = conviction  # default severity
# (fields, priorities, pep_basis): eligibility for a PEP transfer is a non-empty basis
TABLE: list[Any] = [
    pytest.param({}, [], [], id="nothing"),
    pytest.param({"national_security": True}, ["1(a)"], ["1(a)"], id="1a-fod-judgement"),
    pytest.param({"border_apprehension": True}, ["1(b)"], [], id="1b-no-transfer"),
    pytest.param(
        {"convictions": [misdemeanor("2014-01-01", "misdemeanor", "gang")]},
        ["1(c)"],
        ["1(c)"],
        id="1c-gang-conviction",
    ),
    pytest.param(
        {"gang_participation": True, "birth_date": "1999-08-01"},
        ["1(c)"],
        [],
        id="1c-participation-16th-birthday-no-transfer",
    ),
    pytest.param(
        {"gang_participation": True, "birth_date": "1999-08-02"},
        [],
        [],
        id="1c-participation-day-before-16",
    ),
    pytest.param({"gang_participation": True}, [], [], id="1c-participation-birth-unknown"),
    pytest.param(
        {"gang_participation": False, "birth_date": "1980-01-01"}, [], [], id="1c-adult-no-gang"
    ),
    pytest.param({"convictions": [felony]}, ["1(d)"], ["1(d)"], id="1d-felony"),
    pytest.param(
        {"convictions": [conviction("2013-02-01", "felony", "immigration_status")]},
        [],
        [],
        id="1d-immigration-status-excluded",
    ),
    pytest.param(
        {"convictions": [conviction("2015-08-02", "felony")]}, [], [], id="1d-day-after-as-of"
    ),
    pytest.param(
        {"convictions": [conviction(AS_OF, "felony")]}, ["1(d)"], ["1(d)"], id="1d-on-as-of-counts"
    ),
    pytest.param(
        {"convictions": [conviction("2013-02-01", "misdemeanor", "aggravated_felony")]},
        ["1(e)"],
        ["1(e)"],
        id="1e-aggravated-misdemeanor",
    ),
    pytest.param(
        {"convictions": [conviction("2013-02-01", "felony", "aggravated_felony")]},
        ["1(d)", "1(e)"],
        ["1(d)", "1(e)"],
        id="1e-and-1d",
    ),
    pytest.param(
        {"convictions": [misdemeanor(f"201{k}-01-01", incident=f"I{k}") for k in (1, 2, 3)]},
        ["2(a)"],
        ["2(a)"],
        id="2a-three-incidents",
    ),
    pytest.param(
        {"convictions": [misdemeanor(f"201{k}-01-01") for k in (1, 2, 3)]},
        ["2(a)"],
        ["2(a)"],
        id="2a-missing-incident-is-its-own",
    ),
    pytest.param(
        {"convictions": [misdemeanor(incident="A"), misdemeanor(incident="A"), misdemeanor()]},
        [],
        [],
        id="2a-two-incidents",
    ),
    pytest.param(
        {
            "convictions": [
                misdemeanor("2012-01-01"),
                misdemeanor("2013-01-01"),
                conviction("2014-01-01", "misdemeanor", "minor_traffic"),
            ]
        },
        [],
        [],
        id="2a-minor-traffic-excluded",
    ),
    pytest.param(
        {
            "convictions": [
                misdemeanor("2012-01-01"),
                misdemeanor("2013-01-01"),
                conviction("2014-01-01", "misdemeanor", "immigration_status"),
            ]
        },
        [],
        [],
        id="2a-immigration-status-excluded",
    ),
    pytest.param(
        {
            "convictions": [
                misdemeanor("2011-01-01"),
                misdemeanor("2012-01-01"),
                conviction("2013-01-01", "misdemeanor", "minor_traffic"),
                misdemeanor("2014-01-01"),
            ]
        },
        ["2(a)"],
        ["2(a)"],
        id="2a-three-after-exclusion",
    ),
    pytest.param(
        {"convictions": [conviction(f"201{k}-01-01", "infraction") for k in (1, 2, 3)]},
        [],
        [],
        id="2a-infractions-are-not-misdemeanors",
    ),
    pytest.param(
        {"convictions": [misdemeanor("2012-01-01"), misdemeanor("2013-01-01"), felony]},
        ["1(d)"],
        ["1(d)"],
        id="2a-a-felony-is-not-a-misdemeanor",
    ),
    pytest.param(
        {
            "convictions": [
                misdemeanor("2012-01-01"),
                misdemeanor("2013-01-01"),
                misdemeanor("2015-08-02"),
            ]
        },
        [],
        [],
        id="2a-third-after-as-of",
    ),
    *[
        pytest.param(
            {"convictions": [conviction("2014-01-01", "misdemeanor", category)]},
            ["2(b)"],
            ["2(b)"],
            id=f"2b-{category}",
        )
        for category in (
            "domestic_violence",
            "sexual_abuse",
            "burglary",
            "firearm",
            "drug_trafficking",
            "dui",
        )
    ],
    pytest.param({"convictions": [misdemeanor(days=90)]}, ["2(b)"], ["2(b)"], id="2b-90-days"),
    pytest.param({"convictions": [misdemeanor(days=89)]}, [], [], id="2b-89-days"),
    pytest.param(
        {"convictions": [misdemeanor(days=90, suspended=True)]}, [], [], id="2b-90-suspended"
    ),
    pytest.param(
        {"convictions": [misdemeanor(days=365, suspended=True)]}, [], [], id="2b-365-suspended"
    ),
    pytest.param(
        {"convictions": [conviction("2014-01-01", "infraction", "dui", days=120)]},
        [],
        [],
        id="2b-infraction-is-not-a-misdemeanor",
    ),
    pytest.param(
        {"convictions": [conviction("2013-02-01", "felony", "dui")]},
        ["1(d)"],
        ["1(d)"],
        id="2b-felony-dui-is-1d-not-2b",
    ),
    pytest.param(
        {"convictions": [conviction("2015-08-02", "misdemeanor", "dui")]},
        [],
        [],
        id="2b-after-as-of",
    ),
    pytest.param({"unlawful_entry": True}, ["2(c)"], [], id="2c-no-presence-shown"),
    pytest.param(
        {"unlawful_entry": True, "continuous_presence_since": "2014-01-02"},
        ["2(c)"],
        [],
        id="2c-presence-from-2-jan-2014",
    ),
    pytest.param(
        {"unlawful_entry": True, "continuous_presence_since": "2014-01-01"},
        [],
        [],
        id="2c-presence-from-1-jan-2014",
    ),
    pytest.param(
        {"unlawful_entry": True, "continuous_presence_since": "2013-12-31"},
        [],
        [],
        id="2c-presence-from-31-dec-2013",
    ),
    pytest.param({"unlawful_entry": False}, [], [], id="2c-no-unlawful-entry"),
    pytest.param({"visa_abuse": True}, ["2(d)"], [], id="2d-no-transfer"),
    pytest.param({"final_order_date": "2014-01-01"}, ["3"], [], id="3-order-on-1-jan-2014"),
    pytest.param({"final_order_date": "2013-12-31"}, [], [], id="3-order-on-31-dec-2013"),
    pytest.param({"final_order_date": "2015-08-02"}, [], [], id="3-order-after-as-of"),
    pytest.param(
        {"pending_charges": [{"date": "2015-07-30", "severity": "felony", "categories": ["dui"]}]},
        [],
        [],
        id="pending-charges-only",
    ),
    pytest.param(
        {"convictions": [felony, misdemeanor(days=120)], "unlawful_entry": True},
        ["1(d)", "2(b)", "2(c)"],
        ["1(d)", "2(b)"],
        id="several-clauses",
    ),
    pytest.param(
        {"border_apprehension": True, "convictions": [misdemeanor("2014-01-01", "misdemeanor", "dui")]},
        ["1(b)", "2(b)"],
        ["2(b)"],
        id="tier-1-without-transfer-tier-2-with",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "priorities", "basis"), TABLE)
def test_it_matches_each_clause_at_its_edges(
    fields: dict[str, Any], priorities: list[str], basis: list[str]
) -> None:
    result = classify(case(**fields), "pep-2014")
    assert list(result.priorities) == priorities
    tiers = [PEP.clause(p).tier for p in priorities]
    assert result.tier == (min(tiers) if tiers else None)
    assert list(result.pep_basis) == basis
    assert result.pep_transfer_eligible is bool(basis)
    assert [r.clause for r in result.reasons] == priorities


def test_it_counts_age_in_whole_years_with_leap_day_birthdays() -> None:
    assert age_on(date(1999, 8, 1), date(2015, 8, 1)) == 16
    assert age_on(date(1999, 8, 2), date(2015, 8, 1)) == 15
    assert age_on(date(2000, 2, 29), date(2016, 2, 28)) == 15
    assert age_on(date(2000, 2, 29), date(2016, 2, 29)) == 16
    assert age_on(date(1996, 2, 29), date(2013, 2, 28)) == 16  # 17th birthday is 1 March
    assert age_on(date(1996, 2, 29), date(2013, 3, 1)) == 17


@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        ({"convictions": [felony]}, ["notification"]),
        ({"convictions": [felony], "probable_cause": ["biometric_match"]}, ["notification", "detainer"]),
        ({"national_security": True, "probable_cause": ["statements"]}, ["notification", "detainer"]),
        ({"unlawful_entry": True, "probable_cause": ["removal_proceedings"]}, []),
        ({"final_order_date": "2014-06-01", "probable_cause": ["final_order"]}, []),
        ({"gang_participation": True, "birth_date": "1980-01-01", "probable_cause": ["final_order"]}, []),
        ({"probable_cause": ["final_order"]}, []),
        ({"pending_charges": [{"severity": "felony"}], "probable_cause": ["statements"]}, []),
    ],
)  # fmt: skip
def test_it_allows_notification_when_eligible_and_a_detainer_only_with_probable_cause(
    fields: dict[str, Any], allowed: list[str]
) -> None:
    assert list(classify(case(**fields), PEP).allowed_requests) == allowed


def test_it_allows_the_voluntary_transfer_request_only_when_configured() -> None:
    facts = case(convictions=[felony], probable_cause=["final_order"])
    assert "transfer" not in classify(facts, PEP).allowed_requests
    variant = make_policy(Pep2014Parameters(voluntary_transfer_allowed=True))
    assert classify(facts, variant).allowed_requests == ("notification", "detainer", "transfer")
    assert classify(case(visa_abuse=True), variant).allowed_requests == ()


def test_it_can_be_configured_not_to_count_a_conviction_on_the_day() -> None:
    facts = case(convictions=[conviction(AS_OF, "felony")])
    variant = make_policy(Pep2014Parameters(same_day_convictions_count=False))
    assert classify(facts, variant).priorities == ()
    assert classify(facts, PEP).priorities == ("1(d)",)


@pytest.mark.parametrize(
    ("tier", "roles"),
    [
        (1, ("ice_fod", "cbp_sector_chief", "cbp_dfo")),
        (2, ("ice_fod", "cbp_sector_chief", "cbp_dfo", "uscis_district_director", "uscis_service_center_director")),
        (3, ("immigration_officer",)),
        (None, ("ice_fod",)),
    ],
)  # fmt: skip
def test_it_names_who_may_grant_an_exception_per_tier(tier: int | None, roles: tuple[str]) -> None:
    assert PEP.exception_approvers(tier) == roles


def test_it_refuses_approvers_for_a_tier_it_does_not_have() -> None:
    with pytest.raises(ValueError, match="no tier 4"):
        PEP.exception_approvers(4)


def test_it_cites_the_facts_and_the_input_indexes_of_convictions() -> None:
    convictions = [
        conviction("2015-09-01", "felony"),  # after as_of: not counted, index 0 still taken
        conviction("2013-02-01", "felony"),
        conviction("2014-05-06", "misdemeanor", "dui"),
        conviction("2012-01-01", "felony"),
    ]
    result = classify(case(convictions=convictions), PEP)
    assert result_to_json(result)["reasons"] == [
        {"clause": "1(d)", "text": "convicted of 2 felonies on 2012-01-01 and 2013-02-01", "convictions": [1, 3]},
        {"clause": "2(b)", "text": "convicted of a significant misdemeanor on 2014-05-06 (dui)", "convictions": [2]},
    ]  # fmt: skip


def test_it_gives_the_contracts_result_shape() -> None:
    result = classify(case(convictions=[felony], probable_cause=["biometric_match"]), "pep-2014")
    assert result_to_json(result) == {
        "id": "case-1",
        "policy": "pep-2014",
        "tier": 1,
        "priorities": ["1(d)"],
        "pep_transfer_eligible": True,
        "pep_basis": ["1(d)"],
        "allowed_requests": ["notification", "detainer"],
        "reasons": [
            {"clause": "1(d)", "text": "convicted of a felony on 2013-02-01", "convictions": [0]}
        ],
    }


def test_it_explains_each_clause_not_met_and_what_it_set_aside() -> None:
    result = classify(
        case(
            convictions=[
                misdemeanor("2012-01-01", incident="A"),
                misdemeanor("2013-01-01", incident="A"),
                misdemeanor("2014-01-01", incident="B"),
                conviction("2014-02-01", "misdemeanor", "minor_traffic"),
                misdemeanor("2015-09-01", days=120),
            ],
            pending_charges=[{"date": "2015-07-30", "severity": "felony"}],
            gang_participation=True,
        ),
        PEP,
        explain=True,
    )
    assert result.priorities == ()
    assert result.not_met is not None and result.notes is not None
    why = {r.clause: r.text for r in result.not_met}
    assert list(why) == [c.id for c in PEP.clauses]
    assert why["2(a)"] == (
        "3 misdemeanors from 2 separate incidents after excluding 1 minor traffic or "
        "immigration-status offense; 3 separate incidents needed"
    )
    assert "birth date is unknown" in why["1(c)"]
    assert why["2(b)"].startswith("4 misdemeanors, none in a significant category")
    assert result.notes == (
        "conviction 4 dated 2015-09-01 is after as_of 2015-08-01 and does not count",
        "1 pending charge not counted: a pending charge is not a conviction",
        "not a priority: removal only on an ICE FOD's important-federal-interest finding",
    )
    assert "not_met" in result_to_json(result) and "notes" in result_to_json(result)
    assert "not_met" not in result_to_json(classify(case(), PEP))


@pytest.mark.parametrize(
    ("fields", "clause", "text"),
    [
        ({"convictions": [misdemeanor(days=120, suspended=True), misdemeanor(days=89)]}, "2(b)",
         "2 misdemeanors, none in a significant category; longest sentence to serve 89 days "
         "(90 needed); suspended sentences do not count (120 days)"),
        ({"convictions": [conviction("2013-01-01", "felony", "immigration_status")]}, "1(d)",
         "felony conviction on 2013-01-01 not counted: a state or local offense whose essential "
         "element is immigration status"),
        ({"gang_participation": True, "birth_date": "2000-01-01"}, "1(c)",
         "gang participation found but aged 15 on 2015-08-01, under 16; no conviction with a "
         "gang element"),
        ({"unlawful_entry": True, "continuous_presence_since": "2010-05-01"}, "2(c)",
         "entered unlawfully but shows continuous presence since 2010-05-01, on or before 2014-01-01"),
        ({"final_order_date": "2013-12-31"}, "3",
         "final order of removal issued on 2013-12-31, before 2014-01-01"),
        ({"final_order_date": "2015-08-02"}, "3",
         "final order dated 2015-08-02, after as_of 2015-08-01: not counted"),
    ],
)  # fmt: skip
def test_it_says_why_a_near_miss_did_not_match(
    fields: dict[str, Any], clause: str, text: str
) -> None:
    result = classify(case(**fields), PEP, explain=True)
    assert result.not_met is not None
    assert {r.clause: r.text for r in result.not_met}[clause] == text


def test_it_notes_why_a_priority_gets_no_transfer_and_a_missing_detainer_basis() -> None:
    notes = classify(case(visa_abuse=True), PEP, explain=True).notes
    assert notes == ("not eligible for a PEP transfer: 2(d) does not justify one",)
    notes = classify(case(convictions=[felony]), PEP, explain=True).notes
    assert notes == ("detainer not allowed: no probable-cause basis given",)


def test_it_is_data_with_an_effective_period_and_citations() -> None:
    assert (PEP.effective_from, PEP.effective_to) == (date(2015, 1, 5), date(2017, 2, 20))
    assert any("20 November 2014" in c and "Apprehension" in c for c in PEP.citations)
    assert [(c.id, c.tier) for c in PEP.clauses] == [
        ("1(a)", 1), ("1(b)", 1), ("1(c)", 1), ("1(d)", 1), ("1(e)", 1),
        ("2(a)", 2), ("2(b)", 2), ("2(c)", 2), ("2(d)", 2), ("3", 3),
    ]  # fmt: skip
    assert PEP.tiers == (1, 2, 3)
