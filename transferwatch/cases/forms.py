"""Forms of the cases app: the public report (English and Spanish), staff and ICE officer entry,
the allegation list filter, and the inquiry file."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from transferwatch.agencies.models import Agency
from transferwatch.cases import services
from transferwatch.cases.models import ALLEGATION_TYPES, CHANNELS, LANGUAGES, SOURCES, Allegation

# The public form's wording of the allegation types (translated; same codes as the model's).
PUBLIC_TYPES = [
    ("profiling_race", _("Stopped, arrested or treated differently because of race")),
    ("profiling_ethnicity", _("Stopped, arrested or treated differently because of ethnicity")),
    ("profiling_religion", _("Stopped, arrested or treated differently because of religion")),
    ("profiling_lep", _("Stopped, arrested or treated differently because of the language spoken")),
    ("systems_misuse", _("Misuse of federal information systems (for example, checking immigration status without reason)")),
    ("other_practice", _("Another improper practice by the police or jail")),
]  # fmt: skip
US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "PR",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "GU",
    "VI",
]
# ASCII digits only: \d and str.isdigit() also take Arabic-Indic, full-width and other digits,
# which no system that keeps A-numbers holds, so such a number would never match anything.
A_NUMBER = re.compile(r"^A?([0-9]{8,9})$", re.IGNORECASE)
# How the API takes an A-number (stated in its schema): empty, or "A" if wished, then 8 or 9
# digits, single hyphens or spaces allowed between them.
A_NUMBER_PATTERN = r"^$|^ *[Aa]?[- ]?[0-9](?:[- ]?[0-9]){7,8} *$"


def normalize_a_number(value: str) -> str | None:
    """The nine ASCII digits of an A-number, "" when none is given, None when it is not one."""
    value = re.sub(r"[\s-]", "", value or "")
    if not value:
        return ""
    m = A_NUMBER.match(value)
    return m.group(1).zfill(9) if m else None


def clean_a_number(value: str) -> str:
    normalized = normalize_a_number(value)
    if normalized is None:
        raise forms.ValidationError(_("An A-number has 8 or 9 digits, for example A012345678."))
    return normalized


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to ATTACHMENT_MAX_FILES files, each checked by its content (services.check_upload)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > settings.ATTACHMENT_MAX_FILES:
            raise forms.ValidationError(
                _("Send at most %(n)d files.") % {"n": settings.ATTACHMENT_MAX_FILES}
            )
        errors = []
        for upload in files:
            try:
                services.check_upload(upload)
            except services.AttachmentRefused as exc:
                errors.append(refusal_message(exc))
        if errors:
            raise forms.ValidationError(errors)
        return files


def refusal_message(exc: services.AttachmentRefused) -> str:
    mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    if exc.reason == "size":
        return str(_("“%(name)s” is larger than %(mb)d MB and was not accepted.")) % {
            "name": exc.name,
            "mb": mb,
        }
    return str(
        _(
            "“%(name)s” was not accepted: we take only PDF, PNG, JPEG and plain text files "
            "(checked by their content, not their name)."
        )
    ) % {"name": exc.name}


class AllegationFields(forms.Form):
    """What every intake form asks: agency, types, encounter, person affected, language."""

    agency_state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("- Select -"))] + [(s, s) for s in US_STATES],
    )
    agency_text = forms.CharField(
        label=_("Police department, sheriff's office or jail"),
        max_length=200,
        help_text=_("Its name as you know it, for example “Springfield Police Department”."),
    )
    types = forms.MultipleChoiceField(
        label=_("What happened? Choose all that apply."),
        choices=PUBLIC_TYPES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of problem.")},
    )
    encounter_date = forms.DateField(
        label=_("Date it happened"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("If you are not sure, give your best guess."),
    )
    encounter_place = forms.CharField(label=_("Where it happened"), required=False, max_length=200)
    narrative = forms.CharField(
        label=_("Tell us what happened"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    # Not required: CRCL takes anonymous reports (the form says what they can and cannot lead to).
    subject_name = forms.CharField(
        label=_("Name of the person affected"), required=False, max_length=200
    )
    subject_a_number = forms.CharField(
        label=_("A-number (if known)"),
        required=False,
        max_length=12,
        help_text=_("The immigration number on ICE papers, 8 or 9 digits."),
    )
    subject_birth_date = forms.DateField(
        label=_("Date of birth of the person affected"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    language_needs = forms.CharField(
        label=_("Language you prefer us to use"), required=False, max_length=200
    )
    interpreter_needed = forms.BooleanField(label=_("I need an interpreter"), required=False)

    def clean_subject_a_number(self) -> str:
        return clean_a_number(self.cleaned_data.get("subject_a_number", ""))

    def _not_future(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return value

    def clean_encounter_date(self) -> Any:
        return self._not_future("encounter_date")

    def clean_subject_birth_date(self) -> Any:
        return self._not_future("subject_birth_date")

    def matched_agency(self) -> Agency | None:
        """The agency the submitter named, when the name and state match exactly one."""
        state = self.cleaned_data.get("agency_state")
        name = self.cleaned_data.get("agency_text", "").strip()
        if not state or not name:
            return None
        found = list(Agency.objects.filter(state=state, name__iexact=name)[:2])
        return found[0] if len(found) == 1 else None

    def allegation_data(self, source: str, channel: str, language: str) -> services.AllegationData:
        d = self.cleaned_data
        return services.AllegationData(
            source=source,
            channel=channel,
            types=list(d["types"]),
            agency=self.matched_agency(),
            agency_text=d["agency_text"].strip(),
            encounter_date=d.get("encounter_date"),
            encounter_place=d.get("encounter_place", ""),
            narrative=d["narrative"],
            language=language,
            language_needs=d.get("language_needs", ""),
            interpreter_needed=bool(d.get("interpreter_needed")),
            contact_name=d.get("contact_name", ""),
            contact_email=d.get("contact_email", ""),
            contact_phone=d.get("contact_phone", ""),
            people=[
                services.PersonData(
                    name=d["subject_name"].strip(),
                    a_number=d.get("subject_a_number", ""),
                    birth_date=d.get("subject_birth_date"),
                )
            ],
        )


class ContactFields(forms.Form):
    contact_name = forms.CharField(label=_("Your name"), required=False, max_length=200)
    contact_email = forms.EmailField(label=_("Your e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Your phone number"), required=False, max_length=40)


class PublicReportForm(AllegationFields, ContactFields):
    attachments = AttachmentsField(
        label=_("Documents or photos (optional)"),
        help_text=_("Up to 5 files, each at most 10 MB: PDF, PNG, JPEG or plain text."),
    )
    # A field people never see; automated senders fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)


class StatusForm(forms.Form):
    number = forms.CharField(
        label=_("Record number"),
        max_length=24,
        help_text=_("For example CRCL-A-2026-000042."),
    )
    secret = forms.CharField(
        label=_("Secret code"),
        max_length=64,
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "off"}),
    )


class StaffAllegationForm(AllegationFields, ContactFields):
    """A complaint CRCL staff received by mail, e-mail, fax, phone or in person."""

    channel = forms.ChoiceField(
        label="Received by",
        choices=[c for c in CHANNELS if c[0] in ("mail", "email", "fax", "phone", "in_person")],
    )
    source = forms.ChoiceField(
        label="Source", choices=[s for s in SOURCES if s[0] != "crcl_monitoring"]
    )
    agency_ori = forms.CharField(label="Agency ORI (if known)", required=False, max_length=9)
    language = forms.ChoiceField(label="Complainant's language", choices=LANGUAGES)
    attachments = AttachmentsField(
        label="Documents received",
        help_text="Up to 5 files, each at most 10 MB: PDF, PNG, JPEG or text.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["types"].choices = ALLEGATION_TYPES
        self.fields["types"].label = "Allegation types"
        self.fields["agency_text"].label = "Agency as described"
        self.fields["narrative"].label = "What happened"
        self.fields["language_needs"].label = "Language needs"

    def clean_agency_ori(self) -> str:
        ori = self.cleaned_data.get("agency_ori", "").strip().upper()
        if ori and not Agency.objects.filter(ori=ori).exists():
            raise forms.ValidationError("There is no agency with this ORI.")
        return ori

    def matched_agency(self) -> Agency | None:
        ori = self.cleaned_data.get("agency_ori")
        return Agency.objects.get(ori=ori) if ori else super().matched_agency()


class OfficerReportForm(StaffAllegationForm):
    """An ICE officer's report of improper conduct by a local agency."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in (
            "channel",
            "source",
            "language",
            "contact_name",
            "contact_email",
            "contact_phone",
        ):
            del self.fields[name]


