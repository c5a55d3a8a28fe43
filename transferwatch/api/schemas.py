"""What the API takes and gives: transfer requests with their facts and their classification.

Every bound the code enforces is stated here, so that it is in the OpenAPI schema: callers (and
schema fuzzers) learn the limits from the schema, and a value out of bounds is a 422 naming the
field, never a database error.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from ninja import Path, Schema
from pydantic import Field

from transferwatch.policy.model import CATEGORIES, SEVERITIES
from transferwatch.transfers.models import TransferRequest

MAX_LIMIT = 1000
# Far beyond any list we hold, far below the 64-bit integers SQLite and PostgreSQL take.
MAX_OFFSET = 1_000_000_000
MAX_ID = 2**63 - 1  # a database id (bigint)
# No NUL characters: PostgreSQL cannot store them in text.
NO_NUL = r"^[^\x00]*$"

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A record number in a path, e.g. CRCL-A-2026-000042.
Number = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,24}$", description="the record number")]
Severity = Literal[tuple(sorted(SEVERITIES))]  # type: ignore[valid-type]
Category = Literal[tuple(sorted(CATEGORIES))]  # type: ignore[valid-type]
ProbableCause = Literal[tuple(code for code, _ in TransferRequest.PROBABLE_CAUSE)]  # type: ignore[valid-type]
RequestType = Literal[tuple(code for code, _ in TransferRequest.TYPES)]  # type: ignore[valid-type]
ReviewStatus = Literal[tuple(code for code, _ in TransferRequest.REVIEW_STATUSES)]  # type: ignore[valid-type]


def text(default: Any = "", *, max_length: int, **kwargs: Any) -> Any:
    """A text field of at most `max_length` characters, without NUL."""
    return Field(default, max_length=max_length, pattern=NO_NUL, **kwargs)


class Error(Schema):
    detail: str


class FieldError(Schema):
    detail: str
    field: str


class Page(Schema):
    """Paging of a list: newest first, `limit` items from `offset`."""

    limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"items per page, 1 to {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")


class ConvictionIn(Schema):
    date: date
    incident: str = text(max_length=40)
    severity: Severity
    categories: list[Category] = Field(default_factory=list, max_length=len(CATEGORIES))
    sentence_days: int = Field(0, ge=0, le=1_000_000)
    suspended: bool = False


class ChargeIn(Schema):
    date: date
    severity: Severity
    categories: list[Category] = Field(default_factory=list, max_length=len(CATEGORIES))


class FactsIn(Schema):
    """The person's immigration facts (CONTRACTS.md section 1 names)."""

    birth_date: date | None = None
    national_security: bool = False
    border_apprehension: bool = False
    gang_participation: bool = False
    unlawful_entry: bool = False
    continuous_presence_since: date | None = None
    visa_abuse: bool = False
    final_order_date: date | None = None


class TransferIn(Schema):
    request_type: RequestType
    request_date: date
    aor: str = text(..., max_length=8, description="ICE area code, e.g. PHI")
    agency_ori: str | None = text(None, max_length=9, description="ORI of the agency")
    external_id: str = text(max_length=64, description="the calling system's id, unique per system")
    probable_cause: list[ProbableCause] = Field(
        default_factory=list, max_length=len(TransferRequest.PROBABLE_CAUSE)
    )
    subject_key: str = text(max_length=64, description="pseudonymous subject id (never a name)")
    facts: FactsIn = FactsIn()
    convictions: list[ConvictionIn] = Field(default_factory=list, max_length=200)
    pending_charges: list[ChargeIn] = Field(default_factory=list, max_length=200)


class ClassificationOut(Schema):
    policy: str
    tier: int | None
    priorities: list[str]
    pep_transfer_eligible: bool
    pep_basis: list[str]
    allowed_requests: list[str]
    reasons: list[dict[str, Any]]


class TransferOut(Schema):
    id: int
    request_type: str
    request_date: date
    aor: str
    agency_ori: str | None
    review_status: str
    review_due: date | None
    inconsistencies: list[str]
    decision: str
    classification: ClassificationOut | None
