from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q

from transferwatch.agencies.models import Agency

ORI_CODE = re.compile(r"^[A-Z]{2}[0-9A-Z]{7}$")
STATE_CODE = re.compile(r"^[A-Z]{2}$")
NAME_WITH_ORI = re.compile(r"^.+\(([A-Za-z]{2}[0-9A-Za-z]{7})\)$")
MAX_CROSSWALK = 20 * 1024**2


class AgencyForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = [
            "ori",
            "name",
            "state",
            "county_fips",
            "aor",
            "activation_date",
            "peer_group",
            "population",
            "pop_hispanic",
            "pop_white",
            "pop_black",
            "pop_asian",
            "pop_other",
            "pop_lep",
        ]
        widgets = {"activation_date": forms.DateInput(attrs={"type": "date"})}

    def clean_ori(self) -> str:
        return self.cleaned_data["ori"].strip().upper()

    def clean_state(self) -> str:
        return self.cleaned_data["state"].strip().upper()


class AgencyFilter(forms.Form):
    q = forms.CharField(label="Name or ORI", required=False, max_length=100)
    state = forms.CharField(label="State", required=False, max_length=2)


class FacilityFilter(forms.Form):
    LINKS = [
        ("", "Any"),
        ("unmatched", "Without an agency"),
        ("suggested", "Suggested, awaiting confirmation"),
        ("confirmed", "Confirmed by an analyst"),
        ("crosswalk", "From a crosswalk file"),
        ("federal", "Federal prisons"),
    ]
    link = forms.ChoiceField(label="Agency link", required=False, choices=LINKS)
    state = forms.CharField(label="State", required=False, max_length=20)
    q = forms.CharField(label="Name or code", required=False, max_length=100)

    def clean_state(self) -> str:
        state = self.cleaned_data["state"].strip().upper()
        if state and not STATE_CODE.match(state):
            raise forms.ValidationError("Use the two-letter state code, e.g. PA.")
        return state

    def apply(self, facilities: Any) -> Any:
        data = self.cleaned_data
        link = data.get("link")
        if link == "unmatched":
            facilities = facilities.filter(agency__isnull=True).exclude(kind="federal")
        elif link == "federal":
            facilities = facilities.filter(kind="federal")
        elif link == "suggested":
            facilities = facilities.filter(agency__isnull=False, agency_source="suggested")
        elif link:
            facilities = facilities.filter(agency_source=link)
        if data.get("state"):
            facilities = facilities.filter(state=data["state"])
        if q := " ".join(data.get("q", "").split()):
            facilities = facilities.filter(Q(name__icontains=q) | Q(code__iexact=q))
        return facilities


class FacilityAgencyForm(forms.Form):
    """The agency that runs a facility, given by ORI or by name (of any state)."""

    agency = forms.CharField(
        label="Operating agency: ORI or name",
        max_length=220,
        help_text="Any state. An ORI (e.g. PA0460000), or enough of the name to name one agency.",
        widget=forms.TextInput(attrs={"list": "agency-choices", "autocomplete": "off"}),
    )

    def clean_agency(self) -> Agency:
        return find_agency(self.cleaned_data["agency"])


def find_agency(text: str) -> Agency:
    """The one agency `text` names: an ORI, a name, or "Name (ORI)" as the suggestions show it."""
    text = " ".join(text.split())
    if m := NAME_WITH_ORI.match(text):
        text = m.group(1)
    if ORI_CODE.match(text.upper()):
        agency = Agency.objects.filter(ori=text.upper()).first()
        if agency is None:
            raise forms.ValidationError(f"No agency has the ORI {text.upper()}.")
        return agency
    matches = list(Agency.objects.filter(name__iexact=text)[:6]) or list(
        Agency.objects.filter(name__icontains=text).order_by("state", "name")[:6]
    )
    if not matches:
        raise forms.ValidationError(
            "No agency has that ORI or name. Check the spelling, or add the agency first."
        )
    if len(matches) > 1:
        shown = "; ".join(str(a) for a in matches[:5])
        more = " and more" if len(matches) > 5 else ""
        raise forms.ValidationError(
            f"Several agencies match: {shown}{more}. Give the ORI of the one you mean."
        )
    return matches[0]


class CrosswalkUploadForm(forms.Form):
    file = forms.FileField(
        label="Crosswalk file (CSV)",
        help_text="Columns facility_code and/or facility_name and state, and ori (empty: no "
        "agency). Every row is checked first: a file with any bad row changes nothing.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        if upload.size > MAX_CROSSWALK:
            raise forms.ValidationError(
                "The file is larger than 20 MB: import it with "
                "`transferwatch import facilities` on the server."
            )
        return upload