class AllegationFilter(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Allegation.STATUSES]
    )
    agency = forms.CharField(label="Agency ORI", required=False, max_length=9)
    type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *ALLEGATION_TYPES]
    )
    source = forms.ChoiceField(
        label="Source", required=False, choices=[("", "Any source"), *SOURCES]
    )
    overdue = forms.BooleanField(label="Overdue for triage only", required=False)

    def apply(self, allegations: Any) -> Any:
        d = self.cleaned_data
        if d.get("status"):
            allegations = allegations.filter(status=d["status"])
        if d.get("source"):
            allegations = allegations.filter(source=d["source"])
        if d.get("agency"):
            allegations = allegations.filter(agency__ori=d["agency"].strip().upper())
        if d.get("type"):
            # JSON containment is not on SQLite; the codes are plain words, so a quoted match is exact.
            allegations = allegations.filter(types__icontains=f'"{d["type"]}"')
        if d.get("overdue"):
            allegations = allegations.overdue()
        return allegations


class EntryForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        choices=[("note", "Note"), ("evidence", "Evidence"), ("onsite_visit", "Onsite visit")],
    )
    text = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)
    on_date = forms.DateField(
        label="Date (onsite visits)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label="Place (onsite visits)", required=False, max_length=200)
    attachments = AttachmentsField(label="Files (evidence)")

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("kind") == "onsite_visit":
            if not d.get("on_date"):
                self.add_error("on_date", "An onsite visit needs its date.")
            if not d.get("place"):
                self.add_error("place", "An onsite visit needs its place.")
        if d.get("attachments") and d.get("kind") != "evidence":
            self.add_error("attachments", "Files go with an evidence entry.")
        return d


class RecommendationForm(forms.Form):
    text = forms.CharField(
        label="Recommendation", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
