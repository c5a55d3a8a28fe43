"""People are named by full name and title, not by username."""

from __future__ import annotations

from typing import Any

from transferwatch.accounts.models import User
from transferwatch.conftest import client_for
from transferwatch.transfers import review
from transferwatch.transfers.tests.test_review import new_request


def test_it_names_a_user_by_full_name_and_title(db: Any) -> None:
    maria = User(username="mlopez", first_name="Maria", last_name="Lopez")
    assert maria.display_name == "Maria Lopez"
    maria.job_title = "Supervisory Immigration Officer"
    assert maria.display_name == "Maria Lopez, Supervisory Immigration Officer"
    assert User(username="fod", title="ice_fod").display_name == "fod, ICE Field Office Director"


def test_a_request_history_names_the_reviewer(phi_agency: Any, field_phi: Any) -> None:
    field_phi.first_name, field_phi.last_name = "Phil", "Example"
    field_phi.job_title = "Deportation Officer"
    field_phi.save()
    transfer = new_request(phi_agency, [])
    review.classify_request(transfer)
    review.act(transfer, "concur", field_phi)
    page = client_for(field_phi).get(f"/transfers/{transfer.pk}/").content.decode()
    assert "Phil Example, Deportation Officer" in page
