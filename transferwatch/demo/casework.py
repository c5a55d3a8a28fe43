"""Invented casework for the demo, made through the same services the pages use.

Every record here goes through the lifecycle moves (with history and audit events), so each
demo user finds something waiting on their home page: analysts a report to triage, the
investigator an inquiry under way, the supervisor a referral to approve, the Philadelphia field
reviewer a PD request to decide, leadership a notification. Loaded once: a second `demo` run
leaves existing casework alone.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from transferwatch.accounts.models import User
from transferwatch.cases import services as cases
from transferwatch.cases.models import Allegation
from transferwatch.cases.moves import allegation_move, inquiry_move
from transferwatch.discretion import services as discretion
from transferwatch.escalations import services as escalations
from transferwatch.escalations.models import DEFAULT_LEGAL_BASIS, DEFAULT_RECIPIENT
from transferwatch.transfers.models import TransferRequest


def load(users: dict[str, User]) -> dict[str, str]:
    """Create the demo casework; returns what the demo prints (record number and secret)."""
    if Allegation.objects.exclude(source="crcl_monitoring").exists():
        return {}
    transfer = (
        TransferRequest.objects.filter(aor__code="PHI", person__isnull=False, agency__isnull=False)
        .select_related("person", "agency")
        .order_by("request_date", "pk")
        .first()
    )
    if transfer is None:
        return {}
    agency, person = transfer.agency, transfer.person
    analyst, investigator = users["analyst"], users["investigator"]
    supervisor, field = users["supervisor"], users["field-phi"]
    when = transfer.request_date

    # A report from the public, in Spanish, waiting for triage: its secret is printed.
    public, secret = cases.create_allegation(
        cases.AllegationData(
            source="public", channel="web", language="es", types=["profiling_ethnicity"],
            agency_text=agency.name, encounter_date=when,
            narrative="Me pararon por una luz trasera rota y llamaron a ICE (invented).",
            people=[cases.PersonData(name="Invented Person", birth_date=date(1990, 5, 1))],
        ),
        with_secret=True,
    )  # fmt: skip

    # An ICE officer's report of improper conduct, waiting for triage.
    cases.create_allegation(
        cases.AllegationData(
            source="ice_officer", channel="ice_form", types=["systems_misuse"], agency=agency,
            encounter_date=when, narrative="Officers ran immigration checks on every passenger "
            "of a stopped car (invented).",
        ),
        field,
    )  # fmt: skip

    # A complaint received by phone, triaged, its transfer linked, retained for an inquiry.
    phoned, _ = cases.create_allegation(
        cases.AllegationData(
            source="organization", channel="phone", types=["profiling_ethnicity", "profiling_lep"],
            agency=agency, encounter_date=when, encounter_place="Traffic stop (invented)",
            narrative="A legal aid group reports a pattern of stops for minor traffic offences of "
            "Spanish-speaking drivers followed by calls to ICE (invented).",
            people=[cases.PersonData(name=person.name, a_number=person.a_number,
                                     birth_date=person.birth_date)],
        ),
        analyst,
    )  # fmt: skip
    allegation_move(phoned, "triage", analyst, "Names an agency already under watch.")
    cases.link_transfer(phoned, transfer, investigator)
    allegation_move(phoned, "retain", investigator, "", investigator=str(investigator.pk))
    inquiry = phoned.inquiries.get()
    inquiry_move(
        inquiry, "start", investigator, "Request arrest reports and stop data for 2015-2016."
    )
    cases.add_entry(
        inquiry, investigator, "onsite_visit", "Met the chief and the jail commander.",
        on_date=timezone.localdate() - timedelta(days=7), place="Agency headquarters",
    )  # fmt: skip
    cases.add_recommendation(
        inquiry, investigator, "Record the reason for every stop and review them monthly."
    )

    # A PD request to ICE about the person, waiting for the Philadelphia field reviewer.
    pd = discretion.create(
        investigator, inquiry, person=person, transfer=transfer, bases=["profiling"],
        person_status=["witness"], agency_conduct="Stopped for a minor traffic offence and "
        "referred to ICE without a charge that meets the priorities (invented).",
    )  # fmt: skip
    discretion.act(pd, "submit", investigator)

    # A DOJ referral drafted by the investigator, waiting for the supervisor's approval; a
    # notification to leadership approved and sent.
    facts: dict[str, Any] = {
        "agency": agency,
        "concerns": "Minor-offence arrests of Hispanic drivers rose sharply after activation.",
        "reasons": "Monitoring indicators and an open inquiry point the same way.",
        "findings": "Preliminary: the share of minor traffic arrests of Hispanic drivers "
        "doubled while peers' did not.",
    }
    escalations.create_escalation(
        investigator,
        {**facts, "kind": "doj", "recipient": DEFAULT_RECIPIENT["doj"],
         "legal_basis": DEFAULT_LEGAL_BASIS["doj"], "subject": f"Referral: {agency.name}"},
        [inquiry],
    )  # fmt: skip
    notice = escalations.create_escalation(
        investigator,
        {**facts, "kind": "leadership", "recipient": DEFAULT_RECIPIENT["leadership"],
         "legal_basis": DEFAULT_LEGAL_BASIS["leadership"],
         "subject": f"Significant concerns: {agency.name}"},
        [inquiry],
    )  # fmt: skip
    escalations.escalation_move(notice, "approve", supervisor)
    escalations.escalation_move(notice, "send", investigator)

    # A remedial measure under way.
    measure = escalations.create_measure(
        supervisor,
        {"agency": agency, "kind": "follow_up_monitoring", "owner": "CRCL analysts",
         "description": "Quarterly review of the agency's minor-offence arrests.",
         "due_date": timezone.localdate() + timedelta(days=90), "inquiry": inquiry},
    )  # fmt: skip
    escalations.measure_move(measure, "agree", supervisor)
    escalations.measure_move(measure, "start", supervisor)

    meeting(analyst)
    return {"number": public.number, "secret": secret}


def meeting(analyst: User) -> None:
    """The next quarterly meeting, in two weeks, on the last quarter the demo data cover (the
    releases end in 2016): its agenda drafted and its packet built (HTML; the PDF is one click
    on the packet page), so the meeting page, its packet link and the packets list all open on
    a quarter with data rather than on the empty current one."""
    from transferwatch.meetings import services as meetings
    from transferwatch.reports import packet as packet_content
    from transferwatch.reports import services as packets
    from transferwatch.reports.quarters import Quarter

    last = TransferRequest.objects.order_by("-request_date").values_list("request_date", flat=True)
    if not last:
        return
    quarter = Quarter.of(last[0])
    m = meetings.create_meeting(
        analyst,
        {
            "quarter": quarter.label,
            "date": timezone.localdate() + timedelta(days=14),
            "format": "video",
            "place": "Video conference (invented)",
        },
    )
    meetings.draft_agenda(m, analyst)
    built = packets.mark_running(packets.queue(analyst, quarter))
    packets.finish(built, packet_content.build(quarter, pdf=False))
