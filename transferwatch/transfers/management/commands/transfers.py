"""`transferwatch transfers summary --by quarter[,facility|,type|,lift_reason] [--json OUT]`.

Counts of transfer requests (imported or not) per calendar quarter (2015Q3: July to September, not
ICE's fiscal year) and optionally one more key, as an aligned table and, with --json, a file
{"by": [...], "rows": [{"quarter": "2015Q3", "<key>": ..., "count": n}, ...], "total": n}.
Facility rows also carry the facility's "state": a facility's name is unique only within a state.
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
SECOND_KEYS = {"facility": "facility__name", "type": "request_type", "lift_reason": "lift_reason"}


class Command(BaseCommand):
    help = "Summaries of transfer requests: `transfers summary --by quarter[,facility|,type|,lift_reason]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        summary = sub.add_parser("summary", help="counts per quarter, optionally by a second key")
        summary.add_argument(
            "--by",
            default="quarter",
            help="quarter, or quarter and one of facility, type, lift_reason (e.g. quarter,type)",
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
        keys = [*by, "state"] if "facility" in by else by
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
    if (
        not keys
        or keys[0] != "quarter"
        or len(keys) > 2
        or any(k not in SECOND_KEYS for k in keys[1:])
    ):
        raise CommandError(
            f"--by {value!r}: use quarter, or quarter and one of {', '.join(SECOND_KEYS)} "
            "(e.g. --by quarter,lift_reason)",
            returncode=2,
        )
    return keys


def summary_rows(by: list[str]) -> list[dict[str, Any]]:
    """One dict per group: quarter ("2015Q3"), the second key's value ("" when empty), count."""
    second = by[1] if len(by) > 1 else None
    fields: dict[str, Any] = {
        "year": ExtractYear("request_date"),
        "q": ExtractQuarter("request_date"),
    }
    if second:
        fields["key"] = F(SECOND_KEYS[second])
    if second == "facility":  # names are unique only within a state
        fields["state"] = F("facility__state")
    counted = TransferRequest.objects.order_by().values(**fields).annotate(count=Count("pk"))
    # Sorted here, not in SQL: NULL and text order differ between SQLite and PostgreSQL.
    groups = sorted(
        counted, key=lambda g: (g["year"], g["q"], g.get("key") or "", g.get("state") or "")
    )
    rows = []
    for group in groups:
        row: dict[str, Any] = {"quarter": f"{group['year']}Q{group['q']}"}
        if second:
            row[second] = group["key"] or ""
        if second == "facility":
            row["state"] = group["state"] or ""
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
