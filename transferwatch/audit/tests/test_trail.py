"""The stored trail: one event per change, refused edits, and `audit verify` finding tampering."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from transferwatch.audit.models import AppendOnlyError, Event
from transferwatch.audit.services import record
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, client_for

TRIGGERS = {
    "sqlite": ["DROP TRIGGER audit_event_no_update", "DROP TRIGGER audit_event_no_delete"],
    "postgresql": ["DROP TRIGGER audit_event_no_change ON audit_event"],
}


def drop_triggers() -> None:
    """What an intruder with full database rights, but not the audit key, could do."""
    with connection.cursor() as cursor:
        for statement in TRIGGERS[connection.vendor]:
            cursor.execute(statement)


def verify() -> tuple[int, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), err.getvalue()
    return 0, out.getvalue()


def test_it_verifies_the_trail(analyst: Any, phi_agency: Any) -> None:
    for n in range(5):
        record("test.thing.done", phi_agency, actor=analyst, changes={"n": n})
    status, output = verify()
    assert status == 0
    assert f"{Event.objects.count()} events verified" in output


def test_it_links_each_event_to_the_one_before(analyst: Any) -> None:
    first = record("test.a", actor=analyst)
    second = record("test.b", actor=analyst)
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash


def test_it_writes_one_event_per_agency_edit(analyst: Any, phi_agency: Any) -> None:
    client = client_for(analyst)  # signing in writes its own event
    before = Event.objects.count()
    url = reverse("agency_edit", args=[phi_agency.ori])
    response = client.post(
        url,
        {"ori": phi_agency.ori, "name": "Renamed Sheriff", "state": "PA", "population": "800000"},
    )
    assert response.status_code == 302
    events = Event.objects.filter(seq__gt=before)
    assert events.count() == 1
    event = events.get()
    assert event.action == "agencies.agency.updated"
    assert event.actor == analyst and event.role == "crcl_analyst"
    assert event.changes["name"] == {"from": "Montgomery County Sheriff", "to": "Renamed Sheriff"}
    assert event.request_id


def test_it_writes_one_event_per_reveal_and_no_personal_data(
    investigator: Any, person: Any, phi_request: Any
) -> None:
    client = client_for(investigator)
    before = Event.objects.count()
    client.post(reverse("person_reveal", args=[person.pk]))
    event = Event.objects.get(seq__gt=before)
    assert event.action == "transfers.person.revealed"
    assert (event.object_type, event.object_id) == ("transfers.person", str(person.pk))
    stored = str(Event.objects.filter(pk=event.pk).values().get())
    assert CANARY_NAME not in stored and CANARY_A_NUMBER not in stored


def test_it_rolls_the_event_back_with_the_change(analyst: Any, phi_agency: Any) -> None:
    before = Event.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record("test.thing.done", phi_agency, actor=analyst)
        raise RuntimeError("the change failed")
    assert Event.objects.count() == before
    assert verify()[0] == 0


def test_the_orm_refuses_to_change_events(analyst: Any) -> None:
    event = record("test.a", actor=analyst)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET action = 'forged' WHERE id = %s",
        "DELETE FROM audit_event WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete(analyst: Any, sql: str) -> None:
    event = record("test.a", actor=analyst)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    assert Event.objects.get(pk=event.pk).action == "test.a"


def test_verify_fails_after_an_event_is_edited_by_raw_sql(analyst: Any) -> None:
    events = [record("test.a", actor=analyst, changes={"n": n}) for n in range(5)]
    drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_event SET actor_name = 'someone-else' WHERE id = %s", [events[2].pk]
        )
    status, message = verify()
    assert status == 1
    assert f"BROKEN at event {events[2].seq}" in message and "edited" in message


def test_verify_fails_after_an_event_is_deleted_by_raw_sql(analyst: Any) -> None:
    events = [record("test.a", actor=analyst, changes={"n": n}) for n in range(5)]
    drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_event WHERE id = %s", [events[1].pk])
    status, message = verify()
    assert status == 1
    assert f"BROKEN at event {events[2].seq}" in message and "missing" in message


def test_verify_fails_after_the_newest_event_is_deleted(analyst: Any) -> None:
    events = [record("test.a", actor=analyst) for _ in range(3)]
    drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_event WHERE id = %s", [events[-1].pk])
    status, message = verify()
    assert status == 1 and "were written" in message


def test_the_auditor_can_verify_from_the_web(auditor: Any, analyst: Any) -> None:
    record("test.a", actor=analyst)
    response = client_for(auditor).post(reverse("audit_verify"))
    assert "Chain intact" in response.content.decode()
