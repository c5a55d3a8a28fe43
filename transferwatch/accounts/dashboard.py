"""The work lists on each role's home page (issue 6 item 6): what is waiting for this user.

Each list belongs to a group (issue 14, part 4): what is assigned to the user, what waits for the
user's decision, and what the user keeps an eye on. The home page shows the first few items of
each; `/work/<key>/` shows a whole list, a page at a time.

Each list is built from the records' own `visible_to(user)`, so a list can never show what the
user may not open. Items carry record numbers and agency names, never personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from transferwatch.cases.models import Allegation, Inquiry
from transferwatch.discretion.models import PDRequest
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.lib.counting import Count, count
from transferwatch.transfers.models import TransferRequest

SHOWN = 5
BY_NUMBER = {"allegation_detail", "inquiry_detail"}  # these pages are addressed by number


GROUPS = [
    ("assigned", "Assigned to you"),
    ("decide", "Waiting for your decision"),
    ("watch", "To keep an eye on"),
]


@dataclass
class WorkList:
    key: str
    title: str
    hint: str
    url: str
    qs: QuerySet[Any]
    detail: str
    due: str = ""
    group: str = "decide"

    @cached_property
    def figure(self) -> Count:
        return count(self.qs)

    @property
    def count(self) -> int:
        return self.figure.value

    @cached_property
    def items(self) -> list[dict[str, Any]]:
        return items_of(self.qs[:SHOWN], self.detail, self.due)

    @property
    def full_url(self) -> str:
        return reverse("work_list", args=[self.key])


def items_of(records: Any, detail: str, due: str = "") -> list[dict[str, Any]]:
    out = []
    for obj in records:
        agency = getattr(obj, "agency", None)
        status = getattr(obj, "get_status_display", None) or obj.get_review_status_display
        out.append(
            {
                "label": getattr(obj, "number", "")
                or f"{obj._meta.verbose_name.capitalize()} #{obj.pk}",
                "url": reverse(detail, args=[obj.number if detail in BY_NUMBER else obj.pk]),
                "status": status(),
                "agency": agency.name if agency is not None else "",
                "due": getattr(obj, due, None) if due else None,
            }
        )
    return out


def _list(
    key: str,
    title: str,
    hint: str,
    qs: QuerySet[Any],
    list_url: str,
    detail: str,
    due: str = "",
    group: str = "decide",
) -> WorkList:
    return WorkList(key, title, hint, list_url, qs, detail, due, group)


def grouped(lists: list[WorkList]) -> list[tuple[str, str, list[WorkList]]]:
    """The lists under their group headings, groups without lists left out."""
    return [
        (code, label, [w for w in lists if w.group == code])
        for code, label in GROUPS
        if any(w.group == code for w in lists)
    ]


def work_lists(user: Any) -> list[WorkList]:
    """The lists for this user's role, in the order they matter to it."""
    role = user.role.code if user.role is not None else ""
    now = timezone.now()
    today = timezone.localdate()
    allegations = Allegation.objects.visible_to(user).select_related("agency")
    inquiries = Inquiry.objects.visible_to(user).select_related("agency")
    pd = PDRequest.objects.visible_to(user).select_related("inquiry__agency")
    letters = Escalation.objects.visible_to(user).select_related("agency")
    measures = RemedialMeasure.objects.visible_to(user).select_related("agency")
    transfers = TransferRequest.objects.visible_to(user).select_related("agency")
    a_url, i_url, p_url = reverse("allegation_list"), reverse("inquiry_list"), reverse("pd_list")
    e_url, m_url = reverse("escalation_list"), reverse("measure_list")
    lists: list[WorkList] = []
    add = lists.append
    if role in ("crcl_investigator", "crcl_supervisor", "crcl_analyst"):
        waiting = allegations.filter(status="received").order_by("due_at")
        if role == "crcl_analyst":
            add(_list(
                "monitoring_allegations", "Monitoring allegations to triage",
                "Agencies that newly reached significant concern in a monitoring run.",
                waiting.filter(source="crcl_monitoring"), a_url + "?status=received",
                "allegation_detail", "due_at",
            ))  # fmt: skip
        add(_list(
            "allegations_to_triage", "Allegations awaiting triage",
            "Received and not yet triaged, oldest deadline first.",
            waiting, a_url + "?status=received", "allegation_detail", "due_at",
        ))  # fmt: skip
        add(_list(
            "allegations_overdue", "Allegations overdue for triage",
            "Past their triage deadline.", allegations.filter(status="received", due_at__lt=now),
            a_url + "?overdue=on", "allegation_detail", "due_at", group="watch",
        ))  # fmt: skip
    if role in ("crcl_investigator", "crcl_supervisor"):
        mine = inquiries.filter(investigator=user).exclude(status="closed").order_by("step_due")
        add(_list(
            "my_inquiries", "My inquiries", "Open inquiries assigned to you.",
            mine, i_url + "?mine=on", "inquiry_detail", "step_due", group="assigned",
        ))  # fmt: skip
        add(_list(
            "my_overdue", "My overdue steps", "Inquiry steps past their deadline.",
            mine.filter(step_due__lt=today), i_url + "?overdue=on", "inquiry_detail", "step_due",
            group="assigned",
        ))  # fmt: skip
        add(_list(
            "my_pd_drafts", "My PD requests not yet sent", "Drafts you started.",
            pd.filter(status="draft", created_by=user), p_url + "?status=draft", "pd_detail",
            group="assigned",
        ))  # fmt: skip
        add(_list(
            "my_pd_open", "My PD requests with ICE", "Sent by you, not yet finally determined.",
            pd.awaiting_ice().filter(created_by=user).order_by("due_at"), p_url + "?awaiting=on",
            "pd_detail", "due_at", group="assigned",
        ))  # fmt: skip
        add(_list(
            "my_letters", "My letters not yet sent", "Notifications and referrals you drafted.",
            letters.filter(status__in=("draft", "approved"), created_by=user),
            e_url + "?status=draft", "escalation_detail", group="assigned",
        ))  # fmt: skip
        add(_list(
            "my_measures", "My remedial measures", "Measures you recorded, not yet closed.",
            measures.filter(created_by=user).exclude(status="closed"), m_url,
            "measure_detail", "due_date", group="assigned",
        ))  # fmt: skip
    if role == "crcl_supervisor":
        add(_list(
            "approvals", "Letters waiting for your approval",
            "Notifications and referrals drafted by others (you may not approve your own).",
            letters.filter(status="draft").exclude(created_by=user), e_url + "?status=draft",
            "escalation_detail",
        ))  # fmt: skip
        add(_list(
            "inquiries_to_close", "Inquiries ready to close",
            "The component has answered every recommendation.",
            inquiries.filter(status="response_received"), i_url + "?status=response_received",
            "inquiry_detail",
        ))  # fmt: skip
        add(_list(
            "overdue_inquiries", "Overdue inquiry steps", "Across all investigators.",
            inquiries.exclude(status="closed").filter(step_due__lt=today).order_by("step_due"),
            i_url + "?overdue=on", "inquiry_detail", "step_due", group="watch",
        ))  # fmt: skip
    if role in ("crcl_investigator", "crcl_supervisor"):
        add(_list(
            "pd_awaiting_ice", "PD requests awaiting ICE",
            "Submitted and not yet finally determined.", pd.awaiting_ice().order_by("due_at"),
            p_url + "?awaiting=on", "pd_detail", "due_at", group="watch",
        ))  # fmt: skip
        add(_list(
            "measures_overdue", "Remedial measures past due",
            "Agreed or in progress past their due date, or lapsed.",
            measures.filter(
                Q(status="lapsed") | Q(status__in=("agreed", "in_progress"), due_date__lt=today)
            ),
            m_url + "?overdue=on", "measure_detail", "due_date", group="watch",
        ))  # fmt: skip
    if role == "ice_field_reviewer":
        add(_list(
            "transfers_to_review", "Transfer requests waiting for your review",
            "Out of line with the priorities, in your areas; overdue first.",
            transfers.filter(review_status="in_review").order_by("review_due", "request_date", "pk"),
            reverse("review_queue"), "transfer_detail", "review_due",
        ))  # fmt: skip
        add(_list(
            "pd_to_decide", "PD requests of your areas waiting for a decision",
            "Submitted by CRCL or in your field review.",
            pd.filter(status__in=("submitted", "field_review")).order_by("due_at"),
            p_url + "?awaiting=on", "pd_detail", "due_at",
        ))  # fmt: skip
        add(_list(
            "pd_to_finalize", "Field decisions to finalize",
            "Decided in the field, no HQ review requested.",
            pd.filter(status="field_decided", hq_review_requested=False),
            p_url + "?status=field_decided", "pd_detail",
        ))  # fmt: skip
    if role == "ice_hq_reviewer":
        add(_list(
            "pd_hq_review", "PD requests in HQ review", "Waiting for the HQ decision.",
            pd.filter(status="hq_review"), p_url + "?status=hq_review", "pd_detail",
        ))  # fmt: skip
        add(_list(
            "pd_hq_requested", "Field decisions CRCL asked HQ to review",
            "Take them up for HQ review.",
            pd.filter(status="field_decided", hq_review_requested=True),
            p_url + "?status=field_decided", "pd_detail",
        ))  # fmt: skip
        add(_list(
            "pd_final_hq", "HQ decisions to finalize", "Record the final determination.",
            pd.filter(status="hq_decided"), p_url + "?status=hq_decided", "pd_detail",
        ))  # fmt: skip
    if role in ("ice_field_reviewer", "ice_hq_reviewer"):
        add(_list(
            "reported", "Allegations you reported", "Reports of improper LEA conduct you sent.",
            allegations.filter(submitted_by=user), a_url, "allegation_detail", group="assigned",
        ))  # fmt: skip
    if role == "opla_attorney":
        add(_list(
            "transfers_to_advise", "Transfer requests waiting for OPLA's advice",
            "Referred to OPLA by a field reviewer.",
            transfers.filter(review_status="opla_review").order_by("review_due", "pk"),
            reverse("review_queue"), "transfer_detail", "review_due",
        ))  # fmt: skip
        add(_list(
            "pd_open", "PD requests under ICE review", "For legal review.",
            pd.awaiting_ice(), p_url + "?awaiting=on", "pd_detail", group="watch",
        ))  # fmt: skip
    if role == "dhs_leadership":
        add(_list(
            "notifications", "Notifications from CRCL",
            "Significant concerns about agencies, with the record of why.",
            letters.exclude(status="closed"), e_url, "escalation_detail", group="watch",
        ))  # fmt: skip
    return lists
