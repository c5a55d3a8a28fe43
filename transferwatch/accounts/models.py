from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from transferwatch.accounts.roles import ROLES, Role


class Area(models.Model):
    """An ICE ERO area of responsibility (a field office), e.g. PHI Philadelphia."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff user. The role is the user's one group; ICE field reviewers also have areas.

    `title` is the official position that the enforcement priorities name as able to grant an
    exception or find a federal interest (e.g. an ICE Field Office Director).
    """

    TITLES = [
        ("", "None"),
        ("immigration_officer", "Immigration officer"),
        ("ice_fod", "ICE Field Office Director"),
        ("cbp_sector_chief", "CBP Sector Chief"),
        ("cbp_dfo", "CBP Director of Field Operations"),
        ("uscis_district_director", "USCIS District Director"),
        ("uscis_service_center_director", "USCIS Service Center Director"),
    ]

    areas = models.ManyToManyField(Area, blank=True, related_name="users")
    title = models.CharField(max_length=32, choices=TITLES, blank=True)
    # The position colleagues know the person by, shown wherever the person is named.
    job_title = models.CharField(
        max_length=120, blank=True, help_text="e.g. Supervisory Immigration Officer"
    )

    @property
    def display_name(self) -> str:
        """Full name and title, e.g. "Maria Lopez, Supervisory Immigration Officer".

        The title is the job title, else the official title; the username stands in for a
        missing name. No query: safe in lists that select the user.
        """
        name = self.get_full_name() or self.get_username()
        title = self.job_title or (self.get_title_display() if self.title else "")
        return f"{name}, {title}" if title else name

    @property
    def authorities(self) -> set[str]:
        """The titles this user acts under; a Field Office Director is also an immigration officer."""
        if not self.title:
            return set()
        return {self.title, "immigration_officer"} if self.title == "ice_fod" else {self.title}

    @cached_property
    def role(self) -> Role | None:
        for name in self.groups.values_list("name", flat=True):
            if name in ROLES:
                return ROLES[name]
        return None

    @property
    def is_area_scoped(self) -> bool:
        """True when the user may see only records of their own areas of responsibility."""
        if self.is_superuser:
            return False
        role = self.role
        return role is None or role.area_scoped
