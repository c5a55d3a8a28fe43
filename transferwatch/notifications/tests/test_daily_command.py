"""`transferwatch notify_daily`: due dates coming and passed, told to the people responsible,
once each however often the command runs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from transferwatch.cases.models import Allegation
from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME
from transferwatch.discretion import services as discretion
from transferwatch.escalations.models import RemedialMeasure
from transferwatch.notifications.models import Message
from transferwatch.transfers.models import TransferRequest

TODAY = date(2026, 3, 10)


def run(**options: Any) -> str:
    out = StringIO()
    call_command("notify_daily", stdout=out, **options)
    return out.getvalue()


def due() -> list[tuple[str, str]]:
    return list(
        Message.objects.filter(kind="due").order_by("pk").values_list("user__username", "subject")
    )


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(datetime(2026, 3, 10, 14, 0, tzinfo=timezone.get_current_timezone())):
        yield


def test_due_dates_coming_and_passed_go_to_the_people_responsible(
    analyst: Any,
    investigator: Any,
    supervisor: Any,
    field_phi: Any,
    field_nyc: Any,
    inquiry: Any,
    pd_draft: Any,
    phi_agency: Any,
) -> None:
    late = Allegation.objects.create(
        agency=phi_agency, types=["other_practice"], source="public", channel="web"
    )
    Allegation.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=2))
    type(inquiry).objects.filter(pk=inquiry.pk).update(step_due=TODAY + timedelta(days=3))
    pd = discretion.act(pd_draft, "submit", investigator)
    type(pd).objects.filter(pk=pd.pk).update(due_at=timezone.now() + timedelta(days=1))
    measure = RemedialMeasure.objects.create(
        agency=phi_agency,
        kind="training",
        description="Invented.",
        owner="CRCL",
        due_date=TODAY - timedelta(days=1),
        status="in_progress",
        inquiry=inquiry,
        created_by=supervisor,
    )
    far = RemedialMeasure.objects.create(
        agency=phi_agency,
        kind="training",
        description="Invented.",
        owner="CRCL",
        due_date=TODAY + timedelta(days=4),
        status="agreed",
        created_by=supervisor,
    )
    Message.objects.all().delete()  # the notices of new work are tested elsewhere

    assert "due-date notices queued: 5" in run()
    assert due() == [
        ("ana", f"{late.number}: The triage of an allegation was due on 2026-03-08 and is past due"),
        ("ivan", f"{inquiry.number}: The current step of an inquiry (Investigating) is due on 2026-03-13"),
        ("phil", f"{pd.number}: The field review of a PD request is due on 2026-03-11"),
        ("sue", f"{measure}: A remedial measure was due on 2026-03-09 and is past due"),
        ("ivan", f"{measure}: A remedial measure was due on 2026-03-09 and is past due"),
    ]  # fmt: skip
    assert str(far) not in str(due())
    for message in Message.objects.all():
        assert CANARY_NAME not in message.body and CANARY_A_NUMBER not in message.body

    assert "due-date notices queued: 0" in run()  # idempotent on the day
    with time_machine.travel(datetime(2026, 3, 11, 7, 0, tzinfo=timezone.get_current_timezone())):
        assert "due-date notices queued: 1" in run()  # the next day, only what came near
    with time_machine.travel(datetime(2026, 3, 14, 7, 0, tzinfo=timezone.get_current_timezone())):
        run()
    assert [s for _, s in due()[5:]] == [
        f"{far}: A remedial measure is due on 2026-03-14",
        f"{inquiry.number}: The current step of an inquiry (Investigating) was due on 2026-03-13 "
        "and is past due",
        f"{pd.number}: The field review of a PD request was due on 2026-03-11 and is past due",
    ]


def test_the_review_queue_is_told_as_one_count_per_area_and_day(
    phi_request: Any, nyc_request: Any, field_phi: Any, field_nyc: Any, opla: Any
) -> None:
    TransferRequest.objects.filter(pk=phi_request.pk).update(
        review_status="in_review", review_due=TODAY - timedelta(days=1)
    )
    for n in range(3):
        TransferRequest.objects.create(
            request_type="detainer",
            request_date=date(2015, 8, 2 + n),
            aor=phi_request.aor,
            review_status="in_review",
            review_due=TODAY + timedelta(days=n),
        )
    TransferRequest.objects.filter(pk=nyc_request.pk).update(
        review_status="opla_review", review_due=TODAY
    )
    run()
    assert due() == [
        ("olga", "Review queue NYC: Transfer requests in the review queue of NYC: 1 due by 2026-03-13"),
        ("phil", "Review queue PHI: Transfer requests in the review queue of PHI: 1 past due and 3 due by 2026-03-13"),
    ]  # fmt: skip
    run()
    assert len(due()) == 2


def test_a_bad_days_value_is_bad_input() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as raised:
        run(days=-1)
    assert raised.value.returncode == 2
