"""Charts for the monitoring pages: Vega-Altair specs rendered to SVG locally by vl-convert.

Every chart is shown with a caption summarising it and the table of its numbers beside it, so the
SVG is never the only way to read the figures.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import altair as alt
import vl_convert

Z95 = 1.959964
Z998 = 3.090232


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render offline (no request leaves the machine); drop the XML prolog for inline use."""
    svg: str = vl_convert.vegalite_to_svg(chart.to_json(validate=False))
    return svg[svg.find("<svg") :]


def history(rows: list[dict[str, Any]]) -> str:
    """Estimate and 95% interval of each indicator over the runs: rows of the history table."""
    points = [r for r in rows if r["estimate"] is not None]
    if not points:
        return ""
    data = alt.Data(values=points)
    base = alt.Chart(data).encode(
        # dates, not times of day: shown as year and month of the period's end
        x=alt.X("period_to:T", title="End of the period", timeUnit="yearmonth"),
        color=alt.Color("indicator:N", title="Indicator"),
    )
    band = base.mark_rule().encode(y=alt.Y("ci_low:Q", title="Estimate"), y2="ci_high:Q")
    line = base.mark_line(point=True).encode(y="estimate:Q")
    return to_svg((band + line).properties(width=420, height=200))


def funnel_limits(peers: list[dict[str, Any]]) -> dict[str, float] | None:
    """Centre and the spread per booking implied by the peers' confidence intervals.

    The control limits at sample size n are centre +/- z * spread / sqrt(n) (Spiegelhalter 2005,
    "Funnel plots for comparing institutional performance").
    """
    usable = [
        p
        for p in peers
        if p["estimate"] is not None and p["ci_low"] is not None and p["ci_high"] is not None
        if p["n"] > 0
    ]
    if len(usable) < 3:
        return None
    weights = [p["n"] for p in usable]
    centre = sum(p["estimate"] * w for p, w in zip(usable, weights, strict=True)) / sum(weights)
    spread = statistics.median(
        (p["ci_high"] - p["ci_low"]) / (2 * Z95) * math.sqrt(p["n"]) for p in usable
    )
    return {"centre": centre, "spread": spread, "n_max": max(weights), "n_min": min(weights)}


def funnel(indicator: str, ori: str, peers: list[dict[str, Any]]) -> str:
    """Estimate against n for the peers of one run, the agency highlighted, with control limits."""
    limits = funnel_limits(peers)
    if limits is None:
        return ""
    points = [
        {"ori": p["ori"], "n": p["n"], "estimate": p["estimate"], "this": p["ori"] == ori}
        for p in peers
        if p["estimate"] is not None and p["n"] > 0
    ]
    steps = 40
    lo, hi = max(1.0, limits["n_min"] / 2), limits["n_max"] * 1.2
    curve = []
    for k in range(steps + 1):
        n = lo * (hi / lo) ** (k / steps)
        for z, label in ((Z95, "95%"), (Z998, "99.8%")):
            half = z * limits["spread"] / math.sqrt(n)
            curve.append(
                {
                    "n": n,
                    "upper": limits["centre"] + half,
                    "lower": limits["centre"] - half,
                    "limit": label,
                }
            )
    x = alt.X("n:Q", scale=alt.Scale(type="log"), title="Records (n)")
    lines = alt.Chart(alt.Data(values=curve))
    upper = lines.mark_line(strokeDash=[4, 3], color="#71767a").encode(
        x=x, y="upper:Q", detail="limit:N"
    )
    lower = lines.mark_line(strokeDash=[4, 3], color="#71767a").encode(
        x=x, y="lower:Q", detail="limit:N"
    )
    centre = (
        alt.Chart(alt.Data(values=[{"centre": limits["centre"]}]))
        .mark_rule(color="#1b1b1b")
        .encode(y="centre:Q")
    )
    dots = (
        alt.Chart(alt.Data(values=points))
        .mark_point(filled=True)
        .encode(
            x=x,
            y=alt.Y("estimate:Q", title=indicator.replace("_", " ")),
            color=alt.Color(
                "this:N",
                scale=alt.Scale(domain=[False, True], range=["#a9aeb1", "#d83933"]),
                legend=None,
            ),
            size=alt.Size(
                "this:N", scale=alt.Scale(domain=[False, True], range=[30, 120]), legend=None
            ),
        )
    )
    return to_svg((upper + lower + centre + dots).properties(width=360, height=220))


CHART_MIN_BOOKINGS = 30  # a group with fewer has an interval too wide to read beside the others


def request_rates(rates: list[dict[str, Any]]) -> str:
    """ICE requests per booking of each group with its 95% interval (``request_rates`` rows);
    the reference group in another colour. Groups of unknown race and groups with fewer than
    `CHART_MIN_BOOKINGS` bookings are in the table only: their intervals (0 to 44 per 100 for 5
    bookings) would set the scale and flatten every other group's. Empty where no group has a
    rate."""
    from transferwatch.analytics.rates import LABELS

    points = [
        {
            "group": LABELS.get(r["group"], r["group"]),
            "rate": 100 * r["rate"],
            "low": 100 * r["rate_ci_low"],
            "high": 100 * r["rate_ci_high"],
            "reference": "reference group" if r.get("reference") == r["group"] else "other groups",
        }
        for r in rates
        if r.get("rate") is not None
        and r.get("rate_ci_low") is not None
        and r["group"] != "unknown"
        and r["bookings"] >= CHART_MIN_BOOKINGS
    ]
    if not points:
        return ""
    order = [p["group"] for p in points]
    y = alt.Y("group:N", title=None, sort=order, axis=alt.Axis(labelLimit=260))
    colour = alt.Color(
        "reference:N",
        title=None,
        scale=alt.Scale(domain=["reference group", "other groups"], range=["#1b1b1b", "#005ea2"]),
    )
    base = alt.Chart(alt.Data(values=points))
    bars = base.mark_rule(strokeWidth=2).encode(
        y=y, x=alt.X("low:Q", title="ICE requests per 100 bookings (95% interval)"), x2="high:Q",
        color=colour,
    )  # fmt: skip
    dots = base.mark_point(filled=True, size=70).encode(y=y, x="rate:Q", color=colour)
    return to_svg((bars + dots).properties(width=360, height=28 * len(points)))
