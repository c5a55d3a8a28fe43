"""The public report pages in a real browser: accessible in English and Spanish, and they work."""

from __future__ import annotations

from typing import Any

import pytest

from transferwatch.conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser


def test_the_public_pages_are_accessible_in_both_languages(chromium: Any, live_site: str) -> None:
    page = chromium.new_context(base_url=live_site).new_page()
    for path, name in [
        ("/report/", "report-en"),
        ("/report/?lang=es", "report-es"),
        ("/report/status/?lang=es", "status-es"),
    ]:
        page.goto(path)
        screenshot(page, name)
        found = axe_violations(page)
        assert found == [], (path, [(v["id"], v["help"]) for v in found])
    # A form sent back with errors: the summary links to the fields, still accessible.
    page.goto("/report/?lang=es")
    page.get_by_role("button", name="Enviar denuncia").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Por favor corrija estas respuestas").is_visible()
    found = axe_violations(page)
    assert found == [], [(v["id"], v["help"]) for v in found]


def test_a_spanish_report_gets_a_number_and_its_status(chromium: Any, live_site: str) -> None:
    page = chromium.new_context(base_url=live_site).new_page()
    page.goto("/report/?lang=es")
    page.get_by_label("Departamento de policía, oficina del sheriff o cárcel").fill(
        "Policía de Norristown"
    )
    page.get_by_text("por el origen étnico").click()  # USWDS hides the box itself
    page.get_by_label("Cuéntenos qué pasó").fill("Me pararon sin motivo y llamaron a ICE.")
    page.get_by_label("Nombre de la persona afectada").fill("Persona de Prueba")
    page.wait_for_timeout(3200)  # a person takes longer than the form's minimum time
    page.get_by_role("button", name="Enviar denuncia").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Recibimos su denuncia").is_visible()
    keys = page.locator(".tw-key").all_inner_texts()
    number, secret = keys[0], keys[1]
    page.get_by_role("link", name="Consultar el estado de una denuncia").click()
    page.get_by_label("Número de registro").fill(number)
    page.get_by_label("Código secreto").fill(secret)
    page.get_by_role("button", name="Consultar estado").click()
    page.wait_for_load_state()
    assert "Recibimos su denuncia. Una persona la revisará pronto." in page.content()
