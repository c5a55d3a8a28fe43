from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BaseModelFormSet, modelformset_factory

from transferwatch.accounts.models import User
from transferwatch.meetings.models import (
    FORMATS,
    SIDES,
    AgendaItem,
    Attendee,
    Meeting,
    quarter_of,
    validate_quarter,
)

NO_PERSONAL_DATA = (
    "Record numbers, agency names and counts only: no names, A-numbers, dates of birth or "
    "details of a person."
)
STAFF_ROLES = (
    "crcl_analyst",
    "crcl_investigator",
    "crcl_supervisor",
    "ice_field_reviewer",
    "ice_hq_reviewer",
    "opla_attorney",
    "dhs_leadership",
)


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.display_name
        role = obj.role
        return f"{name} ({role.label})" if role else name


def staff_users() -> Any:
    return (
        User.objects.filter(is_active=True, groups__name__in=STAFF_ROLES)
        .distinct()
        .order_by("last_name", "username")
    )


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(choices=Meeting.KINDS, initial="quarterly")
    quarter = forms.CharField(
        max_length=6,
        required=False,
        validators=[validate_quarter],
        help_text="The quarter the meeting reviews, like 2015Q3. "
        "Left empty, the quarter of the meeting date.",
    )
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="Start time"
    )
    place = forms.CharField(max_length=200, required=False, help_text="Room, address or link.")
    format = forms.ChoiceField(choices=FORMATS, initial="in_person")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date") and not data.get("quarter"):
            data["quarter"] = quarter_of(data["date"])
        return data

    @classmethod
    def for_meeting(cls, m: Meeting, data: Any = None) -> MeetingForm:
        initial = {name: getattr(m, name) for name in cls.base_fields}
        return cls(data, initial=initial)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12}), required=False, help_text=NO_PERSONAL_DATA
    )
    decisions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, help_text=NO_PERSONAL_DATA
    )


class ActionItemForm(forms.Form):
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text=NO_PERSONAL_DATA
    )
    side = forms.ChoiceField(choices=SIDES, label="Owner's side")
    owner = StaffChoice(queryset=User.objects.none(), required=False, label="Owner (user)")
    owner_text = forms.CharField(
        max_length=200,
        required=False,
        label="Owner (office or person)",
        help_text="When the owner is not a TransferWatch user, or to name the office.",
    )
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_users()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("owner") and not data.get("owner_text"):
            raise forms.ValidationError("Name an owner: a user, or an office or person.")
        return data


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ("position", "title", "notes")
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"notes": NO_PERSONAL_DATA}


AgendaFormSet = modelformset_factory(
    AgendaItem, form=AgendaItemForm, extra=1, can_delete=True, formset=BaseModelFormSet
)


class AttendeeForm(forms.ModelForm):
    user = StaffChoice(queryset=User.objects.none(), required=False, label="User")

    class Meta:
        model = Attendee
        fields = ("side", "user", "name", "organisation", "title")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_users()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("DELETE") and not data.get("user") and not data.get("name"):
            raise forms.ValidationError("Choose a user or write a name.")
        return data


AttendeeFormSet = modelformset_factory(
    Attendee, form=AttendeeForm, extra=2, can_delete=True, formset=BaseModelFormSet
)
