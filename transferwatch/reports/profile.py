"""The agency profile report: everything about one agency over time, for a referral file or a
meeting, as HTML and PDF from one template (the packet's stylesheet and PDF settings).

Indicators across monitoring runs (with charts), transfer requests by quarter, allegations,
inquiries, PD requests, notices and referrals, remedial measures. Agency-level facts and counts
only: record numbers, statuses and dates, never a person and never free text (narratives,
findings, letters, measure descriptions), which may name people.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import altair as alt
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import TruncQuarter
from django.template.loader import render_to_string
from django.utils import timezone

from transferwatch.agencies.models import Agency
from transferwatch.cases.models import ALLEGATION_TYPES, Allegation, Inquiry
from transferwatch.discretion.models import PDRequest
from transferwatch.discretion.services import stats as pd_stats
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.reports.packet import PEP_POLICY, STATIC, share
from transferwatch.transfers.models import Classification, TransferRequest


def _label(day: Any) -> str:
    day = day.date() if hasattr(day, "date") else day
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def transfers_by_quarter(agency: Agency) -> list[dict[str, Any]]:
    """The agency's requests per quarter: by type, classified, inconsistent, transferred."""
    latest = Classification.objects.filter(transfer_request=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    rows = (
        TransferRequest.objects.filter(agency=agency)
        .annotate(q=TruncQuarter("request_date"), policy=Subquery(latest.values("policy")[:1]))
        .values("q", "request_type")
        .annotate(
            n=Count("pk"),
            pep=Count("pk", filter=Q(policy=PEP_POLICY)),
            bad=Count("pk", filter=Q(policy=PEP_POLICY) & ~Q(inconsistencies=[])),
            transferred=Count("pk", filter=Q(outcome="transferred")),
        )
        .order_by("q")
    )
    quarters: dict[str, dict[str, Any]] = {}
    for row in rows:
        label = _label(row["q"])
        entry = quarters.setdefault(
            label,
            {"quarter": label, "n": 0, "pep": 0, "bad": 0, "transferred": 0, **dict.fromkeys(
                (code for code, _ in TransferRequest.TYPES), 0
            )},
        )  # fmt: skip
        for key in ("n", "pep", "bad", "transferred"):
            entry[key] += row[key]
        entry[row["request_type"]] += row["n"]
    for entry in quarters.values():
        entry["share"] = share(entry["bad"], entry["pep"])
    return list(quarters.values())


def _quarter_chart(rows: list[dict[str, Any]]) -> str:
    if len(rows) < 2:
        return ""
    from transferwatch.monitoring.charts import to_svg

    chart = (
        alt.Chart(alt.Data(values=[{"quarter": r["quarter"], "requests": r["n"]} for r in rows]))
        .mark_bar(color="#005ea2")
        .encode(
            x=alt.X("quarter:O", title="Quarter of the request"),
            y=alt.Y("requests:Q", title="Transfer requests"),
        )
        .properties(width=max(240, 36 * len(rows)), height=180)
    )
    return to_svg(chart)


def allegations(agency: Agency) -> dict[str, Any]:
    """Allegations about the agency (merged duplicates not counted again)."""
    about = Allegation.objects.filter(agency=agency).exclude(status="merged")
    by_quarter = [
        {"quarter": _label(row["q"]), "n": row["n"]}
        for row in about.annotate(q=TruncQuarter("received_at"))
        .values("q")
        .annotate(n=Count("pk"))
        .order_by("q")
    ]
    types: Counter[str] = Counter()
    for listed in about.values_list("types", flat=True):
        types.update(set(listed or []))
    statuses = dict(about.values_list("status").annotate(n=Count("pk")).order_by())
    return {
        "total": sum(r["n"] for r in by_quarter),
        "by_quarter": by_quarter,
        "by_type": [{"label": label, "n": types[code]} for code, label in ALLEGATION_TYPES],
        "by_status": [
            {"label": label, "n": statuses[code]}
            for code, label in Allegation.STATUSES
            if statuses.get(code)
        ],
    }


def inquiries(agency: Agency) -> list[dict[str, Any]]:
    rows = (
        Inquiry.objects.filter(agency=agency)
        .annotate(
            recommendations_n=Count("recommendations"),
            concur=Count("recommendations", filter=Q(recommendations__response="concur")),
            partial=Count("recommendations", filter=Q(recommendations__response="partial")),
            non_concur=Count("recommendations", filter=Q(recommendations__response="non_concur")),
        )
        .order_by("opened_at", "pk")
    )
    return [
        {
            "number": i.number,
            "status": i.get_status_display(),
            "opened": timezone.localdate(i.opened_at),
            "closed": timezone.localdate(i.closed_at) if i.closed_at else None,
            "recommendations": i.recommendations_n,
            "concur": i.concur,
            "partial": i.partial,
            "non_concur": i.non_concur,
        }
        for i in rows
    ]


def pd_requests(agency: Agency) -> dict[str, Any]:
    """PD requests from inquiries into the agency or about transfers from its custody."""
    mine = PDRequest.objects.filter(Q(inquiry__agency=agency) | Q(transfer__agency=agency))
    found = pd_stats(mine.distinct())
    return {
        "total": found.total,
        "by_status": [
            {"label": label, "n": found.by_status[code]}
            for code, label in PDRequest.STATUSES
            if found.by_status.get(code)
        ],
        "finals": found.finals,
        "median_days": found.median_days,
        "awaiting_ice": found.awaiting_ice,
    }


def escalations(agency: Agency) -> list[dict[str, Any]]:
    return [
        {
            "number": e.number,
            "kind": e.get_kind_display(),
            "status": e.get_status_display(),
            "created": timezone.localdate(e.created_at),
            "sent": timezone.localdate(e.sent_at) if e.sent_at else None,
            "answered": timezone.localdate(e.answered_at) if e.answered_at else None,
        }
        for e in Escalation.objects.filter(agency=agency).order_by("created_at", "pk")
    ]


def measures(agency: Agency) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "kind": m.get_kind_display(),
            "status": m.get_status_display(),
            "opened": timezone.localdate(m.created_at),
            "due": m.due_date,
            "closed": timezone.localdate(m.closed_at) if m.closed_at else None,
            "overdue": m.status in ("agreed", "in_progress") and m.due_date < today,
        }
        for m in RemedialMeasure.objects.filter(agency=agency).order_by("due_date", "pk")
    ]


def gather(agency: Agency) -> dict[str, Any]:
    from transferwatch.monitoring.services import agency_section

    quarters = transfers_by_quarter(agency)
    return {
        "agency": agency,
        "built_at": timezone.localtime(),
        "monitoring": agency_section(agency),
        "quarters": quarters,
        "quarters_svg": _quarter_chart(quarters),
        "transfers_total": sum(r["n"] for r in quarters),
        "allegations": allegations(agency),
        "inquiries": inquiries(agency),
        "pd": pd_requests(agency),
        "escalations": escalations(agency),
        "measures": measures(agency),
    }


def render_html(agency: Agency) -> str:
    css = (STATIC / "print.css").read_text(encoding="utf-8")
    return render_to_string("reports/profile.html", {**gather(agency), "print_css": css})
