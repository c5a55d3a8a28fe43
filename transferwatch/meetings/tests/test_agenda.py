"""The agenda drafted from open records: exactly what is open, nothing closed, nobody's identity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from transferwatch.accounts.models import Area
from transferwatch.agencies.models import Agency
from transferwatch.audit.models import Event
from transferwatch.cases.models import Allegation, Inquiry, InvolvedPerson, Recommendation
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for
from transferwatch.discretion.models import PDRequest
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.meetings import agenda, services
from transferwatch.meetings.models import Meeting
from transferwatch.monitoring.models import AgencyResult, IndicatorResult, MonitoringRun
from transferwatch.transfers.models import TransferRequest

CANARY_NARRATIVE = "Canary narrative: stopped on Quillfeather Lane for a broken tail light"
CANARIES = (CANARY_NAME, CANARY_A_NUMBER, CANARY_NARRATIVE, "Quillfeather")


def at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


@pytest.fixture
def world(
    phi_agency: Agency, person: Any, phi_request: TransferRequest, investigator: Any
) -> dict[str, Any]:
    """Open and closed records of every kind the agenda draws on; returns what must be on it."""
    phi = Area.objects.get(code="PHI")

    def agency(ori: str, name: str) -> Agency:
        return Agency.objects.create(ori=ori, name=name, state="PA", aor=phi)

    significant = agency("PA0000011", "Significant Township Police")
    still_watch = agency("PA0000012", "Still Watched Borough Police")
    new_watch = agency("PA0000013", "Newly Watched City Police")
    downgraded = agency("PA0000014", "Downgraded County Sheriff")
    quiet = agency("PA0000015", "Quiet Village Police")
    older = MonitoringRun.objects.create(status="done", finished_at=at(date(2015, 6, 1)))
    previous = MonitoringRun.objects.create(status="done", finished_at=at(date(2015, 7, 1)))
    latest = MonitoringRun.objects.create(status="done", finished_at=at(date(2015, 9, 1)))
    MonitoringRun.objects.create(status="failed", finished_at=at(date(2015, 9, 20)))
    MonitoringRun.objects.create(status="queued")
    for run, a, concern in [
        (older, new_watch, "significant"),  # long ago: "newly" looks at the run before only
        (previous, still_watch, "watch"),
        (previous, downgraded, "significant"),
        (previous, quiet, "significant"),
        (previous, phi_agency, "significant"),
        (latest, significant, "significant"),
        (latest, phi_agency, "significant"),
        (latest, still_watch, "watch"),
        (latest, new_watch, "watch"),
        (latest, downgraded, "watch"),
        (latest, quiet, "none"),
    ]:
        result = AgencyResult.objects.create(run=run, agency=a, concern=concern)
        IndicatorResult.objects.create(
            agency_result=result, name="pretext_share", flagged=concern != "none"
        )

    allegation = Allegation.objects.create(
        agency=phi_agency,
        types=["profiling_ethnicity"],
        source="public",
        channel="web",
        narrative=CANARY_NARRATIVE,
        contact_name=CANARY_NAME,
    )
    InvolvedPerson.objects.create(allegation=allegation, name=CANARY_NAME, a_number=CANARY_A_NUMBER)

    def inquiry(status: str, responses: list[str]) -> Inquiry:
        i = Inquiry.objects.create(allegation=allegation, status=status, findings=CANARY_NARRATIVE)
        for n, response in enumerate(responses, start=1):
            Recommendation.objects.create(
                inquiry=i, number=n, text=f"Recommendation {n}", response=response
            )
        return i

    awaiting_response = inquiry("recommendations_sent", ["concur", ""])
    inquiry("recommendations_sent", ["concur", "non_concur"])  # all answered
    inquiry("response_received", ["concur"])
    inquiry("findings", [""])  # not sent yet

    def pd(status: str, **fields: Any) -> PDRequest:
        return PDRequest.objects.create(
            inquiry=awaiting_response,
            person=person,
            transfer=phi_request,
            aor=phi,
            status=status,
            agency_conduct=CANARY_NARRATIVE,
            created_by=investigator,
            submitted_at=None if status == "draft" else at(date(2015, 5, 1)),
            **fields,
        )

    awaiting = [pd("submitted"), pd("field_review"), pd("hq_decided", hq_decision="denied")]
    pd("draft")
    pd("withdrawn")
    decided = pd("final", final_decision="granted", final_at=at(date(2015, 9, 1)))
    pd("final", final_decision="denied", final_at=at(date(2015, 6, 1)))  # before last meeting

    def escalation(status: str) -> Escalation:
        return Escalation.objects.create(
            kind="doj",
            status=status,
            agency=significant,
            recipient="DOJ",
            subject="Pattern of pretextual stops",
            concerns=CANARY_NARRATIVE,
            reasons="Figures.",
            created_by=investigator,
        )

    escalations = [escalation(s) for s in ("sent", "acknowledged", "answered")]
    for status in ("draft", "approved", "closed"):
        escalation(status)

    def measure(status: str) -> RemedialMeasure:
        return RemedialMeasure.objects.create(
            agency=significant,
            kind="training",
            status=status,
            description=CANARY_NARRATIVE,
            owner="Chief of Police",
            due_date=date(2015, 12, 1),
            created_by=investigator,
        )

    measures = [measure(s) for s in ("proposed", "agreed", "in_progress", "verified", "lapsed")]
    measure("closed")

    # Transfer requests of 2015Q3 (phi_request is dated 2015-08-01 and still `received`).
    overdue = timezone.localdate() - timedelta(days=1)
    for review_status, decision, due, inconsistent in [
        ("in_review", "", overdue, True),
        ("returned", "", timezone.localdate() + timedelta(days=5), True),
        ("closed", "concur", None, True),
        ("decided", "exception", None, True),
        ("closed", "", None, False),
    ]:
        TransferRequest.objects.create(
            person=person,
            request_type="detainer",
            request_date=date(2015, 9, 2),
            aor=phi,
            agency=phi_agency,
            review_status=review_status,
            decision=decision,
            review_due=due,
            inconsistencies=["not_a_priority"] if inconsistent else [],
        )
    TransferRequest.objects.create(  # another quarter
        person=person,
        request_type="detainer",
        request_date=date(2015, 6, 2),
        aor=phi,
        review_status="in_review",
        review_due=overdue,
    )
    expected = {
        ("agency", significant.ori),
        ("agency", phi_agency.ori),
        ("agency", new_watch.ori),
        ("run", str(latest.pk)),
        *{("pd", str(p.pk)) for p in [*awaiting, decided]},
        ("transfers", "2015Q3"),
        ("inquiry", awaiting_response.number),
        *{("escalation", str(e.pk)) for e in escalations},
        *{("measure", str(m.pk)) for m in measures},
    }
    return {"expected": expected, "latest": latest}


@pytest.fixture
def meeting(make_meeting: Callable[..., Meeting]) -> Meeting:
    make_meeting(status="minutes_approved", day=date(2015, 7, 14), quarter="2015Q2")
    return make_meeting(day=date(2015, 10, 15), agenda=False)


def links(items: list[Any]) -> set[tuple[str, str]]:
    return {(link["kind"], link["key"]) for item in items for link in item.links}


def test_it_drafts_exactly_the_open_items(
    world: dict[str, Any], meeting: Meeting, analyst: Any
) -> None:
    items = services.draft_agenda(meeting, analyst)
    assert links(items) == world["expected"]
    titles = [item.title for item in items]
    assert titles == [
        "Montgomery County Sheriff (PA0460000, PA): significant concern",
        "Significant Township Police (PA0000011, PA): significant concern",
        "Newly Watched City Police (PA0000013, PA): newly on watch",
        "PD requests awaiting ICE's decision (3)",
        "PD requests decided since 2015-07-14 (1)",
        "Transfer-request review, 2015Q3",
        "Inquiries with recommendations awaiting the component's response (1)",
        "Notifications and referrals in progress (3)",
        "Remedial measures in progress (5)",
    ]
    assert all(item.drafted for item in items)
    review = next(item for item in items if item.section == "transfer_review")
    assert "Requests dated in 2015Q3: 6" in review.notes
    assert "Inconsistent with the priorities: 4" in review.notes
    assert "Reviews open: 2, of which past due: 1" in review.notes
    assert "Decisions: Concur 1, Exception granted 1" in review.notes
    inquiries = next(item for item in items if item.section == "inquiries")
    assert "1 recommendation awaiting a response" in inquiries.notes
    run = world["latest"].pk
    assert f"in monitoring run {run}; flagged indicators: pretext_share." in items[0].notes


def test_it_drafts_nothing_when_nothing_is_open(meeting: Meeting, analyst: Any) -> None:
    assert services.draft_agenda(meeting, analyst) == []


def test_it_counts_decisions_since_the_quarter_start_for_the_first_meeting(
    world: dict[str, Any], make_meeting: Callable[..., Meeting]
) -> None:
    first = make_meeting(day=date(2015, 10, 15), agenda=False)
    titles = [item.title for item in agenda.pd_requests(first)]
    assert "PD requests decided since 2015-07-01 (1)" in titles


def test_it_redrafts_without_duplicates(
    world: dict[str, Any], meeting: Meeting, analyst: Any
) -> None:
    first = services.draft_agenda(meeting, analyst)
    second = services.draft_agenda(meeting, analyst)
    assert len(second) == len(first) and links(second) == world["expected"]


def test_it_keeps_personal_data_off_the_agenda_pages_and_events(
    world: dict[str, Any], meeting: Meeting, analyst: Any, hq: Any, supervisor: Any
) -> None:
    items = services.draft_agenda(meeting, analyst)
    stored = " ".join(f"{i.title} {i.notes} {i.links}" for i in items)
    pages = [
        client_for(user).get(reverse(name, args=[meeting.pk])).content.decode()
        for user in (analyst, hq, supervisor)
        for name in ("meeting_detail", "meeting_print")
    ]
    events = " ".join(str(e.changes) for e in Event.objects.all())
    for canary in CANARIES:
        assert canary not in stored
        for page in pages:
            assert canary not in page
        assert canary not in events
    assert "Significant Township Police" in pages[2]  # the pages do show the agenda


def test_it_links_only_records_the_reader_may_open(
    world: dict[str, Any], meeting: Meeting, analyst: Any, hq: Any, supervisor: Any
) -> None:
    services.draft_agenda(meeting, analyst)
    pd = PDRequest.objects.filter(status="submitted").get()
    inquiry = Inquiry.objects.get(number=next(k for t, k in world["expected"] if t == "inquiry"))
    pd_url = reverse("pd_detail", args=[pd.pk])
    inquiry_url = reverse("inquiry_detail", args=[inquiry.number])
    hq_page = client_for(hq).get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    sup_page = client_for(supervisor).get(reverse("meeting_detail", args=[meeting.pk]))
    assert pd_url in hq_page and inquiry_url not in hq_page  # ICE HQ sees PD requests only
    assert inquiry.number in hq_page  # the number itself is on the agenda
    assert pd_url in sup_page.content.decode() and inquiry_url in sup_page.content.decode()


def test_it_refuses_drafting_to_readers(
    world: dict[str, Any], meeting: Meeting, hq: Any, field_phi: Any
) -> None:
    assert (
        client_for(hq).post(reverse("meeting_draft_agenda", args=[meeting.pk])).status_code == 404
    )
    response = client_for(field_phi).post(reverse("meeting_draft_agenda", args=[meeting.pk]))
    assert response.status_code == 404
    assert not meeting.agenda.exists()
