"""The crosswalk facility -> operating agency (ORI), and what it leaves out of monitoring.

ICE's detainer records name the jail, not the arresting agency. A detainer import suggests an
agency for each facility by name (`imports.facility_names.match_agency`); an analyst confirms or
changes it on the Facilities page, or a crosswalk file sets it (`transferwatch import
facilities`). Every change goes through `set_facility_agency`, which moves the facility's
transfer requests with it: a request's `agency` is stored per request (imported requests take
their facility's agency), and monitoring counts requests by that field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from transferwatch.agencies.models import Agency, Facility
from transferwatch.audit.services import record


class CrosswalkRefused(Exception):
    """The link cannot be made; `code` for tests and callers, the message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


FEDERAL_REASON = (
    "{name} is a federal prison: federal prisons are run by the Bureau of Prisons and are "
    "never linked to a local agency."
)


def refusal(facility: Facility, agency: Agency | None) -> CrosswalkRefused | None:
    """Why `agency` cannot run `facility`, or None."""
    if agency is not None and facility.kind == "federal":
        return CrosswalkRefused("federal", FEDERAL_REASON.format(name=facility.name))
    return None


def set_facility_agency(
    facility: Facility, agency: Agency | None, *, actor: Any, source: str = "confirmed"
) -> int:
    """Link `facility` to `agency` (None clears the link); returns the requests moved.

    `source` is "confirmed" (an analyst on the page) or "crosswalk" (a file). The facility's
    transfer requests that carried its previous agency, or none, take the new one; requests
    given another agency by hand or through the API keep theirs. Confirming the current agency
    also gives it to the facility's requests still without one (imported before the link).
    One audit event records the facility's ORIs from and to and the number of requests moved.
    Raises CrosswalkRefused for a federal prison.
    """
    from transferwatch.transfers.models import TransferRequest

    if source not in ("confirmed", "crosswalk"):
        raise ValueError(f"{source!r}: an agency is set as 'confirmed' or 'crosswalk'")
    with transaction.atomic():
        locked = (
            Facility.objects.select_for_update(of=("self",))
            .select_related("agency")
            .get(pk=facility.pk)
        )
        refused = refusal(locked, agency)
        if refused is not None:
            raise refused
        before, before_source = locked.agency, locked.agency_source
        requests = TransferRequest.objects.filter(facility=locked)
        if agency is None:
            moving = requests.filter(agency=before) if before is not None else requests.none()
        else:
            moving = requests.filter(Q(agency__isnull=True) | Q(agency=before)).exclude(
                agency=agency
            )
        moved = moving.update(agency=agency)
        locked.agency = agency
        locked.agency_source = source
        locked.agency_confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.agency_confirmed_at = timezone.now()
        locked.save(
            update_fields=[
                "agency",
                "agency_source",
                "agency_confirmed_by",
                "agency_confirmed_at",
            ]
        )
        if agency is None:
            action = "agencies.facility.agency_cleared"
        elif before is not None and before.pk == agency.pk:
            action = "agencies.facility.agency_confirmed"
        else:
            action = "agencies.facility.agency_changed"
        record(
            action,
            locked,
            actor=actor,
            changes={
                "agency": {
                    "from": before.ori if before else None,
                    "to": agency.ori if agency else None,
                },
                "agency_source": {"from": before_source, "to": source},
                "requests_moved": moved,
            },
        )
    facility.agency = agency
    facility.agency_source = locked.agency_source
    facility.agency_confirmed_by = locked.agency_confirmed_by
    facility.agency_confirmed_at = locked.agency_confirmed_at
    return moved


@dataclass(frozen=True)
class Coverage:
    """Facilities and transfer requests the crosswalk leaves out of monitoring."""

    unmatched_facilities: int  # not federal, no agency
    unmatched_requests: int  # requests without an agency at those facilities
    suggested_facilities: int  # linked by name matching, awaiting an analyst
    suggested_requests: int
    federal_facilities: int
    federal_requests: int  # without an agency at federal prisons (never linked)
    stale_requests: int  # without an agency at a facility that has one (imported before)
    no_facility_requests: int  # without an agency and naming no facility
    requests_without_agency: int  # all of the above requests together


def coverage(requests: Any) -> Coverage:
    """The counts at the top of the Facilities page, over the transfer requests given."""
    facilities = Facility.objects.aggregate(
        unmatched=Count("pk", filter=Q(agency__isnull=True) & ~Q(kind="federal")),
        suggested=Count("pk", filter=Q(agency__isnull=False, agency_source="suggested")),
        federal=Count("pk", filter=Q(kind="federal")),
    )
    # Two reads, each through an index, not one pass over every request: those without an
    # agency (most counts), and those at a facility whose agency is only suggested.
    without_agency = requests.filter(agency__isnull=True)
    at_unmatched = Q(facility__isnull=False, facility__agency__isnull=True) & ~Q(
        facility__kind="federal"
    )
    counts = without_agency.aggregate(
        unmatched=Count("pk", filter=at_unmatched),
        federal=Count("pk", filter=Q(facility__kind="federal")),
        stale=Count("pk", filter=Q(facility__agency__isnull=False)),
        no_facility=Count("pk", filter=Q(facility__isnull=True)),
        without=Count("pk"),
    )
    counts["suggested"] = requests.filter(
        facility__in=Facility.objects.filter(agency__isnull=False, agency_source="suggested")
    ).count()
    return Coverage(
        unmatched_facilities=facilities["unmatched"],
        unmatched_requests=counts["unmatched"],
        suggested_facilities=facilities["suggested"],
        suggested_requests=counts["suggested"],
        federal_facilities=facilities["federal"],
        federal_requests=counts["federal"],
        stale_requests=counts["stale"],
        no_facility_requests=counts["no_facility"],
        requests_without_agency=counts["without"],
    )
