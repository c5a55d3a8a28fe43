"""The new-letter form in a real browser: the recipient and basis follow the kind chosen.

No ORM here: the agency and users of BROWSER_WORLD (transferwatch/conftest.py) are the data.
"""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.conftest import sign_in

pytestmark = pytest.mark.browser


def test_changing_the_kind_changes_the_prefilled_recipient_and_basis(
    chromium: Any, live_site: str
) -> None:
    page = sign_in(chromium, live_site, "ivan")
    page.goto("/escalations/new/?agency=PA0000001")
    recipient = page.get_by_label("Recipient")
    basis = page.get_by_label("Legal basis")
    assert recipient.input_value() == "Secretary of Homeland Security"
    page.get_by_label("Kind").select_option("doj")
    assert "Civil Rights Division" in recipient.input_value()
    assert "34 U.S.C. 12601" in basis.input_value()
    # Text the drafter wrote stays when the kind changes again.
    recipient.fill("Chief, Special Litigation Section")
    page.get_by_label("Kind").select_option("state_ag")
    assert recipient.input_value() == "Chief, Special Litigation Section"
    assert basis.input_value() == ""
