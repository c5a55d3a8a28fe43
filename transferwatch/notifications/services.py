"""Queue, send and retry e-mail, keeping each message in the outbox (`models.Message`).

`queue` is called inside the transaction of the move that sends something; the message goes out
through Django's mail framework once that transaction commits (`transaction.on_commit`), so a
move that rolls back sends nothing. The SMTP conversation runs outside any transaction: a slow
server holds no database lock. Every outcome is written to the row and to the audit trail.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from transferwatch.audit.services import record
from transferwatch.lib.workflow import Refused
from transferwatch.notifications.models import RETRY, Attachment, Message, Preference

logger = logging.getLogger(__name__)


class NoAddress(Exception):
    """The message has nowhere to go (a staff recipient without an e-mail address)."""


def queue(
    kind: str,
    about: models.Model,
    *,
    subject: str,
    body: str,
    to: Iterable[str] = (),
    user: Any = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    url: str = "",
    number: str = "",
    key: str = "",
    hold: bool = False,
) -> Message:
    """Keep a message in the outbox and send it when the current transaction commits.

    `about` is the record the message concerns (named by its `number`, or `number` when given);
    `to` are outside addresses, `user` a staff recipient; `attachments` are (filename, content,
    MIME type); `url` is the path of the record's page. A notice has a `key` (what it tells);
    `hold` keeps it for the recipient's daily digest instead of sending it.
    """
    message = Message.objects.create(
        kind=kind,
        status="held" if hold else "queued",
        content_type=ContentType.objects.get_for_model(about),
        object_id=about.pk,
        record_number=(number or getattr(about, "number", "") or str(about))[:100],
        record_url=url,
        user=user,
        to=list(to),
        subject=subject,
        body=body,
        key=key,
    )
    Attachment.objects.bulk_create(
        Attachment(message=message, filename=name, mimetype=mimetype, content=content)
        for name, content, mimetype in attachments
    )
    record(
        "notifications.message.queued",
        message,
        changes={"kind": kind, "held": hold} if hold else {"kind": kind},
    )
    if not hold:
        transaction.on_commit(partial(deliver, message.pk), robust=True)
    return message


def deliver(pk: int) -> Message:
    """Send a queued message now and record whether it went out (the after-commit step)."""
    message = Message.objects.select_related("user").get(pk=pk)
    if message.status != "queued":
        return message
    if message.user is not None:
        message.to = [message.user.email] if message.user.email else []
    message.tried_at = timezone.now()
    message.attempts += 1
    try:
        if not message.to:
            raise NoAddress
        email = EmailMessage(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, message.to)
        for a in message.attachments.all():
            email.attach(a.filename, bytes(a.content), a.mimetype)
        email.send()
    except Exception as exc:  # whatever the server or the network did, the outbox says so
        message.status, message.failure = "failed", failure_reason(exc)
        logger.warning("message %s not delivered: %s", message.pk, message.failure)
    else:
        message.status, message.sent_at, message.failure = "sent", message.tried_at, ""
    with transaction.atomic():
        message.save(update_fields=["to", "status", "failure", "tried_at", "sent_at", "attempts"])
        changes = {"kind": message.kind, "attempt": message.attempts}
        if message.failure:
            changes["failure"] = message.failure
        record(f"notifications.message.{message.status}", message, changes=changes)
    return message


def retry(pk: int, user: Any) -> Message:
    """Send a failed message again. Http404 outside the user's view, Refused unless it failed
    and the user may retry; both refusals are audited."""
    with transaction.atomic():
        message = Message.objects.visible_to(user).select_for_update().filter(pk=pk).first()
        if message is None:
            why = "outside scope"
        elif not user.has_perm(RETRY):
            why = "your role may not send messages again"
        elif message.status != "failed":
            why = f"the message is {message.get_status_display().lower()}, not failed"
        else:
            why = ""
            message.status = "queued"
            message.save(update_fields=["status"])
            record(
                "notifications.message.retried", message, actor=user, changes={"kind": message.kind}
            )
            transaction.on_commit(partial(deliver, pk), robust=True)
        if why:
            record(
                "notifications.message.refused",
                object_type="notifications.message",
                object_id=str(pk),
                actor=user,
                changes={"action": "retry", "reason": why},
            )
    if why == "outside scope":
        raise Http404
    if why:
        raise Refused(why)
    return Message.objects.get(pk=pk)


def failure_reason(exc: BaseException) -> str:
    """Why sending failed, without the server's own words (they may quote addresses)."""
    name = type(exc).__name__
    if isinstance(exc, NoAddress):
        return "no e-mail address to send to"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{name} (SMTP {exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"{name} (SMTP {', '.join(map(str, codes))})"
    if isinstance(exc, OSError) and exc.errno:
        return f"{name} (errno {exc.errno})"
    return name


def delivery_of(user: Any) -> str:
    """`immediate` or `daily`: how the user chose to receive notices (immediate unless chosen)."""
    chosen = Preference.objects.filter(user=user).values_list("delivery", flat=True).first()
    return chosen or "immediate"


def set_delivery(user: Any, delivery: str) -> None:
    """Record the user's choice (audited). Notices already held stay for the next digest."""
    if delivery not in dict(Preference.DELIVERIES):
        raise ValueError(f"unknown delivery {delivery!r}")
    with transaction.atomic():
        before = delivery_of(user)
        Preference.objects.update_or_create(
            user=user, defaults={"delivery": delivery, "changed_at": timezone.now()}
        )
        if before != delivery:
            record(
                "notifications.preference.changed",
                user,
                actor=user,
                changes={"delivery": {"from": before, "to": delivery}},
            )
