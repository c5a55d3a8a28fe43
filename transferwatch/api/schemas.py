"""What the API takes and gives: transfer requests with their facts and their classification."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Schema
from pydantic import Field


class Error(Schema):
    detail: str


class FieldError(Schema):
    detail: str
    field: str


class ConvictionIn(Schema):
    date: date
    incident: str = ""
    severity: str
    categories: list[str] = []
    sentence_days: int = 0
    suspended: bool = False


class ChargeIn(Schema):
    date: date
    severity: str
    categories: list[str] = []


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
    request_type: str = Field(description="notification, detainer or transfer")
    request_date: date
    aor: str = Field(description="ICE area code, e.g. PHI")
    agency_ori: str | None = None
    external_id: str = Field("", description="the calling system's id, unique per system")
    probable_cause: list[str] = []
    subject_key: str = Field("", description="pseudonymous subject id (never a name)")
    facts: FactsIn = FactsIn()
    convictions: list[ConvictionIn] = []
    pending_charges: list[ChargeIn] = []


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
