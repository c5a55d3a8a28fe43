"""The public status check: number and secret, the same answer for every wrong pair, rate limit."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from transferwatch.cases import public, services
from transferwatch.cases.models import Allegation
from transferwatch.cases.moves import allegation_move


def submitted(agency: Any = None) -> tuple[Allegation, str]:
    return services.create_allegation(
        services.AllegationData(
            source="public", channel="web", types=["other_practice"], agency=agency,
            narrative="It happened.",
        ),
        None,
        with_secret=True,
    )  # fmt: skip


def check(number: str, secret: str, lang: str = "en", client: Client | None = None) -> Any:
    client = client or Client()
    return client.post(reverse("report_status"), {"number": number, "secret": secret, "lang": lang})


def answer(response: Any) -> str:
    """The page without the echoed form values (the number typed is shown back in the field)."""
    page = response.content.decode()
    return page.split("<form")[0]


def test_it_shows_the_status_for_the_right_pair(db: Any) -> None:
    allegation, secret = submitted()
    response = check(allegation.number.lower(), secret)
    assert response.status_code == 200
    assert "We received your report. Someone will review it soon." in response.content.decode()


def test_it_shows_the_status_in_spanish(db: Any, analyst: Any) -> None:
    allegation, secret = submitted()
    allegation_move(allegation, "triage", analyst)
    page = check(allegation.number, secret, lang="es").content.decode()
    assert '<html lang="es">' in page
    assert "Su denuncia está en revisión." in page


def test_it_answers_a_wrong_secret_as_an_unknown_number(db: Any) -> None:
    allegation, secret = submitted()
    wrong_secret = answer(check(allegation.number, secret + "x"))
    unknown = answer(check("CRCL-A-2000-999999", secret))
    assert "We could not find a report" in wrong_secret
    assert wrong_secret == unknown
    assert "received" not in wrong_secret.lower().split("<main")[1].split("could not")[0]


def test_it_gives_no_status_for_records_without_a_secret(db: Any, phi_agency: Any) -> None:
    from transferwatch.cases.tests.conftest import make_allegation

    staff_entered = make_allegation(phi_agency, source="organization", channel="mail")
    assert "Secret code: This field is required." in answer(check(staff_entered.number, ""))
    assert "We could not find a report" in answer(check(staff_entered.number, "anything"))


def test_it_shows_the_status_of_the_allegation_it_was_merged_into(
    db: Any, analyst: Any, investigator: Any
) -> None:
    first, secret = submitted()
    second, _ = submitted()
    for a in (first, second):
        allegation_move(a, "triage", analyst)
    allegation_move(first, "merge", analyst, other=second.number)
    allegation_move(second, "retain", investigator, investigator=investigator.pk)
    page = check(first.number, secret).content.decode()
    assert "opened an investigation based on your report" in page


def test_it_limits_status_checks(db: Any) -> None:
    allegation, secret = submitted()
    client = Client()
    allowed, _ = public.STATUS_LIMIT
    for _n in range(allowed):
        check(allegation.number, "", client=client)  # counted, no hash check: quick
    response = check(allegation.number, secret, client=client)
    assert response.status_code == 429
    assert "We received your report" not in response.content.decode()
