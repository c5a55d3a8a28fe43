"""The quarterly packet: its figures against counts computed here from the database, the same
figures in the HTML and the PDF, PDF pages that are not blank, and no personal data."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from transferwatch.cases.models import Allegation
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME
from transferwatch.discretion.models import PDRequest
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.monitoring.models import AgencyResult
from transferwatch.reports import packet, packet_monitoring
from transferwatch.reports.quarters import Quarter, QuarterError
from transferwatch.reports.tests.packet_data import (
    CANARY_CONTACT,
    CANARY_NARRATIVE,
    CANARY_TEXT,
    pdf_text,
)
from transferwatch.transfers.models import ReviewStep, TransferRequest

Q3 = Quarter.parse("2015Q3")
CANARIES = (CANARY_NAME, CANARY_A_NUMBER, CANARY_NARRATIVE, CANARY_CONTACT, CANARY_TEXT)
BIRTH_DATES = ("1988-04-03", "04/03/1988", "April 3, 1988")


def expected(q: Quarter) -> dict[str, Any]:
    """The summary figures counted independently: plain ORM queries and Python loops."""
    requests = list(
        TransferRequest.objects.filter(request_date__gte=q.start, request_date__lt=q.end)
    )
    latest = {t.pk: t.classifications.order_by("-created_at", "-pk").first() for t in requests}
    pep = [t for t in requests if latest[t.pk] is not None and latest[t.pk].policy == "pep-2014"]
    bad = [t for t in pep if t.inconsistencies]
    queued = {
        s.transfer_request_id: s.at
        for s in ReviewStep.objects.filter(action="queued", transfer_request__in=requests)
    }
    decided = {
        s.transfer_request_id: s.at
        for s in ReviewStep.objects.filter(to_status="decided", transfer_request__in=requests)
    }
    review_days = [(decided[pk] - queued[pk]).days for pk in decided if pk in queued]
    received = [
        a
        for a in Allegation.objects.all()
        if a.status != "merged" and q.start <= a.received_at.date() < q.end
    ]
    finals = [
        p for p in PDRequest.objects.filter(status="final") if q.start <= p.final_at.date() < q.end
    ]
    run = packet_monitoring.run_for(q)
    return {
        "requests": len(requests),
        "detainers": sum(t.request_type == "detainer" for t in requests),
        "classified": len(pep),
        "inconsistent": len(bad),
        "inconsistent_share": len(bad) / len(pep) if pep else None,
        "sent_for_review": len(queued),
        "decided": len(decided),
        "review_median_days": statistics.median(review_days) if review_days else None,
        "allegations": len(received),
        "pd_submitted": sum(
            1
            for p in PDRequest.objects.exclude(submitted_at=None)
            if q.start <= p.submitted_at.date() < q.end
        ),
        "pd_finals": len(finals),
        "pd_median_days": (
            statistics.median((p.final_at - p.submitted_at).days for p in finals)
            if finals
            else None
        ),
        "escalations": sum(
            1
            for e in Escalation.objects.exclude(sent_at=None)
            if q.start <= e.sent_at.date() < q.end
        ),
        "measures_opened": sum(
            1 for m in RemedialMeasure.objects.all() if q.start <= m.created_at.date() < q.end
        ),
        "significant": AgencyResult.objects.filter(run=run, concern="significant").count()
        if run
        else None,
    }


def test_it_reads_quarters_and_refuses_malformed_ones() -> None:
    assert Quarter.parse("2015q3") == Q3
    assert (Q3.start, Q3.last_day, Q3.previous.label) == (
        date(2015, 7, 1),
        date(2015, 9, 30),
        "2015Q2",
    )
    assert Quarter.parse("2016Q1").previous.label == "2015Q4"
    for bad in ("2015Q5", "2015-07", "Q3 2015", "", "20150Q1"):
        with pytest.raises(QuarterError):
            Quarter.parse(bad)


def test_its_figures_match_counts_computed_from_the_database(packet_world: Any) -> None:
    figures = packet.gather(Q3, charts=False)
    values = figures["values"]
    for q, got in ((Q3, values), (Q3.previous, figures_previous(figures))):
        want = expected(q)
        for key, value in want.items():
            if key in got:
                assert got[key] == pytest.approx(value), (q.label, key)
    # The world as built: a check that the independent counts are not both wrong the same way.
    assert (values["requests"], values["inconsistent"], values["allegations"]) == (30, 6, 6)
    assert (values["decided"], values["pd_finals"], values["pd_median_days"]) == (3, 2, 15.0)
    by_aor = {row["code"]: row for row in figures["transfers"]["by_aor"]}
    assert (
        by_aor["PHI"]["n"]
        == TransferRequest.objects.filter(
            aor__code="PHI", request_date__gte=Q3.start, request_date__lt=Q3.end
        ).count()
    )
    assert figures["reviews"]["late"] == 1 and figures["reviews"]["on_time"] == 2
    flagged = [a["agency"].ori for a in figures["monitoring"]["agencies"] if a["significant"]]
    assert flagged == ["PA0460000"]


def figures_previous(figures: dict[str, Any]) -> dict[str, Any]:
    return {row["key"]: row["previous"] for row in figures["summary"]}


def _summary_cell(html: str, key: str) -> str:
    row = re.search(rf'<tr id="summary-{key}">(.*?)</tr>', html, re.S)
    assert row, key
    return re.findall(r'<td class="num">(.*?)</td>', row.group(1))[0]


@pytest.fixture
def built(packet_world: Any) -> packet.Built:
    return packet.build(Q3)


def test_the_html_and_the_pdf_show_the_same_figures(built: packet.Built, tmp_path: Path) -> None:
    want = expected(Q3)
    html = built.html
    for key in ("requests", "inconsistent", "allegations", "pd_finals", "escalations"):
        assert _summary_cell(html, key) == f"{want[key]:,}"
    assert _summary_cell(html, "inconsistent_share") == f"{want['inconsistent_share']:.1%}"
    text = pdf_text(built.pdf or b"", tmp_path)
    for label, key in (
        ("Transfer requests", "requests"),
        ("Requests inconsistent with the priorities", "inconsistent"),
        ("Allegations received", "allegations"),
        ("PD final determinations", "pd_finals"),
    ):
        assert re.search(rf"^\s*{re.escape(label)}\s+{want[key]:,}\s", text, re.M), label
    # The table of contents gives each chapter's page from the layout.
    for chapter in ("Summary", "Allegations", "Definitions"):
        assert re.search(rf"\. {chapter}[ .]+\d+\s*$", text, re.M), chapter
    assert f"Page 1 of {built.pages}" in text


def test_the_pdf_is_tagged_and_its_pages_are_not_blank(built: packet.Built, tmp_path: Path) -> None:
    pdf = built.pdf or b""
    assert pdf.startswith(b"%PDF-")
    assert built.pages and built.pages >= 5
    source = tmp_path / "packet.pdf"
    source.write_bytes(pdf)
    if pdfinfo := shutil.which("pdfinfo"):
        info = subprocess.run([pdfinfo, str(source)], capture_output=True, text=True).stdout
        assert re.search(r"^Tagged:\s+yes", info, re.M)  # PDF/UA-1: a structure tree
        assert re.search(rf"^Pages:\s+{built.pages}$", info, re.M)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm is not installed")
    image = pytest.importorskip("PIL.Image")
    subprocess.run([pdftoppm, "-r", "40", "-png", str(source), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == built.pages
    for page in pages:
        gray = image.open(page).convert("L")
        dark = sum(gray.histogram()[:200])  # pixels clearly darker than the white paper
        assert dark / (gray.width * gray.height) > 0.003, page.name


def test_no_personal_data_reaches_the_html_or_the_pdf(built: packet.Built, tmp_path: Path) -> None:
    for canary in (*CANARIES, *BIRTH_DATES):
        assert canary not in built.html
    text = pdf_text(built.pdf or b"", tmp_path)
    for canary in (*CANARIES, *BIRTH_DATES):
        assert canary not in text
    assert CANARY_A_NUMBER not in text.replace(" ", "").replace("-", "")


def test_a_quarter_with_nothing_in_it_still_builds(db: Any) -> None:
    built = packet.build(Quarter.parse("2014Q1"), pdf=False)
    assert built.figures["values"]["requests"] == 0
    assert "No finished monitoring run covers 2014Q1." in built.html
