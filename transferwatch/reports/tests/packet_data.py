"""Synthetic records for two quarters (2015Q2 and 2015Q3) around the canary person.

Imported by the packet and profile tests as the `packet_world` fixture. Canary values sit in
every sensitive place a careless report could read: the person, an involved person, an
allegation's narrative and contact, an escalation's text and a measure's description.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from transferwatch.agencies.models import Agency
from transferwatch.cases.models import Allegation, Inquiry, InvolvedPerson
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME
from transferwatch.discretion.models import PDRequest
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.monitoring.models import AgencyResult, IndicatorResult, MonitoringRun
from transferwatch.transfers.models import Classification, ReviewStep, TransferRequest

CANARY_NARRATIVE = "Quuxcanary narrative of events"
CANARY_CONTACT = "Plughcanary Contactperson"
CANARY_TEXT = "Frobcanary free text about Zyxwvut"

# The role assignments asked of accounts/roles.py (docs/reports.md): until roles.py carries
# them, the tests grant them to the role groups the same way `sync_roles` would.
PACKET_READERS = (
    "crcl_analyst",
    "crcl_investigator",
    "crcl_supervisor",
    "ice_hq_reviewer",
    "dhs_leadership",
)
PACKET_BUILDERS = ("crcl_analyst", "crcl_supervisor")


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def _request(agency: Agency, day: date, kind: str, outcome: str = "pending") -> TransferRequest:
    return TransferRequest.objects.create(
        request_type=kind, request_date=day, aor=agency.aor, agency=agency, outcome=outcome
    )


def _classify(
    transfer: TransferRequest, tier: int | None, bad: bool, policy: str = "pep-2014"
) -> None:
    Classification.objects.create(transfer_request=transfer, policy=policy, tier=tier)
    if bad:
        transfer.inconsistencies = ["no conviction that justifies a PEP transfer"]
        transfer.save(update_fields=["inconsistencies"])


def _step(transfer: TransferRequest, action: str, to_status: str, when: datetime) -> None:
    step = ReviewStep.objects.create(
        transfer_request=transfer,
        action=action,
        from_status="",
        to_status=to_status,
        actor_name="test",
    )
    ReviewStep.objects.filter(pk=step.pk).update(at=when)  # `at` is auto_now_add


def _run(pk_hint: str, period_to: date, finished: datetime) -> MonitoringRun:
    return MonitoringRun.objects.create(
        status="done",
        period_from=date(2015, 1, 1),
        period_to=period_to,
        finished_at=finished,
        method_version=f"test-{pk_hint}",
        progress=100,
    )


def _result(
    run: MonitoringRun, agency: Agency, concern: str, estimate: float, flagged: bool
) -> None:
    result = AgencyResult.objects.create(
        run=run, agency=agency, concern=concern, flagged=concern == "significant", n_bookings=900
    )
    IndicatorResult.objects.create(
        agency_result=result,
        name="non_priority_transfers",
        estimate=estimate,
        ci_low=estimate - 0.05,
        ci_high=estimate + 0.05,
        p_value=0.001 if flagged else 0.4,
        q_value=0.01 if flagged else 0.6,
        n=400,
        flagged=flagged,
        explanation=f"share of non-priority transfers {estimate:.0%} against peers' 20%",
    )


@pytest.fixture
def packet_world(
    phi_agency: Agency,
    nyc_agency: Agency,
    phi_request: TransferRequest,
    investigator: Any,
    supervisor: Any,
) -> dict[str, Any]:
    """Requests, reviews, two monitoring runs and casework in 2015Q2 and 2015Q3."""
    phi_agency.peer_group = "PA large"
    phi_agency.save(update_fields=["peer_group"])
    peers = [
        Agency.objects.create(
            ori=f"PA00{i}0000",
            name=f"Peer Police {i}",
            state="PA",
            aor=phi_agency.aor,
            peer_group="PA large",
        )
        for i in range(1, 5)
    ]
    # Transfer requests: Q3 (phi_request, dated 2015-08-01, is one of them) and Q2.
    kinds = ("detainer", "notification", "transfer")
    q3 = [phi_request]
    for i in range(20):
        q3.append(
            _request(phi_agency, date(2015, 7, 1) + timedelta(days=3 * i), kinds[i % 3], "released")
        )
    for i in range(9):
        q3.append(_request(nyc_agency, date(2015, 9, 1) + timedelta(days=i), "notification"))
    q2 = [_request(phi_agency, date(2015, 5, 1) + timedelta(days=i), "detainer") for i in range(7)]
    # Classifications: Q3 10 consistent (tier 1 or 2), 6 inconsistent (no tier), 1 under the
    # 2011 policy, the rest not classified; Q2 3 inconsistent of 5.
    for i, transfer in enumerate(q3[:16]):
        bad = i >= 10
        _classify(transfer, None if bad else 1 + i % 2, bad)
    _classify(q3[16], 2, False, policy="pre-2014")
    for i, transfer in enumerate(q2[:5]):
        _classify(transfer, None if i < 3 else 2, i < 3)
    # Reviews of the 6 inconsistent Q3 requests: sent 2015-09-01, due 14 days later; two decided
    # in 5 days, one in 30 days (late); three still open (past due by now).
    sent = at(date(2015, 9, 1))
    for i, transfer in enumerate(q3[10:16]):
        transfer.review_due = date(2015, 9, 15)
        transfer.review_status = "in_review"
        if i < 3:
            transfer.review_status = "decided"
            transfer.decision = "concur" if i < 2 else "exception"
        transfer.save(update_fields=["review_due", "review_status", "decision"])
        _step(transfer, "queued", "in_review", sent)
        if i < 3:
            _step(transfer, "concur", "decided", sent + timedelta(days=5 if i < 2 else 30))
    # Monitoring: a run to 2015-06-30 and one to 2015-09-30; PHI significant in the second.
    first = _run("a", date(2015, 6, 30), at(date(2015, 7, 10)))
    second = _run("b", date(2015, 9, 30), at(date(2015, 10, 10)))
    for run, phi_estimate, flagged in ((first, 0.3, False), (second, 0.55, True)):
        _result(run, phi_agency, "significant" if flagged else "none", phi_estimate, flagged)
        _result(run, nyc_agency, "watch" if flagged else "none", 0.25, False)
        for k, peer in enumerate(peers):
            _result(run, peer, "none", 0.18 + 0.02 * k, False)
    # Allegations: Q3 6 counted (4 PHI, 1 NYC, 1 with no agency) + 1 merged; Q2 2.
    allegations = []
    for i, (agency, types) in enumerate(
        [
            (phi_agency, ["profiling_race"]),
            (phi_agency, ["profiling_race", "systems_misuse"]),
            (phi_agency, ["profiling_lep"]),
            (phi_agency, ["other_practice"]),
            (nyc_agency, ["profiling_ethnicity"]),
            (None, ["profiling_race"]),
        ]
    ):
        allegations.append(
            Allegation.objects.create(
                agency=agency,
                types=types,
                source="public" if i % 2 else "ice_officer",
                channel="web",
                narrative=CANARY_NARRATIVE,
                contact_name=CANARY_CONTACT,
                received_at=at(date(2015, 7, 6) + timedelta(days=7 * i)),
            )
        )
    Allegation.objects.create(
        agency=phi_agency, types=["profiling_race"], source="public", channel="web",
        status="merged", merged_into=allegations[0], received_at=at(date(2015, 8, 20)),
    )  # fmt: skip
    for day in (date(2015, 4, 2), date(2015, 5, 2)):
        Allegation.objects.create(
            agency=phi_agency, types=["profiling_race"], source="public", channel="mail",
            received_at=at(day),
        )  # fmt: skip
    InvolvedPerson.objects.create(
        allegation=allegations[0], name=CANARY_NAME, a_number=CANARY_A_NUMBER,
        birth_date=date(1988, 4, 3), description=CANARY_TEXT,
    )  # fmt: skip
    inquiry = Inquiry.objects.create(
        allegation=allegations[0], investigator=investigator, status="investigating",
        plan=CANARY_TEXT, findings=CANARY_TEXT, opened_at=at(date(2015, 7, 20)),
    )  # fmt: skip
    # PD requests: 3 submitted in Q3; 2 of them final in Q3 after 10 and 20 days.
    for i in range(3):
        submitted = at(date(2015, 7, 10) + timedelta(days=i))
        final = i < 2
        PDRequest.objects.create(
            inquiry=inquiry, person=phi_request.person, transfer=phi_request, aor=phi_agency.aor,
            bases=["profiling"], agency_conduct=CANARY_TEXT, created_by=investigator,
            status="final" if final else "field_review", submitted_at=submitted,
            final_decision=("granted", "denied")[i] if final else "",
            final_at=submitted + timedelta(days=10 * (i + 1)) if final else None,
        )  # fmt: skip
    # Notices and referrals: a DOJ referral sent in Q3, a leadership notice sent in Q2, a draft.
    for kind, sent_day, status in (
        ("doj", date(2015, 8, 10), "sent"),
        ("leadership", date(2015, 5, 10), "answered"),
        ("state_ag", None, "draft"),
    ):
        Escalation.objects.create(
            kind=kind, status=status, agency=phi_agency, recipient="Office", subject=CANARY_TEXT,
            concerns=CANARY_TEXT, reasons=CANARY_TEXT, created_by=supervisor,
            sent_at=at(sent_day) if sent_day else None,
            answered_at=at(date(2015, 6, 1)) if status == "answered" else None,
        )  # fmt: skip
    # Remedial measures: two opened in Q3 (one past due), one opened and closed in Q2.
    for kind, created, status, closed in (
        ("training", date(2015, 8, 1), "in_progress", None),
        ("corrective_plan", date(2015, 9, 1), "agreed", None),
        ("follow_up_monitoring", date(2015, 4, 1), "closed", date(2015, 6, 1)),
    ):
        RemedialMeasure.objects.create(
            agency=phi_agency, kind=kind, status=status, description=CANARY_TEXT,
            owner=CANARY_CONTACT, due_date=date(2015, 10, 1), created_by=supervisor,
            created_at=at(created), closed_at=at(closed) if closed else None,
        )  # fmt: skip
    return {"peers": peers, "runs": (first, second), "q3": q3, "q2": q2}


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext is not installed")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    done = subprocess.run(
        [tool, "-layout", str(source), "-"], capture_output=True, check=True, text=True
    )
    return done.stdout
