"""The quarterly CRCL/ICE meeting packet: the figures of one quarter, as HTML and as PDF.

`build(quarter)` gathers every section (`gather`), renders one template (`render_html`) and, for
the PDF, has WeasyPrint lay out that same HTML (`to_pdf`): a tagged PDF (PDF/UA-1) with page
numbers and a table of contents whose page numbers come from CSS `target-counter`.

Only aggregates and agency-level facts: counts, shares, days, agency names and ORIs, record
numbers of notices and referrals, and the monitoring engine's indicator figures. Never a person
(name, A-number, date of birth), and never free text typed by staff or the public (narratives,
reasons, letters, measure descriptions), since such text may name people. See docs/reports.md.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.utils import timezone

from transferwatch.cases.models import ALLEGATION_TYPES, SOURCES, Allegation
from transferwatch.discretion.models import DECISIONS as PD_DECISIONS
from transferwatch.discretion.models import PDRequest
from transferwatch.discretion.services import stats as pd_stats
from transferwatch.escalations.models import KINDS as ESCALATION_KINDS
from transferwatch.escalations.models import Escalation, RemedialMeasure
from transferwatch.lib.pdf import to_pdf as html_to_pdf
from transferwatch.reports.packet_monitoring import monitoring
from transferwatch.reports.quarters import Quarter
from transferwatch.transfers.models import Classification, ReviewStep, TransferRequest

Progress = Callable[[int, str], None] | None
PEP_POLICY = "pep-2014"  # the same definition of "inconsistent" as the public report
STATIC = Path(__file__).parent / "static" / "reports"
TOP_AGENCIES = 15  # allegations by agency: the busiest agencies, the rest summed


def _in(q: Quarter, field: str) -> dict[str, date]:
    """Filter arguments for a date (or the date of a datetime, `field__date`) in the quarter."""
    return {f"{field}__gte": q.start, f"{field}__lt": q.end}


def share(part: int | None, whole: int | None) -> float | None:
    return part / whole if part is not None and whole else None


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


# Bookings (the warehouse) ------------------------------------------------------------------


def bookings(q: Quarter) -> dict[str, int] | None:
    """Bookings, ICE matches and requests recorded by agencies in the quarter; None when the
    warehouse holds no bookings for it (the Parquet store reads only the quarter's partition)."""
    from transferwatch.imports.warehouse import store

    return store().quarter_totals(q.label, q.start, q.end)


# Transfer requests ---------------------------------------------------------------------------

TIER_ORDER = ["1", "2", "3", "none", "other_policy", "not_classified"]
TIER_LABELS = {
    "1": "Priority 1",
    "2": "Priority 2",
    "3": "Priority 3",
    "none": "Not a priority",
    "other_policy": "Classified under another policy",
    "not_classified": "Not classified",
}


def _tier_key(policy: str | None, tier: int | None) -> str:
    if policy is None:
        return "not_classified"
    if policy != PEP_POLICY:
        return "other_policy"
    return str(tier) if tier else "none"


def transfers(q: Quarter) -> dict[str, Any]:
    """Requests of the quarter (by request date) by type, AOR, tier and outcome.

    A request's tier is that of its latest classification. It is inconsistent with the 2014
    priorities when that classification is under the 2014 policy and found a reason; the share
    is inconsistent / classified under the 2014 policy (as in the public report).
    """
    latest = Classification.objects.filter(transfer_request=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    rows = (
        TransferRequest.objects.filter(**_in(q, "request_date"))
        .annotate(
            policy=Subquery(latest.values("policy")[:1]),
            tier=Subquery(latest.values("tier")[:1]),
        )
        .values("request_type", "aor__code", "aor__name", "policy", "tier", "outcome")
        .annotate(
            n=Count("pk"),
            inconsistent=Count("pk", filter=Q(policy=PEP_POLICY) & ~Q(inconsistencies=[])),
        )
        .order_by()
    )
    by_type: Counter[str] = Counter()
    by_tier: Counter[str] = Counter()
    by_tier_inconsistent: Counter[str] = Counter()
    by_outcome: Counter[str] = Counter()
    aors: dict[str, dict[str, Any]] = {}
    total = inconsistent = classified = 0
    for row in rows:
        n, bad = row["n"], row["inconsistent"]
        pep = n if row["policy"] == PEP_POLICY else 0
        total += n
        inconsistent += bad
        classified += pep
        by_type[row["request_type"]] += n
        key = _tier_key(row["policy"], row["tier"])
        by_tier[key] += n
        by_tier_inconsistent[key] += bad
        by_outcome[row["outcome"]] += n
        aor = aors.setdefault(
            row["aor__code"],
            {"code": row["aor__code"], "name": row["aor__name"], "n": 0, "pep": 0, "bad": 0},
        )
        aor["n"] += n
        aor["pep"] += pep
        aor["bad"] += bad
    for aor in aors.values():
        aor["share"] = share(aor["bad"], aor["pep"])
    return {
        "total": total,
        "classified": classified,
        "inconsistent": inconsistent,
        "share": share(inconsistent, classified),
        "by_type": [
            {"label": label, "n": by_type[code], "share": share(by_type[code], total)}
            for code, label in TransferRequest.TYPES
        ],
        "by_tier": [
            {
                "label": TIER_LABELS[key],
                "n": by_tier[key],
                "inconsistent": by_tier_inconsistent[key],
                "share": share(by_tier[key], total),
            }
            for key in TIER_ORDER
        ],
        "by_outcome": [
            {"label": label, "n": by_outcome[code]}
            for code, label in TransferRequest.OUTCOMES
            if by_outcome[code]
        ],
        "by_aor": sorted(aors.values(), key=lambda a: (-a["n"], a["code"])),
    }


def reviews(q: Quarter) -> dict[str, Any]:
    """The review of the quarter's requests sent for review (those with a `queued` step).

    Days to decision: from the first `queued` step to the first step into `decided`. On time:
    decided on or before `review_due`. Open past due: not decided and due before today.
    """
    requests = TransferRequest.objects.filter(**_in(q, "request_date"))
    queued: dict[int, Any] = {}
    decided: dict[int, Any] = {}
    steps = (
        ReviewStep.objects.filter(transfer_request__in=requests)
        .filter(Q(action="queued") | Q(to_status="decided"))
        .values_list("transfer_request_id", "action", "at")
        .order_by("at", "pk")
    )
    for pk, action, at in steps:
        (queued if action == "queued" else decided).setdefault(pk, at)
    due = dict(
        requests.filter(pk__in=list(queued), review_due__isnull=False).values_list(
            "pk", "review_due"
        )
    )
    today = timezone.localdate()
    on_time = late = open_overdue = open_in_time = 0
    days: list[int] = []
    for pk, started in queued.items():
        ended = decided.get(pk)
        limit = due.get(pk)
        if ended is not None:
            days.append(max(0, (ended - started).days))
            if limit is None or timezone.localdate(ended) <= limit:
                on_time += 1
            else:
                late += 1
        elif limit is not None and limit < today:
            open_overdue += 1
        else:
            open_in_time += 1
    decisions = dict(
        requests.exclude(decision="").values_list("decision").annotate(n=Count("pk")).order_by()
    )
    statuses = dict(requests.values_list("review_status").annotate(n=Count("pk")).order_by())
    return {
        "sent": len(queued),
        "decided": on_time + late,
        "on_time": on_time,
        "late": late,
        "open_overdue": open_overdue,
        "open_in_time": open_in_time,
        "on_time_share": share(on_time, on_time + late),
        "median_days": _median(days),
        "mean_days": round(statistics.fmean(days), 1) if days else None,
        "decisions": [
            {"label": label, "n": decisions.get(code, 0)}
            for code, label in TransferRequest.DECISIONS
            if code
        ],
        "statuses": [
            {"label": label, "n": statuses.get(code, 0)}
            for code, label in TransferRequest.REVIEW_STATUSES
            if statuses.get(code)
        ],
    }


# Monitoring --------------------------------------------------------------------------------


# Casework ----------------------------------------------------------------------------------


def allegations(q: Quarter) -> dict[str, Any]:
    """Allegations received in the quarter (merged duplicates not counted again), by type (an
    allegation naming two types counts under each), source, status now and agency."""
    received = Allegation.objects.exclude(status="merged").filter(**_in(q, "received_at__date"))
    total = received.count()
    types: Counter[str] = Counter()
    for listed in received.values_list("types", flat=True):
        types.update(set(listed or []))
    sources = dict(received.values_list("source").annotate(n=Count("pk")).order_by())
    statuses = dict(received.values_list("status").annotate(n=Count("pk")).order_by())
    agencies = list(
        received.values("agency__ori", "agency__name", "agency__state")
        .annotate(n=Count("pk"))
        .order_by("-n", "agency__ori")
    )
    named = [a for a in agencies if a["agency__ori"]]
    unknown = sum(a["n"] for a in agencies if not a["agency__ori"])
    return {
        "total": total,
        "by_type": [
            {"label": label, "n": types[code], "share": share(types[code], total)}
            for code, label in ALLEGATION_TYPES
        ],
        "by_source": [
            {"label": label, "n": sources[code]} for code, label in SOURCES if sources.get(code)
        ],
        "by_status": [
            {"label": label, "n": statuses[code]}
            for code, label in Allegation.STATUSES
            if statuses.get(code)
        ],
        "by_agency": named[:TOP_AGENCIES],
        "other_agencies": {
            "agencies": len(named[TOP_AGENCIES:]),
            "n": sum(a["n"] for a in named[TOP_AGENCIES:]),
        },
        "no_agency": unknown,
    }


def pd_requests(q: Quarter) -> dict[str, Any]:
    """PD requests submitted to ICE in the quarter, and final determinations made in it with
    the days from submission to the final determination."""
    submitted = pd_stats(PDRequest.objects.filter(**_in(q, "submitted_at__date")))
    finals_qs = PDRequest.objects.filter(status="final", **_in(q, "final_at__date"))
    finals = pd_stats(finals_qs)
    decisions = dict(finals_qs.values_list("final_decision").annotate(n=Count("pk")).order_by())
    return {
        "submitted": submitted.total,
        "submitted_by_status": [
            {"label": label, "n": submitted.by_status[code]}
            for code, label in PDRequest.STATUSES
            if submitted.by_status.get(code)
        ],
        "finals": finals.finals,
        "mean_days": finals.mean_days,
        "median_days": finals.median_days,
        "decisions": [
            {"label": label, "n": decisions.get(code, 0)} for code, label in PD_DECISIONS if code
        ],
        "awaiting_ice_now": PDRequest.objects.awaiting_ice().count(),
    }


def escalations(q: Quarter) -> dict[str, Any]:
    """Notices and referrals sent in the quarter; remedial measures opened, closed and open."""
    sent = Escalation.objects.filter(**_in(q, "sent_at__date")).select_related("agency")
    kinds = Counter(e.kind for e in sent)
    measures = RemedialMeasure.objects.select_related("agency")
    opened = Counter(m.kind for m in measures.filter(**_in(q, "created_at__date")))
    closed = measures.filter(**_in(q, "closed_at__date")).count()
    ongoing = list(measures.exclude(status="closed").filter(created_at__date__lt=q.end))
    today = timezone.localdate()
    return {
        "sent": len(sent),
        "by_kind": [{"label": label, "n": kinds[code]} for code, label in ESCALATION_KINDS],
        "list": [
            {
                "number": e.number,
                "kind": e.get_kind_display(),
                "agency": e.agency,
                "status": e.get_status_display(),
                "sent": timezone.localdate(e.sent_at),
                "answered": timezone.localdate(e.answered_at) if e.answered_at else None,
            }
            for e in sorted(sent, key=lambda e: (e.sent_at, e.pk))
        ],
        "open_now": Escalation.objects.filter(status__in=("sent", "acknowledged")).count(),
        "measures_opened": sum(opened.values()),
        "measures_opened_by_kind": [
            {"label": label, "n": opened[code]} for code, label in RemedialMeasure.KINDS
        ],
        "measures_closed": closed,
        "measures_open": [
            {
                "agency": m.agency,
                "kind": m.get_kind_display(),
                "status": m.get_status_display(),
                "due": m.due_date,
                "overdue": m.status in ("agreed", "in_progress") and m.due_date < today,
            }
            for m in sorted(ongoing, key=lambda m: (m.due_date, m.pk))
        ],
    }


# The whole packet --------------------------------------------------------------------------

SUMMARY = [
    ("bookings", "Bookings reported by agencies", "int"),
    ("ice_matches", "Bookings matching an immigration record", "int"),
    ("requests", "Transfer requests", "int"),
    ("detainers", "of which detainers (I-247D)", "int"),
    ("classified", "Requests classified under the 2014 priorities", "int"),
    ("inconsistent", "Requests inconsistent with the priorities", "int"),
    ("inconsistent_share", "Share inconsistent with the priorities", "pct"),
    ("sent_for_review", "Requests sent for review", "int"),
    ("decided", "Reviews decided", "int"),
    ("review_median_days", "Median days to a review decision", "days"),
    ("significant", "Agencies at significant concern", "int"),
    ("watch", "Agencies to watch", "int"),
    ("allegations", "Allegations received", "int"),
    ("pd_submitted", "PD requests submitted to ICE", "int"),
    ("pd_finals", "PD final determinations", "int"),
    ("pd_median_days", "Median days to a PD final determination", "days"),
    ("escalations", "Notices and referrals sent", "int"),
    ("measures_opened", "Remedial measures opened", "int"),
]


def _summary_values(sections: dict[str, Any]) -> dict[str, Any]:
    booked = sections["bookings"]
    t, r, m = sections["transfers"], sections["reviews"], sections["monitoring"]
    pd, e = sections["pd"], sections["escalations"]
    return {
        "bookings": booked["bookings"] if booked else None,
        "ice_matches": booked["ice_matches"] if booked else None,
        "requests": t["total"],
        "detainers": next(x["n"] for x in t["by_type"] if x["label"].startswith("Detainer")),
        "classified": t["classified"],
        "inconsistent": t["inconsistent"],
        "inconsistent_share": t["share"],
        "sent_for_review": r["sent"],
        "decided": r["decided"],
        "review_median_days": r["median_days"],
        "significant": m["significant"] if m["run"] else None,
        "watch": m["watch"] if m["run"] else None,
        "allegations": sections["allegations"]["total"],
        "pd_submitted": pd["submitted"],
        "pd_finals": pd["finals"],
        "pd_median_days": pd["median_days"],
        "escalations": e["sent"],
        "measures_opened": e["measures_opened"],
    }


def _change(now: Any, before: Any, kind: str) -> str:
    if now is None or before is None:
        return "—"
    if kind == "pct":
        points = (now - before) * 100
        return f"{points:+.1f} points"
    diff = now - before
    text = f"{diff:+,.1f}" if kind == "days" else f"{diff:+,}"
    if kind == "int" and before:
        text += f" ({diff / before:+.0%})"
    return text


def gather(q: Quarter, progress: Progress = None, charts: bool = True) -> dict[str, Any]:
    """Every figure of the packet for quarter `q` and, for the summary, the quarter before."""

    def step(percent: int, what: str) -> None:
        if progress is not None:
            progress(percent, what)

    sections: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    plan: list[tuple[str, Callable[[Quarter], Any], str]] = [
        ("bookings", bookings, "bookings"),
        ("transfers", transfers, "transfer requests"),
        ("reviews", reviews, "reviews"),
        ("allegations", allegations, "allegations"),
        ("pd", pd_requests, "PD requests"),
        ("escalations", escalations, "referrals and remedial measures"),
    ]
    for k, (key, function, what) in enumerate(plan):
        step(5 + 6 * k, what)
        sections[key] = function(q)
        previous[key] = function(q.previous)
    step(40, "monitoring")
    sections["monitoring"] = monitoring(q, charts=charts)
    previous["monitoring"] = monitoring(q.previous, charts=False)
    now, before = _summary_values(sections), _summary_values(previous)
    summary = [
        {
            "key": key,
            "label": label,
            "kind": kind,
            "value": now[key],
            "previous": before[key],
            "change": _change(now[key], before[key], kind),
        }
        for key, label, kind in SUMMARY
    ]
    return {
        "quarter": q,
        "previous": q.previous,
        "built_at": timezone.localtime(),
        "summary": summary,
        "values": now,
        **sections,
    }


def render_html(figures: dict[str, Any], template: str = "reports/packet.html") -> str:
    """The packet as one complete HTML document with its print stylesheet inline."""
    css = (STATIC / "print.css").read_text(encoding="utf-8")
    return render_to_string(template, {**figures, "print_css": css})


def to_pdf(html: str) -> tuple[bytes, int]:
    """A tagged PDF (PDF/UA-1) of the HTML, and its number of pages."""
    return html_to_pdf(html, files_under=STATIC)


def summary_json(figures: dict[str, Any]) -> dict[str, Any]:
    """The summary as stored on the Packet record: plain numbers, JSON-safe."""
    return {
        row["key"]: {"value": row["value"], "previous": row["previous"]}
        for row in figures["summary"]
    }


@dataclass(frozen=True)
class Built:
    figures: dict[str, Any]
    html: str
    pdf: bytes | None
    pages: int | None


def build(q: Quarter, progress: Progress = None, pdf: bool = True) -> Built:
    """Gather, render and (when `pdf`) lay out the packet of quarter `q`."""
    figures = gather(q, progress)
    if progress is not None:
        progress(55, "rendering the HTML")
    html = render_html(figures)
    if not pdf:
        return Built(figures, html, None, None)
    if progress is not None:
        progress(60, "laying out the PDF")
    data, pages = to_pdf(html)
    return Built(figures, html, data, pages)
