"""Issue 6's end-to-end flow in a real browser, across the public form, CRCL and ICE.

A member of the public reports a problem in Spanish; a CRCL investigator triages it, links the
transfer request by which the person came into ICE custody, retains it for an inquiry and asks ICE
for prosecutorial discretion; the ICE field reviewer of the person's area takes the request up,
decides and makes the decision final; the submitter then sees the status change with the record
number and secret. The child server's data is `BROWSER_WORLD` in transferwatch/conftest.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from transferwatch.conftest import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.browser


def _status(page: Any, number: str, secret: str) -> str:
    page.goto("/report/status/?lang=es")
    page.get_by_label("Número de registro").fill(number)
    page.get_by_label("Código secreto").fill(secret)
    page.get_by_role("button", name="Consultar estado").click()
    page.wait_for_load_state()
    return str(page.locator("main").inner_text())


def _act(page: Any, legend: str, text: str = "", **selects: str) -> None:
    """Fill and send the move form whose legend is `legend` on the current page."""
    form = page.locator("form.tw-action").filter(has=page.locator("legend", has_text=legend))
    for name, value in selects.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    if text:
        form.locator("textarea[name=text]").fill(text)
    form.get_by_role("button", name=legend).click()
    page.wait_for_load_state()


def test_a_spanish_report_goes_through_triage_inquiry_and_pd_review(
    chromium: Any, live_site: str
) -> None:
    public = chromium.new_context(base_url=live_site).new_page()
    public.goto("/report/?lang=es")
    public.get_by_label("Departamento de policía, oficina del sheriff o cárcel").fill(
        "Example Township Police Department"
    )
    public.get_by_text("por el origen étnico").click()
    public.get_by_label("Cuéntenos qué pasó").fill(
        "Me pararon por una luz trasera rota y me entregaron a ICE."
    )
    public.get_by_label("Nombre de la persona afectada").fill("Canary Browser-Person")
    public.get_by_label("Número A (si lo sabe)").fill("A099999999")
    public.wait_for_timeout(3200)  # a person takes longer than the form's minimum time
    public.get_by_role("button", name="Enviar denuncia").click()
    public.wait_for_load_state()
    number, secret = public.locator(".tw-key").all_inner_texts()[:2]
    assert re.fullmatch(r"CRCL-A-\d{4}-\d{6}", number)
    assert "Recibimos su denuncia" in _status(public, number, secret)

    # CRCL: triage, link the transfer request found by the A-number, retain, plan.
    crcl = sign_in(chromium, live_site, "ivan")
    crcl.goto(f"/cases/allegations/{number}/")
    _act(crcl, "Triage", "Caso nuevo del formulario público.", agency="PA0000001")
    crcl.get_by_role("button", name=re.compile("^Link transfer request")).click()
    crcl.wait_for_load_state()
    assert crcl.get_by_text("Transfer request #1 linked.").is_visible()
    _act(crcl, "Retain for a CRCL inquiry", investigator=crcl.locator(
        "select[name=investigator] option", has_text="ivan").get_attribute("value"))  # fmt: skip
    screenshot(crcl, "casework-allegation-retained")
    crcl.get_by_role("link", name=re.compile(r"^CRCL-I-")).first.click()
    crcl.wait_for_load_state()
    inquiry_url = crcl.url
    _act(crcl, "Start the investigation", "Request the arrest reports and body camera video.")
    crcl.get_by_role("link", name="Ask ICE for prosecutorial discretion").click()
    crcl.wait_for_load_state()
    crcl.locator("select[name=person]").select_option(index=1)
    crcl.locator("select[name=transfer]").select_option(index=1)
    crcl.get_by_text("Inappropriate profiling").click()
    crcl.get_by_label("What the agency did").fill(
        "Stopped the driver for a broken tail light and called ICE at once."
    )
    crcl.get_by_role("button", name="Save the draft").click()
    crcl.wait_for_load_state()
    pd_url = crcl.url
    _act(crcl, "Submit to ICE")
    assert "Submitted to ICE" in crcl.locator("main").inner_text()
    found = axe_violations(crcl)
    assert found == [], [(v["id"], v["help"]) for v in found]
    assert "ICE está revisando la solicitud" in _status(public, number, secret)
    assert "investigación" in _status(public, number, secret)

    # ICE field reviewer of the person's area: take up, decide, make final.
    ice = sign_in(chromium, live_site, "phil")
    ice.goto(pd_url)
    assert "Canary Browser-Person" not in ice.content()  # masked until an audited reveal
    _act(ice, "Take up for field review")
    _act(
        ice,
        "Record the field decision",
        "Victim of a pretextual stop; release under supervision.",
        decision="granted",
    )
    _act(ice, "Make the decision final and send it to CRCL")
    page_text = ice.locator("main").inner_text()
    assert "Final determination" in page_text
    screenshot(ice, "casework-pd-final")
    found = axe_violations(ice)
    assert found == [], [(v["id"], v["help"]) for v in found]

    # CRCL sees the final determination; the submitter sees the status change.
    crcl.goto(inquiry_url)
    assert "Final determination" in crcl.locator("main").inner_text()
    after = _status(public, number, secret)
    assert "ICE tomó una decisión final" in after
    screenshot(public, "casework-public-status-final")
