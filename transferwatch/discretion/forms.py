from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from transferwatch.accounts.models import Area
from transferwatch.cases.models import Inquiry
from transferwatch.discretion.models import BASES, DECISIONS, PERSON_STATUS, PDRequest
from transferwatch.transfers.models import Person, TransferRequest


def people_of(inquiry: Inquiry) -> Any:
    """The people linked to the inquiry's allegation: by its transfers or as involved people."""
    allegation = inquiry.allegation
    return Person.objects.filter(
        Q(transfer_requests__allegations=allegation) | Q(pk__in=_involved(allegation))
    ).distinct()


def _involved(allegation: Any) -> Any:
    return allegation.people.exclude(person__isnull=True).values("person")


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"Person {obj.pk}"  # never the name: the form is shown before any reveal


class TransferChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"#{obj.pk}, {obj.get_request_type_display()}, {obj.request_date:%Y-%m-%d}, "
            f"{obj.aor.code} (person {obj.person_id})"
        )


class PDRequestForm(forms.Form):
    person = PersonChoice(
        queryset=Person.objects.none(),
        empty_label="Choose the person",
        help_text="People linked to the allegation, by its transfer requests or as people involved.",
    )
    transfer = TransferChoice(
        queryset=TransferRequest.objects.none(),
        required=False,
        empty_label="No transfer request on record",
        help_text="The transfer by which the person came into ICE custody; it sets the area.",
    )
    aor = forms.ModelChoiceField(
        label="Area of responsibility",
        queryset=Area.objects.all(),
        required=False,
        empty_label="From the transfer request",
        to_field_name="code",
        help_text="Only when no transfer request is on record: the ICE area holding the person.",
    )
    bases = forms.MultipleChoiceField(
        label="Basis of the request",
        choices=BASES,
        widget=forms.CheckboxSelectMultiple,
        help_text="CRCL's substantial basis to believe the person came into ICE custody through:",
    )
    person_status = forms.MultipleChoiceField(
        label="The person is a",
        choices=PERSON_STATUS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agency_conduct = forms.CharField(
        label="What the agency did", widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )
    person_conduct = forms.CharField(
        label="The person's conduct",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )
    other_facts = forms.CharField(
        label="Other facts to share with ICE",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )
    hq_review_requested = forms.BooleanField(
        label="CRCL asks for ICE HQ review of the field decision", required=False
    )

    def __init__(self, *args: Any, inquiry: Inquiry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = people_of(inquiry)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]
        self.fields["transfer"].queryset = TransferRequest.objects.filter(  # type: ignore[attr-defined]
            person__in=people
        ).select_related("aor")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        person, transfer = data.get("person"), data.get("transfer")
        if person is not None and transfer is not None and transfer.person_id != person.pk:
            self.add_error("transfer", "This transfer request is about another person.")
        if transfer is None and data.get("aor") is None and "transfer" not in self.errors:
            self.add_error("aor", "Choose the area when no transfer request is on record.")
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        transfer = data["transfer"]
        return {
            "person": data["person"],
            "transfer": transfer,
            "aor": transfer.aor if transfer is not None else data["aor"],
            "bases": data["bases"],
            "person_status": data["person_status"],
            "agency_conduct": data["agency_conduct"].strip(),
            "person_conduct": data["person_conduct"].strip(),
            "other_facts": data["other_facts"].strip(),
            "hq_review_requested": data["hq_review_requested"],
        }


class PDFilter(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *PDRequest.STATUSES]
    )
    awaiting = forms.BooleanField(label="Awaiting an ICE decision", required=False)
    aor = forms.ModelChoiceField(
        label="Area of responsibility",
        required=False,
        queryset=Area.objects.none(),
        empty_label="Any area",
        to_field_name="code",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = user.areas.all() if user.is_area_scoped else Area.objects.all()
        self.fields["aor"].queryset = areas  # type: ignore[attr-defined]

    def apply(self, requests: Any) -> Any:
        data = self.cleaned_data
        if data.get("status"):
            requests = requests.filter(status=data["status"])
        if data.get("awaiting"):
            requests = requests.awaiting_ice()
        if data.get("aor"):
            requests = requests.filter(aor=data["aor"])
        return requests


DECISION_CHOICES = [(code, label) for code, label in DECISIONS if code]
