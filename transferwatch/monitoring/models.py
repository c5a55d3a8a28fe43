"""Monitoring runs, their stored results, and the flags they raise for CRCL analysts.

Statuses change only in `transferwatch.monitoring.services` (one function per move, each writing
an audit event in the same transaction).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

CONCERNS = [("none", "None"), ("watch", "Watch"), ("significant", "Significant")]


class RunQuerySet(models.QuerySet["MonitoringRun"]):
    def visible_to(self, user: Any) -> RunQuerySet:
        if not user.has_perm("monitoring.view_monitoringrun"):
            return self.none()
        return self


class MonitoringRun(models.Model):
    """One run of the monitoring engine: its parameters, the data it saw, and how it went."""

    STATUSES = [
        ("queued", "Queued"),
        ("running", "Running"),
        ("done", "Done"),
        ("failed", "Failed"),
        ("interrupted", "Interrupted by a shutdown; can be restarted"),
    ]
    FINISHED = ("done", "failed", "interrupted")
    SOURCES = [("warehouse", "Imported warehouse"), ("files", "Files")]

    # {"from": "YYYY-MM-DD" | null, "to": ..., "source": "warehouse" | "files"}
    parameters = models.JSONField(default=dict)
    # SHA-256 over the warehouse manifest's import hashes and the agency table.
    fingerprint = models.CharField(max_length=64, blank=True)
    fingerprint_details = models.JSONField(default=dict, blank=True)
    method_version = models.CharField(max_length=60, blank=True)
    period_from = models.DateField(null=True, blank=True)
    period_to = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=STATUSES, default="queued")
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Monitoring run {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring_run", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        return 100 if self.finished else min(99, self.progress)


class AgencyResult(models.Model):
    """One agency's result in one run (one entry of CONTRACTS.md section 3 `agencies`)."""

    run = models.ForeignKey(MonitoringRun, on_delete=models.CASCADE, related_name="results")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="monitoring_results"
    )
    concern = models.CharField(max_length=12, choices=CONCERNS)
    flagged = models.BooleanField(default=False)
    n_bookings = models.PositiveBigIntegerField(default=0)
    # ICE requests per booking by race and ethnicity as recorded: the entry's ``request_rates``
    # rows (CONTRACTS.md section 3, `analytics.rates.agency_rates`) and the note naming the
    # reference group and what could not be counted
    request_rates = models.JSONField(default=list, blank=True)
    request_rates_note = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "agency__ori"]
        constraints = [
            models.UniqueConstraint(fields=["run", "agency"], name="one_result_per_agency_and_run")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} in run {self.run_id}: {self.concern}"


class IndicatorResult(models.Model):
    """One indicator of one agency in one run; `estimate` is null when it cannot be assessed."""

    agency_result = models.ForeignKey(
        AgencyResult, on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField(max_length=60)
    group = models.CharField(max_length=60, blank=True)
    estimate = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    q_value = models.FloatField(null=True, blank=True)
    n = models.PositiveBigIntegerField(default=0)
    flagged = models.BooleanField(default=False)
    explanation = models.TextField(blank=True)
    # the comparison behind the estimate where an indicator has more than one
    # (`analytics.assess.COMPARISONS`): estimates of different comparisons are not plotted
    # together
    comparison = models.CharField(max_length=60, blank=True, default="")

    class Meta:
        ordering = ["agency_result", "name", "group"]

    def __str__(self) -> str:
        return f"{self.name} ({self.group})"
