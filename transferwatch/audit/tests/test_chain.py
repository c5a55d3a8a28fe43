"""The chain arithmetic on its own: any edit, deletion, insertion or cut tail is found."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from transferwatch.audit import chain

KEY = b"k" * 32


def build(n: int, key: bytes = KEY) -> list[dict[str, Any]]:
    events, prev = [], chain.GENESIS
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "at": f"2026-01-01T00:00:{seq % 60:02d}.000000+00:00",
            "actor_id": 1,
            "actor_name": "ana",
            "role": "crcl_analyst",
            "action": "agencies.agency.updated",
            "object_type": "agencies.agency",
            "object_id": str(seq),
            "changes": {"name": {"from": "a", "to": f"b{seq}"}},
            "request_id": "r" * 32,
        }
        digest = chain.link_hash(key, fields, prev)
        events.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    return events


def test_it_verifies_an_intact_chain() -> None:
    result = chain.verify(KEY, build(50), expected_last_seq=50)
    assert result.ok and result.verified == 50 and result.last_seq == 50


def test_it_verifies_an_empty_chain() -> None:
    assert chain.verify(KEY, [], expected_last_seq=0).ok


def test_it_finds_an_edited_event() -> None:
    events = build(10)
    events[6]["changes"] = {"name": {"from": "a", "to": "forged"}}
    result = chain.verify(KEY, events, expected_last_seq=10)
    assert (result.broken_seq, result.verified) == (7, 6)
    assert "edited" in (result.problem or "")


def test_it_finds_a_deleted_event() -> None:
    events = build(10)
    del events[3]
    result = chain.verify(KEY, events, expected_last_seq=10)
    assert result.broken_seq == 5 and result.problem == "event 4 missing"


def test_it_finds_a_deleted_event_renumbered_to_hide_the_gap() -> None:
    events = build(10)
    del events[3]
    for event in events[3:]:
        event["seq"] -= 1
    result = chain.verify(KEY, events, expected_last_seq=10)
    assert result.broken_seq == 4 and "link" in (result.problem or "")


def test_it_finds_a_cut_tail() -> None:
    result = chain.verify(KEY, build(10)[:8], expected_last_seq=10)
    assert not result.ok and result.verified == 8 and "ends at event 8" in (result.problem or "")


def test_it_refuses_a_chain_rebuilt_without_the_key() -> None:
    forged = build(5, key=b"x" * 32)
    result = chain.verify(KEY, forged, expected_last_seq=5)
    assert result.broken_seq == 1


@given(st.integers(min_value=1, max_value=30), st.data())
def test_it_finds_any_single_field_edit(n: int, data: st.DataObject) -> None:
    events = build(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    field = data.draw(st.sampled_from([f for f in chain.FIELDS if f != "seq"]))
    events[index][field] = "tampered"
    result = chain.verify(KEY, events, expected_last_seq=n)
    assert result.broken_seq == index + 1
