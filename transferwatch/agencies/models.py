from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from transferwatch.accounts.models import Area

ORI = RegexValidator(r"^[A-Z]{2}[0-9A-Z]{7}$", "An ORI is two letters and seven letters or digits.")
STATE = RegexValidator(r"^[A-Z]{2}$", "Use the two-letter state code, e.g. PA.")
FIPS = RegexValidator(r"^[0-9]{5}$", "A county FIPS code is five digits.")

POPULATION_GROUPS = ("pop_hispanic", "pop_white", "pop_black", "pop_asian", "pop_other")


class AgencyQuerySet(models.QuerySet["Agency"]):
    def visible_to(self, user: Any) -> AgencyQuerySet:
        if not user.has_perm("agencies.view_agency"):
            return self.none()
        if user.is_area_scoped:
            return self.filter(aor__in=user.areas.all())
        return self


class Agency(models.Model):
    """A state or local law enforcement agency (CONTRACTS.md section 2, `agencies`)."""

    ori = models.CharField("ORI", max_length=9, unique=True, validators=[ORI])
    name = models.CharField(max_length=200)
    state = models.CharField(max_length=2, validators=[STATE])
    county_fips = models.CharField("county FIPS", max_length=5, blank=True, validators=[FIPS])
    aor = models.ForeignKey(
        Area,
        verbose_name="ICE area of responsibility",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    activation_date = models.DateField(
        "participation start",
        null=True,
        blank=True,
        help_text="Date the agency began taking part in transfers or screening.",
    )
    population = models.PositiveIntegerField(null=True, blank=True)
    pop_hispanic = models.PositiveIntegerField("Hispanic residents", null=True, blank=True)
    pop_white = models.PositiveIntegerField("White residents (non-Hispanic)", null=True, blank=True)
    pop_black = models.PositiveIntegerField("Black residents (non-Hispanic)", null=True, blank=True)
    pop_asian = models.PositiveIntegerField("Asian residents (non-Hispanic)", null=True, blank=True)
    pop_other = models.PositiveIntegerField("Other residents (non-Hispanic)", null=True, blank=True)
    pop_lep = models.PositiveIntegerField("residents with limited English", null=True, blank=True)
    peer_group = models.CharField(max_length=60, blank=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["state", "name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return f"{self.name} ({self.ori})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        groups = [getattr(self, f) for f in POPULATION_GROUPS]
        if self.population is not None:
            known = sum(g for g in groups if g is not None)
            if known > self.population:
                errors["population"] = (
                    f"The groups add up to {known:,}, more than the population of "
                    f"{self.population:,}."
                )
            if self.pop_lep is not None and self.pop_lep > self.population:
                errors["pop_lep"] = "Residents with limited English exceed the population."
        if errors:
            raise ValidationError(errors)

    def audit_fields(self) -> dict[str, Any]:
        fields = ["ori", "name", "state", "county_fips", "activation_date", "population"]
        values = {f: getattr(self, f) for f in [*fields, *POPULATION_GROUPS, "pop_lep"]}
        values["aor"] = self.aor.code if self.aor else None
        values["peer_group"] = self.peer_group
        return values


class Facility(models.Model):
    """A jail, prison or lock-up that receives ICE requests; it belongs to one agency.

    The link to the agency is the crosswalk of agencies/crosswalk.py: suggested by name matching
    during a detainer import, confirmed or changed by an analyst, or set from a crosswalk file.
    It changes only through `crosswalk.set_facility_agency`, which moves the facility's transfer
    requests with it.
    """

    KINDS = [
        ("jail", "County or city jail"),
        ("prison", "State prison"),
        ("federal", "Federal prison"),
        ("other", "Other"),
    ]
    AGENCY_SOURCES = [
        ("suggested", "Suggested by name matching"),
        ("confirmed", "Confirmed by an analyst"),
        ("crosswalk", "From a crosswalk file"),
    ]

    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="facilities"
    )
    agency_source = models.CharField(
        "how the agency was linked",
        max_length=10,
        choices=AGENCY_SOURCES,
        default="suggested",
        help_text="A confirmed or crosswalk facility without an agency was decided to have none.",
    )
    agency_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="agency confirmed by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency_confirmed_at = models.DateTimeField("agency confirmed at", null=True, blank=True)
    name = models.CharField(max_length=200)
    code = models.CharField("detention facility code", max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True, validators=[STATE])
    kind = models.CharField(max_length=10, choices=KINDS, default="jail")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "facilities"
        constraints = [
            models.UniqueConstraint(fields=["name", "state"], name="facility_name_state")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("facility_detail", args=[self.pk])
