from __future__ import annotations

import re
from typing import Any

from django import forms

from transferwatch.imports.mapping import load_profile, profiles

KINDS = [
    ("agencies", "Agencies (CSV or Parquet)"),
    ("bookings", "Bookings (CSV or Parquet)"),
    (
        "detainers",
        "ICE detainer release, any known layout (Excel or CSV; the layout is recognised)",
    ),
]
MAX_UPLOAD = 4 * 1024**3  # 4 GiB; larger files go through `transferwatch import` on the server


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=KINDS)
    file = forms.FileField(
        label="File",
        help_text="Every row is checked first. A file with any invalid row imports nothing, "
        "unless you choose to skip invalid rows.",
    )
    skip_invalid = forms.BooleanField(label="Skip invalid rows and import the rest", required=False)
    profile = forms.ChoiceField(
        label="Layout of a bookings file",
        required=False,
        help_text="A published layout is translated into the bookings contract "
        "(docs/data.md, 'Local police data'). Stop data is recorded as stops, not arrests.",
    )
    ori = forms.CharField(
        label="Agency ORI, for a file without an agency column",
        required=False,
        max_length=9,
        help_text="Every row of the file is given this agency (e.g. an agency's own RIPA export).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "The contract's own columns (no translation)")]
        choices += [(name, load_profile(name).description) for name in profiles()]
        self.fields["profile"].choices = choices

    def clean_ori(self) -> str:
        ori = str(self.cleaned_data.get("ori") or "").strip().upper()
        if ori and not re.fullmatch(r"[A-Z]{2}[0-9A-Z]{7}", ori):
            raise forms.ValidationError("An ORI is two letters and seven letters or digits.")
        return ori

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") != "bookings":
            for name in ("profile", "ori"):
                if data.get(name):
                    self.add_error(name, "Only for bookings files.")
        elif data.get("ori") and not data.get("profile"):
            self.add_error("ori", "Choose the layout: the ORI is given to files read through one.")
        return data

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(
                "The file is larger than 4 GB: import it with `transferwatch import` on the server."
            )
        return upload
