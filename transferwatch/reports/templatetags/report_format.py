"""Number formats of packets and profiles: a dash for a figure that does not exist."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()
DASH = "—"


@register.filter
def num(value: Any) -> str:
    """1234 -> '1,234'; 12.25 -> '12.2'; None -> a dash."""
    if value is None or value == "":
        return DASH
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


@register.filter
def pct(value: Any) -> str:
    """A share 0.123 -> '12.3%'; None -> a dash."""
    if value is None:
        return DASH
    return f"{value * 100:.1f}%"


@register.filter
def fmt(value: Any, kind: str) -> str:
    """A summary figure by its kind: 'int', 'pct' or 'days'."""
    return pct(value) if kind == "pct" else num(value)
