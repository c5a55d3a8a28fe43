from __future__ import annotations

from django import forms

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

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(
                "The file is larger than 4 GB: import it with `transferwatch import` on the server."
            )
        return upload
