"""The roles of DOMAIN.md section 5, each a Django group with exactly these permissions.

The member of the public is not a role here: public pages need no login.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    works_on: str
    permissions: tuple[str, ...]
    area_scoped: bool = False


VIEW_AGENCIES = ("agencies.view_agency",)
EDIT_AGENCIES = ("agencies.add_agency", "agencies.change_agency")
# The crosswalk of facilities to agencies (the Facilities page and its CSV upload).
EDIT_FACILITIES = ("agencies.view_facility", "agencies.change_facility")
VIEW_TRANSFERS = ("transfers.view_transferrequest",)
VIEW_PEOPLE = ("transfers.view_person", "transfers.reveal_person")
IMPORT_DATA = ("imports.view_import", "imports.add_import")
VIEW_MONITORING = ("monitoring.view_monitoringrun",)
RUN_MONITORING = (
    *VIEW_MONITORING,
    "monitoring.add_monitoringrun",
)
VIEW_CASES = (
    "cases.view_allegation",
    "cases.view_inquiry",
    "cases.open_attachment",
    "discretion.view_pdrequest",
    "escalations.view_escalation",
    "escalations.view_remedialmeasure",
)
WORK_CASES = (
    *VIEW_CASES,
    "cases.add_allegation",  # complaints received by mail, e-mail, fax or phone
    "cases.change_allegation",
    "cases.triage_allegation",
    "cases.add_inquiry",
    "cases.change_inquiry",
    "discretion.add_pdrequest",
    "discretion.change_pdrequest",
    "escalations.add_escalation",
    "escalations.change_escalation",
    "escalations.add_remedialmeasure",
    "escalations.change_remedialmeasure",
)
TRIAGE_CASES = (
    "cases.view_allegation",
    "cases.add_allegation",
    "cases.change_allegation",
    "cases.triage_allegation",
    "cases.open_attachment",
    "escalations.view_remedialmeasure",
)
SUPERVISE_CASES = (*WORK_CASES, "cases.close_inquiry", "escalations.approve_escalation")
REPORT_ALLEGATION = ("cases.report_allegation",)
VIEW_MEETINGS = ("meetings.view_meeting", "reports.view_packet")
WORK_MEETINGS = (
    *VIEW_MEETINGS,
    "meetings.add_meeting",
    "meetings.change_meeting",
    "meetings.change_actionitem",
)

ROLES: dict[str, Role] = {
    role.code: role
    for role in [
        Role(
            "crcl_analyst",
            "CRCL analyst",
            "monitoring runs, agency profiles, flags, quarterly packet, data imports",
            VIEW_AGENCIES
            + EDIT_AGENCIES
            + EDIT_FACILITIES
            + VIEW_TRANSFERS
            + IMPORT_DATA
            + RUN_MONITORING
            + TRIAGE_CASES
            + WORK_MEETINGS
            + ("reports.add_packet",),
        ),
        Role(
            "crcl_investigator",
            "CRCL investigator",
            "allegations, inquiries, evidence, findings, PD requests",
            VIEW_AGENCIES
            + VIEW_TRANSFERS
            + VIEW_PEOPLE
            + VIEW_MONITORING
            + WORK_CASES
            + WORK_MEETINGS,
        ),
        Role(
            "crcl_supervisor",
            "CRCL supervisor",
            "approvals, notifications to leadership, DOJ and state AG referrals",
            VIEW_AGENCIES
            + EDIT_AGENCIES
            + EDIT_FACILITIES
            + VIEW_TRANSFERS
            + VIEW_PEOPLE
            + IMPORT_DATA
            + RUN_MONITORING
            + SUPERVISE_CASES
            + WORK_MEETINGS
            + ("meetings.approve_minutes", "reports.add_packet")
            + ("notifications.view_message", "notifications.retry_message")
            # the operator page: the worker's queue, failed tasks, restarting interrupted work
            + ("operations.view_operations",),
        ),
        Role(
            "ice_field_reviewer",
            "ICE ERO field reviewer",
            "transfer-request review and PD decisions for your areas of responsibility",
            VIEW_AGENCIES
            + VIEW_TRANSFERS
            + VIEW_PEOPLE
            + ("transfers.review_transferrequest", "transfers.add_transferrequest")
            + REPORT_ALLEGATION
            + ("discretion.view_pdrequest", "discretion.decide_field_pdrequest"),
            area_scoped=True,
        ),
        Role(
            "ice_hq_reviewer",
            "ICE HQ reviewer",
            "HQ-level PD review and the national view of transfers",
            VIEW_AGENCIES
            + VIEW_TRANSFERS
            + VIEW_PEOPLE
            + VIEW_MONITORING
            + ("transfers.add_transferrequest",)
            + REPORT_ALLEGATION
            + ("discretion.view_pdrequest", "discretion.decide_hq_pdrequest")
            + VIEW_MEETINGS,
        ),
        Role(
            "opla_attorney",
            "OPLA attorney",
            "legal review of transfer requests and PD requests",
            VIEW_AGENCIES
            + VIEW_TRANSFERS
            + VIEW_PEOPLE
            + ("transfers.advise_transferrequest", "discretion.view_pdrequest"),
        ),
        Role(
            "dhs_leadership",
            "DHS leadership",
            "notifications and quarterly packets (read only)",
            VIEW_AGENCIES + VIEW_MONITORING + ("escalations.view_escalation",) + VIEW_MEETINGS,
        ),
        Role(
            "auditor",
            "Auditor",
            "the audit log and records of access to personal data (read only)",
            ("audit.view_event",),
        ),
    ]
}
