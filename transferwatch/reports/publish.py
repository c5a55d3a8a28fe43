"""The public transparency report: aggregate counts, with small cells suppressed.

Only counts leave this module: by quarter, state and holding agency (name and ORI, public
entities), by request type and outcome, the review against the 2014 priorities, and allegations
by type. No person, no free text, no record id. Suppression (`suppression.protect`) runs over
every published figure at once, so that no suppressed cell can be worked out from the others.
See docs/public-report.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from transferwatch.cases.models import ALLEGATION_TYPES, Allegation
from transferwatch.reports import suppression
from transferwatch.reports.quarters import (
    quarter_end,
    quarter_label,
    quarter_start,
    quarters_between,
)
from transferwatch.transfers.models import Classification, TransferRequest

THRESHOLD = 10
ALL = "ALL"
NO_AGENCY = "UNKNOWN"
PEP_POLICY = "pep-2014"
PEP_GROUPS = [
    ("inconsistent", "Inconsistent with the 2014 priorities"),
    ("consistent", "Consistent with the 2014 priorities"),
    ("not_classified", "Not classified under the 2014 priorities"),
]
METHOD = (
    "Cells from 1 to {t_minus} are suppressed (primary suppression); further cells are "
    "suppressed so that no suppressed cell can be worked out from the published cells and totals "
    "(complementary suppression, checked by linear programming: an intruder's feasible range for "
    "each suppressed small cell covers its value plus or minus {margin}). Zeros are published. "
    "Cox (1980); Willenborg and de Waal (2001)."
)

NOTES = [
    "Counts of transfer requests (I-247D, I-247N, I-247X) by the quarter of the "
    "request and the state and ORI of the holding agency; 'ALL' rows are totals, "
    "quarter 'all' is the whole period, state 'UNKNOWN' is requests with no agency "
    "recorded.",
    "The 2014 priorities review counts a request as inconsistent when its latest "
    "classification under the 20 November 2014 memorandum found a reason; the share "
    "is inconsistent / (inconsistent + consistent), shown only when both are shown.",
    "An allegation may name more than one type and is counted under each; "
    "allegations merged into another are not counted.",
]


def _quarter(value: Any) -> str:
    return quarter_label(value.date() if hasattr(value, "date") else value)


def _request_counts(until: date) -> tuple[Counter[tuple[str, ...]], dict[str, dict[str, str]]]:
    """Requests by (quarter, agency ORI or UNKNOWN, type, outcome, PEP group); agency facts."""
    latest = Classification.objects.filter(transfer_request=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    rows = (
        TransferRequest.objects.filter(request_date__lt=until)
        .annotate(
            q=TruncQuarter("request_date"),
            policy=Subquery(latest.values("policy")[:1]),
        )
        .values("q", "agency__ori", "agency__state", "agency__name", "request_type", "outcome")
        .annotate(
            n=Count("pk"),
            pep=Count("pk", filter=Q(policy=PEP_POLICY)),
            inconsistent=Count("pk", filter=Q(policy=PEP_POLICY) & ~Q(inconsistencies=[])),
        )
        .order_by()
    )
    counts: Counter[tuple[str, ...]] = Counter()
    agencies: dict[str, dict[str, str]] = {}
    for row in rows:
        q = _quarter(row["q"])
        ori = row["agency__ori"] or NO_AGENCY
        if row["agency__ori"]:
            agencies[ori] = {"state": row["agency__state"], "name": row["agency__name"]}
        groups = {
            "inconsistent": row["inconsistent"],
            "consistent": row["pep"] - row["inconsistent"],
            "not_classified": row["n"] - row["pep"],
        }
        for group, n in groups.items():
            if n:
                counts[(q, ori, row["request_type"], row["outcome"], group)] += n
    return counts, agencies


def _allegation_counts(until: date) -> Counter[tuple[str, str]]:
    """Type mentions by (quarter, type); merged duplicates are not counted again."""
    counts: Counter[tuple[str, str]] = Counter()
    rows = Allegation.objects.exclude(status="merged").filter(received_at__date__lt=until)
    for received_at, types in rows.values_list("received_at", "types"):
        q = quarter_label(timezone.localtime(received_at).date())
        for code in dict.fromkeys(types):
            counts[(q, code)] += 1
    return counts


def _merge(
    parts: Iterable[tuple[dict[Any, int], list[suppression.Relation]]],
) -> tuple[dict[Any, int], list[suppression.Relation]]:
    values: dict[Any, int] = {}
    relations: dict[suppression.Relation, None] = {}
    for cells, rels in parts:
        for key, value in cells.items():
            if values.setdefault(key, value) != value:
                raise ValueError(f"tables disagree on {key!r}")
        relations.update(dict.fromkeys(rels))
    return values, list(relations)


def build_report(today: date | None = None, threshold: int = THRESHOLD) -> dict[str, Any]:
    """The latest public report: metadata, long-format rows, and tables for the page.

    Covers the complete quarters (ended before `today`) from the first with data to the last.
    """
    today = today or timezone.localdate()
    until = quarter_start(quarter_label(today))
    counts, agencies = _request_counts(until)
    allegations = _allegation_counts(until)
    seen = {k[0] for k in counts} | {k[0] for k in allegations}
    quarters = quarters_between(min(seen), max(seen)) if seen else []
    margin = suppression.default_margin(threshold)
    if not quarters:
        return _report(quarters, threshold, margin, [], {}, [], 0, 0)

    # Transfer requests: quarter x (nation > state > agency), and by type, outcome, PEP review,
    # all sharing the national quarter totals and protected together.
    by_agency: Counter[tuple[str, str]] = Counter()
    by_type: Counter[tuple[str, str]] = Counter()
    by_outcome: Counter[tuple[str, str]] = Counter()
    by_pep: Counter[tuple[str, str]] = Counter()
    for (q, ori, kind, outcome, group), n in counts.items():
        by_agency[(q, f"agency:{ori}" if ori != NO_AGENCY else f"state:{NO_AGENCY}")] += n
        by_type[(q, f"type:{kind}")] += n
        by_outcome[(q, f"outcome:{outcome}")] += n
        by_pep[(q, f"pep:{group}")] += n
    states = sorted({a["state"] for a in agencies.values()})
    tree: dict[str, list[str]] = {ALL: [f"state:{s}" for s in states]}
    for s in states:
        tree[f"state:{s}"] = [
            f"agency:{ori}"
            for ori in sorted(agencies, key=lambda o: (agencies[o]["name"], o))
            if agencies[ori]["state"] == s
        ]
    if any(ori == NO_AGENCY for _, ori, *_ in counts):
        tree[ALL].append(f"state:{NO_AGENCY}")
    flat = {
        "type": [f"type:{c}" for c, _ in TransferRequest.TYPES],
        "outcome": [f"outcome:{c}" for c, _ in TransferRequest.OUTCOMES],
        "pep": [f"pep:{c}" for c, _ in PEP_GROUPS],
    }
    tables = [suppression.hierarchical_table(by_agency, quarters, tree, ALL)]
    for source, nodes in ((by_type, flat["type"]), (by_outcome, flat["outcome"])):
        tables.append(suppression.hierarchical_table(source, quarters, {ALL: nodes}, ALL))
    tables.append(suppression.hierarchical_table(by_pep, quarters, {ALL: flat["pep"]}, ALL))
    request_values, request_relations = _merge(tables)
    requests_protected = suppression.protect(request_values, request_relations, threshold)

    alleg_nodes = [f"allegation:{c}" for c, _ in ALLEGATION_TYPES]
    alleg_values, alleg_relations = suppression.hierarchical_table(
        {(q, f"allegation:{c}"): n for (q, c), n in allegations.items()},
        quarters,
        {ALL: alleg_nodes},
        ALL,
    )
    alleg_protected = suppression.protect(alleg_values, alleg_relations, threshold)

    def cell(values: dict[Any, int], hidden: frozenset[Any], key: Any) -> dict[str, Any]:
        if key in hidden:
            return {"value": None, "suppressed": True}
        return {"value": values[key], "suppressed": False}

    def requests_cell(q: str, node: str) -> dict[str, Any]:
        return cell(request_values, requests_protected.suppressed, (q, node))

    def allegation_cell(q: str, node: str) -> dict[str, Any]:
        return cell(alleg_values, alleg_protected.suppressed, (q, node))

    def share(q: str) -> dict[str, Any]:
        bad, good = requests_cell(q, "pep:inconsistent"), requests_cell(q, "pep:consistent")
        if bad["suppressed"] or good["suppressed"]:
            return {"value": None, "suppressed": True}
        judged = bad["value"] + good["value"]
        return {"value": round(bad["value"] / judged, 4) if judged else None, "suppressed": False}

    columns = [*quarters, ALL]
    rows: list[dict[str, Any]] = []

    def emit(q: str, state: str, ori: str, name: str, measure: str, c: dict[str, Any]) -> None:
        rows.append(
            {
                "quarter": "all" if q == ALL else q,
                "state": state,
                "agency_ori": ori,
                "agency_name": name,
                "measure": measure,
                "value": c["value"],
                "suppressed": c["suppressed"],
            }
        )

    geo = [(ALL, "", "", ALL)]
    for node in tree[ALL]:
        s = node.split(":", 1)[1]
        geo.append((s, "", "", node))
        for agency_node in tree.get(node, []):
            ori = agency_node.split(":", 1)[1]
            geo.append((s, ori, agencies[ori]["name"], agency_node))
    for state, ori, name, node in geo:
        for q in columns:
            emit(q, state, ori, name, "transfer_requests", requests_cell(q, node))
    for group in ("type", "outcome", "pep"):
        for node in flat[group]:
            for q in columns:
                measure = f"transfer_requests_{group}_{node.split(':', 1)[1]}"
                emit(q, ALL, "", "", measure, requests_cell(q, node))
    for q in columns:
        emit(q, ALL, "", "", "transfer_requests_pep_inconsistent_share", share(q))
    for node in [ALL, *alleg_nodes]:
        measure = "allegation_type_mentions" if node == ALL else f"allegations_{node[11:]}"
        for q in columns:
            emit(q, ALL, "", "", measure, allegation_cell(q, node))

    type_labels = dict(TransferRequest.TYPES)
    outcome_labels = dict(TransferRequest.OUTCOMES)
    alleg_labels = dict(ALLEGATION_TYPES)
    quarter_headers = [*quarters, "All quarters"]

    def table(
        id_: str,
        caption: str,
        row_header: str,
        row_specs: list[tuple[str, Any, bool]],
        col_specs: list[tuple[str, Any]],
        getter: Any,
    ) -> dict[str, Any]:
        return {
            "id": id_,
            "caption": caption,
            "row_header": row_header,
            "columns": [label for label, _ in col_specs],
            "rows": [
                {
                    "label": label,
                    "total": total,
                    "cells": [_display(getter(rkey, ckey)) for _, ckey in col_specs],
                }
                for label, rkey, total in row_specs
            ],
        }

    by_quarter = [(q, q, False) for q in quarters] + [("All quarters", ALL, True)]
    state_label = {NO_AGENCY: "Agency not recorded"}
    page_tables = {
        "states": table(
            "requests-by-state",
            "Transfer requests by state of the holding agency and quarter",
            "State",
            [(state_label.get(n[6:], n[6:]), n, False) for n in tree[ALL]]
            + [("All states", ALL, True)],
            list(zip(quarter_headers, columns, strict=True)),
            lambda node, q: requests_cell(q, node),
        ),
        "agencies": [
            table(
                f"requests-{s.lower()}",
                f"Transfer requests by holding agency and quarter: {s}",
                "Agency",
                [(f"{agencies[n[7:]]['name']} ({n[7:]})", n, False) for n in tree[f"state:{s}"]]
                + [(f"All agencies in {s}", f"state:{s}", True)],
                list(zip(quarter_headers, columns, strict=True)),
                lambda node, q: requests_cell(q, node),
            )
            for s in states
        ],
        "types": table(
            "requests-by-type",
            "Transfer requests by quarter and type",
            "Quarter",
            by_quarter,
            [(type_labels[n[5:]], n) for n in flat["type"]] + [("All types", ALL)],
            requests_cell,
        ),
        "outcomes": table(
            "requests-by-outcome",
            "Transfer requests by quarter and outcome",
            "Quarter",
            by_quarter,
            [(outcome_labels[n[8:]], n) for n in flat["outcome"]] + [("All outcomes", ALL)],
            requests_cell,
        ),
        "pep": table(
            "requests-pep-review",
            "Transfer requests judged against the 2014 enforcement priorities, by quarter",
            "Quarter",
            by_quarter,
            [(label, f"pep:{code}") for code, label in PEP_GROUPS]
            + [("All requests", ALL), ("Share inconsistent", "share")],
            lambda q, node: share(q) if node == "share" else requests_cell(q, node),
        ),
        "allegations": table(
            "allegations-by-type",
            "Allegations received by quarter and type named",
            "Quarter",
            by_quarter,
            [(alleg_labels[n[11:]], n) for n in alleg_nodes] + [("All types named", ALL)],
            allegation_cell,
        ),
    }
    suppressed = len(requests_protected.suppressed) + len(alleg_protected.suppressed)
    points = [
        {"quarter": q, "requests": requests_cell(q, ALL)["value"]}
        for q in quarters
        if not requests_cell(q, ALL)["suppressed"]
    ]
    cells = len(request_values) + len(alleg_values)
    return _report(quarters, threshold, margin, rows, page_tables, points, cells, suppressed)


def _report(
    quarters: list[str],
    threshold: int,
    margin: int,
    rows: list[dict[str, Any]],
    tables: dict[str, Any],
    points: list[dict[str, Any]],
    cells: int,
    suppressed: int,
) -> dict[str, Any]:
    return {
        "metadata": {
            "title": "TransferWatch public transparency report",
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "period": {
                "first_quarter": quarters[0] if quarters else None,
                "last_quarter": quarters[-1] if quarters else None,
                "from": quarter_start(quarters[0]).isoformat() if quarters else None,
                "to_before": quarter_end(quarters[-1]).isoformat() if quarters else None,
            },
            "suppression": {
                "threshold": threshold,
                "protection_margin": margin,
                "zeros": "published",
                "method": METHOD.format(t_minus=threshold - 1, margin=margin),
                "cells": cells,
                "suppressed_cells": suppressed,
                "marker": "value null and suppressed true",
            },
            "notes": NOTES,
        },
        "measures": _measures(),
        "rows": rows,
        "tables": tables,
        "chart_points": points,
    }


def _display(c: dict[str, Any]) -> dict[str, Any]:
    if c["suppressed"]:
        text = "S"
    elif c["value"] is None:
        text = "n/a"
    elif isinstance(c["value"], float):
        text = f"{c['value']:.1%}"
    else:
        text = f"{c['value']:,}"
    return {**c, "display": text}


def _measures() -> dict[str, str]:
    measures = {"transfer_requests": "Transfer requests"}
    for code, label in TransferRequest.TYPES:
        measures[f"transfer_requests_type_{code}"] = f"Transfer requests: {label}"
    for code, label in TransferRequest.OUTCOMES:
        measures[f"transfer_requests_outcome_{code}"] = f"Transfer requests with outcome: {label}"
    for code, label in PEP_GROUPS:
        measures[f"transfer_requests_pep_{code}"] = f"Transfer requests: {label}"
    measures["transfer_requests_pep_inconsistent_share"] = (
        "Share of requests judged under the 2014 priorities found inconsistent"
    )
    measures["allegation_type_mentions"] = "Allegation types named (all types)"
    for code, label in ALLEGATION_TYPES:
        measures[f"allegations_{code}"] = f"Allegations naming: {label}"
    return measures


CSV_COLUMNS = ["quarter", "state", "agency_ori", "agency_name", "measure", "value", "suppressed"]
