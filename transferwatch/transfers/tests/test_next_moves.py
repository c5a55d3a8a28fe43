"""A transfer request's page says what the user can do now and whose move it is otherwise."""

from __future__ import annotations

from typing import Any

from transferwatch.conftest import client_for
from transferwatch.transfers import review
from transferwatch.transfers.tests.test_review import new_request


def test_a_queued_request_waits_for_the_field_reviewer(
    phi_agency: Any, field_phi: Any, field_nyc: Any, hq: Any
) -> None:
    transfer = new_request(phi_agency, [])
    review.classify_request(transfer)
    url = f"/transfers/{transfer.pk}/"
    reviewer = client_for(field_phi).get(url).content.decode()
    assert "You can now:" in reviewer and "<li>Concur with the request</li>" in reviewer
    national = client_for(hq).get(url).content.decode()
    assert "Concur with the request: waiting for an ICE ERO field reviewer" in national
    assert client_for(field_nyc).get(url).status_code == 404
    review.act(transfer, "refer_opla", field_phi, "is the conviction final?")
    again = client_for(field_phi).get(url).content.decode()
    assert "Record OPLA&#x27;s advice: waiting for an OPLA attorney" in again
