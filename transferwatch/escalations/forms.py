from __future__ import annotations

from typing import Any

from django import forms

from transferwatch.agencies.models import Agency
from transferwatch.escalations import letters
from transferwatch.escalations.models import (
    DEFAULT_LEGAL_BASIS,
    DEFAULT_RECIPIENT,
    KINDS,
    Escalation,
    RemedialMeasure,
    other_kind_of,
)

PATTERNS_ONLY = (
    "Describe patterns of the agency, never individuals: no names, A-numbers, dates of birth "
    "or case details that identify a person. A letter with an A-number cannot be sent."
)


def default_recipient(kind: str, agency: Agency | None) -> str:
    recipient = DEFAULT_RECIPIENT.get(kind, "")
    if kind == "state_ag" and agency is not None:
        return f"Attorney General of the State of {agency.state}"
    return recipient


class AgencyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.name} ({obj.ori}, {obj.state})"


class EscalationForm(forms.Form):
    agency = AgencyChoice(queryset=Agency.objects.none(), to_field_name="ori")
    kind = forms.ChoiceField(choices=KINDS)
    recipient = forms.CharField(
        max_length=200,
        required=False,
        help_text="Left empty, the usual recipient for the kind is used.",
    )
    subject = forms.CharField(max_length=200)
    concerns = forms.CharField(
        label="What the concerns are",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=PATTERNS_ONLY,
    )
    reasons = forms.CharField(
        label="Why CRCL raises them",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=PATTERNS_ONLY,
    )
    findings = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 6}), help_text=PATTERNS_ONLY
    )
    legal_basis = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Left empty, the usual basis for the kind is used (for DOJ: 34 U.S.C. 12601).",
    )
    inquiries = forms.ModelMultipleChoiceField(
        queryset=None,  # set per user and agency
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
        label="Evidence: inquiries into this agency",
    )
    monitoring_run = forms.ModelChoiceField(
        queryset=None, required=False, label="Evidence: monitoring run (optional)"
    )

    def __init__(self, *args: Any, user: Any, agency: Agency | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from transferwatch.cases.models import Inquiry
        from transferwatch.monitoring.models import MonitoringRun

        agencies = Agency.objects.visible_to(user).order_by("state", "name")
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
        inquiries = Inquiry.objects.visible_to(user).order_by("-opened_at")
        runs = MonitoringRun.objects.visible_to(user).filter(status="done")
        if agency is not None:
            inquiries = inquiries.filter(agency=agency)
            runs = runs.filter(results__agency=agency)
        self.fields["inquiries"].queryset = inquiries  # type: ignore[attr-defined]
        self.fields["monitoring_run"].queryset = runs  # type: ignore[attr-defined]
        self.fields["monitoring_run"].label_from_instance = (  # type: ignore[attr-defined]
            lambda r: f"Run {r.pk} ({r.period_from or '…'} to {r.period_to or '…'})"
        )
        self.fields["inquiries"].label_from_instance = (  # type: ignore[attr-defined]
            lambda i: f"{i.number} ({i.get_status_display().lower()})"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agency = data.get("agency")
        kind = data.get("kind", "")
        if agency is not None:
            if any(i.agency_id != agency.pk for i in data.get("inquiries") or []):
                self.add_error("inquiries", "Choose inquiries into this agency only.")
            run = data.get("monitoring_run")
            if run is not None and not run.results.filter(agency=agency).exists():
                self.add_error("monitoring_run", "This run has no result for the agency.")
        if kind:
            # Recipient and basis follow the kind: empty, or another kind's usual text (prefilled
            # for the kind the page opened on, then the kind changed), gives this kind's own.
            usual = {
                "recipient": default_recipient(kind, agency),
                "legal_basis": DEFAULT_LEGAL_BASIS.get(kind, ""),
            }
            for name, default in usual.items():
                value = data.get(name) or ""
                if not value or other_kind_of(kind, name, value):
                    data[name] = default
            if not data["recipient"]:
                self.add_error("recipient", "Name the recipient of this notice.")
        for name in ("subject", "concerns", "reasons", "findings", "legal_basis", "recipient"):
            if letters.a_number_found(data.get(name) or ""):
                self.add_error(
                    name, "Remove what looks like an A-number: letters describe patterns."
                )
        return data

    def model_fields(self) -> dict[str, Any]:
        names = ("agency", "kind", "recipient", "subject", "concerns", "reasons", "findings")
        fields = {name: self.cleaned_data[name] for name in names}
        fields["legal_basis"] = self.cleaned_data["legal_basis"]
        fields["monitoring_run"] = self.cleaned_data["monitoring_run"]
        return fields

    @classmethod
    def for_escalation(cls, e: Escalation, user: Any, data: Any = None) -> EscalationForm:
        initial = {
            "agency": e.agency.ori,
            "kind": e.kind,
            "recipient": e.recipient,
            "subject": e.subject,
            "concerns": e.concerns,
            "reasons": e.reasons,
            "findings": e.findings,
            "legal_basis": e.legal_basis,
            "inquiries": list(e.inquiries.values_list("pk", flat=True)),
            "monitoring_run": e.monitoring_run_id,
        }
        form = cls(data, user=user, agency=e.agency, initial=initial)
        # Agency and kind are fixed once drafted: a different agency or kind is a new letter.
        for name in ("agency", "kind"):
            form.fields[name].disabled = True
        return form


class EscalationFilter(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *KINDS], required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *Escalation.STATUSES], required=False)


class MeasureForm(forms.Form):
    agency = AgencyChoice(queryset=Agency.objects.none(), to_field_name="ori")
    kind = forms.ChoiceField(choices=RemedialMeasure.KINDS)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text=PATTERNS_ONLY)
    owner = forms.CharField(
        max_length=200, help_text="The office or position responsible, e.g. the agency's chief."
    )
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    inquiry = forms.ModelChoiceField(queryset=None, required=False, label="Inquiry (optional)")
    escalation = forms.ModelChoiceField(
        queryset=None, required=False, label="Notification or referral (optional)"
    )

    def __init__(self, *args: Any, user: Any, agency: Agency | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from transferwatch.cases.models import Inquiry

        self.fields["agency"].queryset = Agency.objects.visible_to(user).order_by(  # type: ignore[attr-defined]
            "state", "name"
        )
        inquiries = Inquiry.objects.visible_to(user)
        escalations = Escalation.objects.visible_to(user)
        if agency is not None:
            inquiries = inquiries.filter(agency=agency)
            escalations = escalations.filter(agency=agency)
        self.fields["inquiry"].queryset = inquiries  # type: ignore[attr-defined]
        self.fields["escalation"].queryset = escalations  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agency = data.get("agency")
        if agency is not None:
            for name in ("inquiry", "escalation"):
                linked = data.get(name)
                if linked is not None and linked.agency_id != agency.pk:
                    self.add_error(name, "Choose one concerning this agency.")
        return data


class EvidenceForm(forms.Form):
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class NewDueDateForm(forms.Form):
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
