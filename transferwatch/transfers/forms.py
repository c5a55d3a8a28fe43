from __future__ import annotations

from typing import Any

from django import forms

from transferwatch.accounts.models import Area
from transferwatch.transfers.models import TransferRequest


class TransferFilter(forms.Form):
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    request_type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *TransferRequest.TYPES]
    )
    outcome = forms.ChoiceField(
        label="Outcome", required=False, choices=[("", "Any outcome"), *TransferRequest.OUTCOMES]
    )
    aor = forms.ModelChoiceField(
        label="Area of responsibility",
        required=False,
        queryset=Area.objects.none(),
        empty_label="Any area",
        to_field_name="code",
    )
    agency = forms.CharField(label="Agency ORI", required=False, max_length=9)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = Area.objects.all()
        if user.is_area_scoped:
            areas = user.areas.all()
        self.fields["aor"].queryset = areas  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def apply(self, requests: Any) -> Any:
        data = self.cleaned_data
        if data.get("date_from"):
            requests = requests.filter(request_date__gte=data["date_from"])
        if data.get("date_to"):
            requests = requests.filter(request_date__lte=data["date_to"])
        if data.get("request_type"):
            requests = requests.filter(request_type=data["request_type"])
        if data.get("outcome"):
            requests = requests.filter(outcome=data["outcome"])
        if data.get("aor"):
            requests = requests.filter(aor=data["aor"])
        if data.get("agency"):
            requests = requests.filter(agency__ori=data["agency"].strip().upper())
        return requests
