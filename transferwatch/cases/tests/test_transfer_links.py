"""Linking the transfer request by which a person named in an allegation came into ICE custody."""

from __future__ import annotations

from typing import Any

from transferwatch.audit.models import Event
from transferwatch.cases import services
from transferwatch.cases.models import Allegation, history
from transferwatch.conftest import client_for


def test_it_suggests_the_request_about_the_same_a_number_and_links_it(
    allegation: Allegation, phi_request: Any, nyc_request: Any, investigator: Any
) -> None:
    # The allegation names the canary person with an "A" prefix; the person record has none.
    assert [t.pk for t in services.transfer_suggestions(allegation)] == [phi_request.pk]
    client = client_for(investigator)
    page = client.get(f"/cases/allegations/{allegation.number}/").content.decode()
    assert "Link the transfer request" in page and f"#{phi_request.pk}" in page
    response = client.post(
        f"/cases/allegations/{allegation.number}/transfers/", {"transfer": phi_request.pk}
    )
    assert response.status_code == 302
    assert list(allegation.transfers.all()) == [phi_request]
    assert allegation.people.get().person == phi_request.person
    assert services.transfer_suggestions(allegation) == []
    event = Event.objects.get(action="cases.allegation.transfer_linked")
    assert event.changes == {"transfer": phi_request.pk} and event.actor == investigator
    assert [s.action for s in history(allegation)][-1] == "transfer_linked"
    client.post(
        f"/cases/allegations/{allegation.number}/transfers/",
        {"transfer": phi_request.pk, "unlink": "on"},
    )
    assert not allegation.transfers.exists()


def test_it_refuses_unknown_requests_and_roles_that_may_not_change_allegations(
    allegation: Allegation, phi_request: Any, investigator: Any, field_phi: Any, leadership: Any
) -> None:
    url = f"/cases/allegations/{allegation.number}/transfers/"
    response = client_for(investigator).post(url, {"transfer": "999999"}, follow=True)
    assert "No transfer request #999999 that you may see." in response.content.decode()
    for user in (field_phi, leadership):
        assert client_for(user).post(url, {"transfer": phi_request.pk}).status_code == 404
    assert not allegation.transfers.exists()
    assert not Event.objects.filter(action="cases.allegation.transfer_linked").exists()
