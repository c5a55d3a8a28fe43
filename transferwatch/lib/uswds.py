"""Template helpers for the U.S. Web Design System markup (loaded as a template builtin)."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()

CLASSES = {"select": "usa-select", "textarea": "usa-textarea", "checkbox": "usa-checkbox__input"}


@register.simple_tag
def uswds_input(field: BoundField) -> SafeString:
    """The field's widget with USWDS classes and its hint and error tied to it for screen readers."""
    css = CLASSES.get(field.widget_type, "usa-input")
    attrs: dict[str, str] = {"class": css + (" usa-input--error" if field.errors else "")}
    described = []
    if field.help_text:
        described.append(f"{field.id_for_label}-hint")
    if field.errors:
        described.append(f"{field.id_for_label}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.filter
def masked(value: object) -> str:
    """A fixed-width mask that gives away neither the value nor its length."""
    return "••••••" if value not in (None, "") else "—"


@register.filter
def split_words(value: str) -> list[str]:
    return value.split()


@register.filter
def field(form: object, name: str) -> BoundField:
    """`form|field:"name"`: the bound field, for laying out fields in groups."""
    return form[name]  # type: ignore[index, no-any-return]


@register.filter
def page_numbers(page: Any) -> list[int]:
    """The page numbers to link around the current page; 0 stands for the pages left out."""
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return [n if isinstance(n, int) else 0 for n in numbers]


@register.filter
def row_count(page: Any) -> str:
    """A list's number of rows, "about 3,000,000" when it is the database's estimate
    (lib/counting.py): an estimate is rounded to two significant figures, never shown as exact."""
    paginator = page.paginator
    return figure_text(int(paginator.count), getattr(paginator, "estimated", False))


@register.filter
def figure(value: Any) -> str:
    """A count (lib/counting.Count, or a plain number) as text, "about ..." when estimated."""
    return figure_text(int(value), getattr(value, "estimated", False))


def figure_text(n: int, estimated: bool) -> str:
    if estimated:
        return f"about {round(n, 1 - len(str(n))):,}"
    return f"{n:,}"


@register.filter
def page_of(page: Any) -> str:
    """ ", page 3 of 120" for a list of several pages ("of about 120" when estimated), else ""."""
    paginator = page.paginator
    if paginator.num_pages <= 1:
        return ""
    about = "about " if getattr(paginator, "estimated", False) else ""
    return f", page {page.number:,} of {about}{paginator.num_pages:,}"
