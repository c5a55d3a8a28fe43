"""The table (and chart) of ICE requests per booking by race and ethnicity of one agency's result,
the same on the agency page, in the quarterly packet and in the agency profile."""

from __future__ import annotations

from typing import Any

from django import template

from transferwatch.monitoring.figures import rate_rows

register = template.Library()


@register.inclusion_tag("monitoring/_request_rates.html")
def request_rates(
    result: Any, ori: str, num: str = "text-right", table_class: str = "", chart: bool = False
) -> dict[str, Any]:
    """`result`: an `AgencyResult` (or None) of the agency `ori`. `num`: the class of numeric
    cells; `chart`: draw the rates with their intervals above the table (the table is the
    chart's text alternative)."""
    if result is None:
        return {"shown": False}
    from transferwatch.monitoring import charts

    rates = list(result.request_rates or [])
    note = result.request_rates_note
    return {
        "shown": True,
        # a run stored before request rates were computed has neither rows nor note
        "empty": note
        or "this run was made before request rates were computed: a new run gives them",
        "rates": rate_rows(rates),
        "note": note,
        "ori": ori,
        "num": num,
        "table_class": table_class,
        "svg": charts.request_rates(rates) if chart else "",
    }
