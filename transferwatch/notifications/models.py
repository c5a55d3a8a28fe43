"""The outbox: every e-mail TransferWatch sends, with what it was about and whether it went out.

A lifecycle move that sends something (a letter, an inquiry's recommendations, a final PD
determination) queues a `Message` in its own transaction; the message is sent once that
transaction commits, and its row records the outcome. A failed message is sent again from the
outbox page. Notices to staff (new work in a queue, due dates coming and passed) are more rows
of the same table: a message to a staff user names the user, whose address is read when it is
sent. A user who chose the daily digest (`Preference`) has their notices held; the daily command
(`transferwatch notify_daily`) gathers each user's held notices into one digest message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

VIEW = "notifications.view_message"
RETRY = "notifications.retry_message"


class MessageQuerySet(models.QuerySet["Message"]):
    def visible_to(self, user: Any) -> MessageQuerySet:
        if getattr(user, "is_authenticated", False) and user.has_perm(VIEW):
            return self
        return self.none()


class Message(models.Model):
    """One e-mail. Body and attachments are kept so that a retry sends the same message.

    A body sent to an outside address holds nothing beyond what its attachment (the letter,
    the recommendations) holds; `failure` names the error and the SMTP code, never the
    server's text, which may quote addresses or content.
    """

    KINDS = [
        ("letter", "Letter (notice or referral)"),
        ("recommendations", "Inquiry recommendations"),
        ("pd_final", "Final PD determination"),
        ("work", "New work waiting"),
        ("due", "Due date coming or passed"),
        ("digest", "Daily digest"),
    ]
    STATUSES = [
        ("queued", "Queued"),
        ("sent", "Sent"),
        ("failed", "Failed"),
        ("held", "Held for the daily digest"),
        ("digested", "Sent in a daily digest"),
    ]

    kind = models.CharField(max_length=24, choices=KINDS)
    status = models.CharField(max_length=8, choices=STATUSES, default="queued")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    record_number = models.CharField(max_length=100)  # or the name of a record without one
    record_url = models.CharField(max_length=200, blank=True)  # the record's page (a path)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # a staff recipient: the address is the user's when the message is sent
    to = models.JSONField(default=list)  # the addresses it was (or is to be) sent to
    subject = models.CharField(max_length=200)
    body = models.TextField()
    queued_at = models.DateTimeField(default=timezone.now)
    tried_at = models.DateTimeField(null=True, blank=True)  # the last attempt
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=200, blank=True)
    # What a notice is about, so that a daily run never tells the same thing twice
    # (e.g. "due:cases.inquiry:7:coming:2026-12-07"); empty for messages that are not notices.
    key = models.CharField(max_length=120, blank=True)
    digest = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )  # the digest that carried a held notice

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-pk"]
        permissions = [("retry_message", "Can send a failed message again")]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["status", "queued_at"]),
            models.Index(fields=["user", "key"]),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    mimetype = models.CharField(max_length=100)
    content = models.BinaryField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename


class Preference(models.Model):
    """How a staff user hears about their work: each notice at once, or one digest a day."""

    DELIVERIES = [
        ("immediate", "Immediately, one e-mail per notice"),
        ("daily", "Once a day, all notices in one e-mail (daily digest)"),
    ]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    delivery = models.CharField(max_length=10, choices=DELIVERIES, default="immediate")
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Notification preference {self.pk}"
