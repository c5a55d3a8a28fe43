"""ICE's final PD determination is e-mailed to the CRCL owners of the request (issue 14,
defect 8): the inquiry's investigator and the request's drafter, with a link and no person."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from transferwatch.conftest import CANARY_A_NUMBER, CANARY_NAME, make_user
from transferwatch.discretion import services
from transferwatch.discretion.models import PDRequest
from transferwatch.notifications.models import Message


def test_the_final_determination_is_emailed_to_the_crcl_owners(
    field_decided: PDRequest,
    field_phi: Any,
    investigator: Any,
    settings: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.BASE_URL = "https://transferwatch.example"
    investigator.email = "ivan@crcl.example"
    investigator.save()
    drafter = make_user("dora", "crcl_investigator")
    drafter.email = "dora@crcl.example"
    drafter.save()
    PDRequest.objects.filter(pk=field_decided.pk).update(created_by=drafter)

    with django_capture_on_commit_callbacks(execute=True):
        pd = services.act(field_decided, "finalize", field_phi)
    messages = Message.objects.filter(kind="pd_final", object_id=pd.pk).order_by("pk")
    assert [(m.user, m.to, m.status) for m in messages] == [
        (investigator, ["ivan@crcl.example"], "sent"),
        (drafter, ["dora@crcl.example"], "sent"),
    ]
    url = reverse("pd_detail", args=[pd.pk])
    assert sorted(m.to[0] for m in mailoutbox) == ["dora@crcl.example", "ivan@crcl.example"]
    for mail in mailoutbox:
        assert pd.number in mail.subject and mail.attachments == []
        assert "Discretion exercised" in mail.body
        assert f"https://transferwatch.example{url}" in mail.body
        assert CANARY_NAME not in mail.body and CANARY_A_NUMBER not in mail.body


def test_one_message_when_the_investigator_drafted_the_request(
    field_decided: PDRequest, field_phi: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        pd = services.act(field_decided, "finalize", field_phi)
    [message] = Message.objects.filter(kind="pd_final", object_id=pd.pk)
    # The fixture users have no address: the outbox says so, and a retry can follow.
    assert (message.status, message.failure) == ("failed", "no e-mail address to send to")
