from django import forms

from transferwatch.agencies.models import Agency


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
