"""The arithmetic of the audit chain, kept free of Django so it can be checked on its own.

Each event's hash is HMAC-SHA256, under a key kept outside the database, of the event's fields in
canonical JSON together with the previous event's hash. Someone who can write to the database but
does not hold the key cannot edit, insert or delete an event and then recompute a valid chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

# The fields an event's hash covers, in this order of documentation (the JSON sorts its keys).
FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "role",
    "action",
    "object_type",
    "object_id",
    "changes",
    "request_id",
)


def canonical(fields: Mapping[str, Any], prev_hash: str) -> bytes:
    """The exact bytes that are hashed: sorted keys, no spaces, UTF-8."""
    body = {name: fields[name] for name in FIELDS}
    body["prev_hash"] = prev_hash
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(key: bytes, fields: Mapping[str, Any], prev_hash: str) -> str:
    return hmac.new(key, canonical(fields, prev_hash), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Verification:
    """The outcome of walking the chain: how many events held, and the first broken link if any."""

    verified: int
    last_seq: int
    last_hash: str
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(
    key: bytes, events: Iterable[Mapping[str, Any]], expected_last_seq: int | None = None
) -> Verification:
    """Walk events in `seq` order and report the first link that does not hold.

    Each mapping carries the FIELDS plus `prev_hash` and `hash`. `expected_last_seq` is the
    sequence number the chain head says was written last; fewer events means the tail was cut.
    """
    prev_hash = GENESIS
    expected = 1
    count = 0
    for event in events:
        seq = int(event["seq"])
        if seq != expected:
            missing = f"event {expected}" if seq == expected + 1 else f"events {expected}-{seq - 1}"
            return Verification(count, expected - 1, prev_hash, seq, f"{missing} missing")
        if event["prev_hash"] != prev_hash:
            return Verification(
                count, seq - 1, prev_hash, seq, "does not link to the event before it"
            )
        if not hmac.compare_digest(link_hash(key, event, prev_hash), str(event["hash"])):
            return Verification(
                count, seq - 1, prev_hash, seq, "its contents do not match its hash (edited)"
            )
        prev_hash = str(event["hash"])
        expected += 1
        count += 1
    if expected_last_seq is not None and expected_last_seq != count:
        if expected_last_seq > count:
            problem = f"the chain ends at event {count} but {expected_last_seq} were written"
        else:
            problem = f"the chain has {count} events but the head records {expected_last_seq}"
        return Verification(count, count, prev_hash, count + 1, problem)
    return Verification(count, count, prev_hash)
