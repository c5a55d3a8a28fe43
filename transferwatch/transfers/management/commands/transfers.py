"""`transferwatch transfers summary --by [quarter][,KEY] [--json OUT]`.

Counts of transfer requests (imported or not) per calendar quarter (2015Q3: July to September, not
ICE's fiscal year), per quarter and one more key, or per key over the whole period, as an aligned
table and, with --json, a file {"by": [...], "rows": [{"quarter": "2015Q3", "<key>": ...,
"count": n}, ...], "total": n}. Keys: facility, agency, type, criminality, lift_reason, layout
(the release layout the request came in; empty for requests entered or sent through the API).
Facility rows also carry the facility's "state": a facility's name is unique only within a state;
agency rows carry the ORI (empty: a facility not matched to an agency).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, F
from django.db.models.functions import ExtractQuarter, ExtractYear

from transferwatch.transfers.models import TransferRequest

# --by key -> the field it groups on
SECOND_KEYS = {
    "facility": "facility__name",
    "agency": "agency__ori",
    "type": "request_type",
    "criminality": "criminality",
    "lift_reason": "lift_reason",
    "layout": "imported_by__file_format",
}


class Command(BaseCommand):
    help = "Summaries of transfer requests: `transfers summary --by [quarter][,KEY]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        summary = sub.add_parser(
            "summary", help="counts per quarter, per key over the whole period, or both"
        )
        summary.add_argument(
            "--by",
            default="quarter",
            help=f"quarter, one of {', '.join(SECOND_KEYS)}, or quarter and one of them "
            "(e.g. quarter,criminality)",
        )
        summary.add_argument(
            "--json", type=Path, dest="json_out", help="also write the counts here"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        by = parse_by(options["by"])
        rows = summary_rows(by)
        total = sum(row["count"] for row in rows)
        if options["json_out"]:
            write_json(options["json_out"], {"by": by, "rows": rows, "total": total})
        self.print_table(by, rows, total)
        if options["json_out"]:
            self.stdout.write(f"written: {options['json_out']}")

    def print_table(self, by: list[str], rows: list[dict[str, Any]], total: int) -> None:
        keys = [*by, "state"] if "facility" in by else [*by, "name"] if "agency" in by else by
        header = [*keys, "count"]
        lines = [[_cell(row[k]) for k in keys] + [f"{row['count']:,}"] for row in rows]
        lines.append(["total", *[""] * (len(keys) - 1), f"{total:,}"])
        widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

        def fmt(cells: list[str]) -> str:
            text = "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths, strict=False))
            return f"{text}  {cells[-1].rjust(widths[-1])}"

        self.stdout.write(fmt(header))
        self.stdout.write("  ".join("-" * w for w in widths))
        for line in lines[:-1]:
            self.stdout.write(fmt(line))
        self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write(fmt(lines[-1]))


def parse_by(value: str) -> list[str]:
    keys = [k.strip() for k in value.split(",") if k.strip()]
    alone = len(keys) == 1 and (keys[0] == "quarter" or keys[0] in SECOND_KEYS)
    paired = len(keys) == 2 and keys[0] == "quarter" and keys[1] in SECOND_KEYS
    if not (alone or paired):
        raise CommandError(
            f"--by {value!r}: use quarter, one of {', '.join(SECOND_KEYS)}, or quarter and one "
            "of them (e.g. --by quarter,lift_reason or --by criminality)",
            returncode=2,
        )
    return keys


def summary_rows(by: list[str]) -> list[dict[str, Any]]:
    """One dict per group: quarter ("2015Q3") if asked, the key's value ("" when empty), count."""
    quarterly = by[0] == "quarter"
    second = by[-1] if by[-1] != "quarter" else None
    fields: dict[str, Any] = {}
    if quarterly:
        fields = {"year": ExtractYear("request_date"), "q": ExtractQuarter("request_date")}
    if second:
        fields["key"] = F(SECOND_KEYS[second])
    if second == "facility":  # names are unique only within a state
        fields["state"] = F("facility__state")
    if second == "agency":
        fields["state"] = F("agency__name")
    counted = TransferRequest.objects.order_by().values(**fields).annotate(count=Count("pk"))
    # Sorted here, not in SQL: NULL and text order differ between SQLite and PostgreSQL.
    groups = sorted(
        counted,
        key=lambda g: (
            g.get("year", 0),
            g.get("q", 0),
            g.get("key") or "",
            g.get("state") or "",
        ),
    )
    rows = []
    for group in groups:
        row: dict[str, Any] = {"quarter": f"{group['year']}Q{group['q']}"} if quarterly else {}
        if second:
            row[second] = group["key"] or ""
        if second == "facility":
            row["state"] = group["state"] or ""
        if second == "agency":
            row["name"] = group["state"] or ""
        row["count"] = group["count"]
        rows.append(row)
    return rows


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically: a temporary file in the same folder, then a rename over the target."""
    folder = path.resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _cell(value: Any) -> str:
    return str(value) if value not in ("", None) else "(none)"
