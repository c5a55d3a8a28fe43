"""Staff entry, ICE officer reports, the allegation list and page, reveals and attachments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from transferwatch.audit.models import Event
from transferwatch.cases import services
from transferwatch.cases.models import Allegation
from transferwatch.cases.tests.conftest import PDF, make_allegation, report_data
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for

ROLES = ["analyst", "investigator", "supervisor", "field_phi", "hq", "opla", "leadership", "auditor", "outsider"]  # fmt: skip
CRCL = {"analyst", "investigator", "supervisor"}
OFFICERS = {"field_phi", "hq"}
PAGES = {
    "allegation_list": CRCL | OFFICERS,
    "allegation_new": CRCL,
    "allegation_report": OFFICERS,
    "inquiry_list": {"investigator", "supervisor"},
}


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_it_gives_each_role_its_pages_and_404_for_the_rest(
    request: pytest.FixtureRequest, role: str, page: str
) -> None:
    user = request.getfixturevalue(role)
    response = client_for(user).get(reverse(page))
    assert response.status_code == (200 if role in PAGES[page] else 404)


def test_it_sends_anonymous_visitors_to_login(db: Any) -> None:
    for page in PAGES:
        assert Client().get(reverse(page)).status_code == 302


def staff_post(**changes: Any) -> dict[str, Any]:
    data = report_data(channel="phone", source="organization", language="es", agency_ori="")
    data.update(changes)
    return data


def test_it_lets_crcl_staff_enter_a_complaint_by_phone(
    db: Any, investigator: Any, phi_agency: Any
) -> None:
    response = client_for(investigator).post(
        reverse("allegation_new"), staff_post(agency_ori=phi_agency.ori.lower())
    )
    assert response.status_code == 302
    allegation = Allegation.objects.get()
    assert (allegation.channel, allegation.source, allegation.language) == (
        "phone",
        "organization",
        "es",
    )
    assert allegation.agency == phi_agency and allegation.submitted_by == investigator
    assert allegation.secret_hash == ""


def test_it_refuses_a_staff_entry_with_an_unknown_ori(db: Any, investigator: Any) -> None:
    response = client_for(investigator).post(
        reverse("allegation_new"), staff_post(agency_ori="ZZ9999999")
    )
    assert response.status_code == 400
    assert "There is no agency with this ORI." in response.content.decode()
    assert not Allegation.objects.exists()


def test_it_takes_an_ice_officers_report_and_shows_only_their_own(
    db: Any, field_phi: Any, hq: Any, phi_agency: Any
) -> None:
    response = client_for(field_phi).post(reverse("allegation_report"), staff_post())
    assert response.status_code == 302
    mine = Allegation.objects.get()
    assert (mine.source, mine.channel, mine.submitted_by) == ("ice_officer", "ice_form", field_phi)
    assert client_for(field_phi).get(response["Location"]).status_code == 200
    other = make_allegation(phi_agency, user=hq, source="ice_officer", channel="ice_form")
    listed = client_for(field_phi).get(reverse("allegation_list")).content.decode()
    assert mine.number in listed and other.number not in listed
    assert (
        client_for(field_phi).get(reverse("allegation_detail", args=[other.number])).status_code
        == 404
    )
    # The officer sees no identity, no reveal button, no triage.
    page = (
        client_for(field_phi).get(reverse("allegation_detail", args=[mine.number])).content.decode()
    )
    assert (
        CANARY_NAME not in page and "Reveal identifying details" not in page and "/act/" not in page
    )


def test_it_filters_the_list(db: Any, analyst: Any, phi_agency: Any, nyc_agency: Any) -> None:
    a = make_allegation(phi_agency)
    b = make_allegation(nyc_agency, a_number="", name="B")
    Allegation.objects.filter(pk=b.pk).update(
        types=["systems_misuse"], due_at=timezone.now() - timedelta(days=1)
    )
    client = client_for(analyst)

    def listed(**params: Any) -> set[str]:
        page = client.get(reverse("allegation_list"), params).content.decode()
        return {x.number for x in (a, b) if f">{x.number}<" in page}

    assert listed() == {a.number, b.number}
    assert listed(agency=nyc_agency.ori) == {b.number}
    assert listed(type="systems_misuse") == {b.number}
    assert listed(overdue="on") == {b.number}
    assert listed(status="triaged") == set()


def test_it_lists_without_a_query_per_row(
    db: Any, analyst: Any, phi_agency: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        make_allegation(phi_agency, a_number=f"0000000{n}0", name=f"P{n}")
    client = client_for(analyst)
    with django_assert_max_num_queries(12):
        client.get(reverse("allegation_list"))


def test_it_masks_people_until_an_audited_reveal(
    db: Any, allegation: Allegation, investigator: Any
) -> None:
    client = client_for(investigator)
    page = client.get(reverse("allegation_detail", args=[allegation.number])).content.decode()
    assert CANARY_NAME not in page and CANARY_A_NUMBER not in page
    assert "They stopped my brother" in page  # the narrative is shown to CRCL casework
    revealed = client.post(reverse("allegation_reveal", args=[allegation.number])).content.decode()
    assert CANARY_NAME in revealed and CANARY_A_NUMBER in revealed
    event = Event.objects.get(action="cases.allegation.people_revealed")
    assert event.actor == investigator and CANARY_NAME not in str(event.changes)


def test_it_does_not_reveal_to_a_role_without_the_right(
    db: Any, officer_allegation: Allegation, field_phi: Any
) -> None:
    url = reverse("allegation_reveal", args=[officer_allegation.number])
    assert client_for(field_phi).post(url).status_code == 404
    assert not Event.objects.filter(action="cases.allegation.people_revealed").exists()


@pytest.fixture
def attachment(allegation: Allegation) -> Any:
    upload = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")
    return services.store_attachment(upload, allegation=allegation)


def test_it_serves_an_attachment_only_with_the_permission_and_audits(
    db: Any, attachment: Any, analyst: Any, field_phi: Any, leadership: Any
) -> None:
    url = reverse("attachment_download", args=[attachment.pk])
    for user in (field_phi, leadership):
        assert client_for(user).get(url).status_code == 404
    assert not Event.objects.filter(action="cases.attachment.opened").exists()
    response = client_for(analyst).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    event = Event.objects.get(action="cases.attachment.opened")
    assert event.actor == analyst and event.object_id == str(attachment.pk)


def test_it_never_serves_an_attachment_from_a_web_path(db: Any, attachment: Any) -> None:
    for prefix in ("/static/", "/media/"):
        assert Client().get(prefix + attachment.stored_name).status_code == 404


def test_it_refuses_a_staff_upload_of_another_type(db: Any, investigator: Any) -> None:
    html = SimpleUploadedFile("note.txt", b"\x00\x01binary", "text/plain")
    response = client_for(investigator).post(
        reverse("allegation_new"), {**staff_post(), "attachments": [html]}
    )
    assert response.status_code == 400
    assert "“note.txt” was not accepted" in response.content.decode()
