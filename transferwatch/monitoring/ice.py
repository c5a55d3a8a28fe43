"""ICE's transfer requests as the monitoring engine reads them: one GROUP BY in the database.

Requests are counted by agency x before/after the agency's activation date x criminality x
minor MSC x the latest classification's PEP transfer eligibility (under the 2014 priorities),
and handed to the engine as plain arrays (`analytics.ice.IceCounts`); no request is loaded as
an object. Requests whose facility is not matched to an agency are not counted.
"""

from __future__ import annotations

from datetime import date

from django.db.models import (  # fmt: skip
    BooleanField,
    Case,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)

from transferwatch.analytics.ice import PEP_POLICY, IceCounts
from transferwatch.transfers.models import Classification, TransferRequest


def ice_counts(first: date | None, last: date | None) -> IceCounts:
    """The transfer requests of the period (inclusive; None: unbounded), counted for the engine.

    Parameters
    ----------
    first, last : the run's first and last day.

    Returns
    -------
    IceCounts
        One row per agency x post x criminality x minor x eligibility, with the first and last
        request date counted (None when there are none).
    """
    qs = TransferRequest.objects.filter(agency__isnull=False).order_by()
    if first is not None:
        qs = qs.filter(request_date__gte=first)
    if last is not None:
        qs = qs.filter(request_date__lte=last)
    latest = Classification.objects.filter(transfer_request=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    rows = (
        qs.annotate(
            post=Case(
                When(
                    Q(agency__activation_date__isnull=False)
                    & Q(request_date__gte=F("agency__activation_date")),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
            policy=Subquery(latest.values("policy")[:1]),
            eligible=Subquery(latest.values("pep_transfer_eligible")[:1]),
        )
        .values("agency__ori", "post", "criminality", "minor_charge", "policy", "eligible")
        .annotate(n=Count("pk"))
    )
    out = []
    for r in rows:
        minor = -1 if r["minor_charge"] is None else int(r["minor_charge"])
        eligible = int(bool(r["eligible"])) if r["policy"] == PEP_POLICY else -1
        out.append((r["agency__ori"], bool(r["post"]), r["criminality"] or "", minor, eligible, r["n"]))  # fmt: skip
    span = qs.aggregate(first=Min("request_date"), last=Max("request_date"))
    return IceCounts.from_rows(out, span["first"], span["last"])


def ice_fingerprint() -> dict[str, int]:
    """What of the transfer requests a run sees, for the run's fingerprint."""
    seen = TransferRequest.objects.order_by().aggregate(n=Count("pk"), last=Max("pk"))
    classified = Classification.objects.order_by().aggregate(last=Max("pk"))
    return {
        "transfer_requests": seen["n"] or 0,
        "transfer_requests_last_id": seen["last"] or 0,
        "classifications_last_id": classified["last"] or 0,
    }
