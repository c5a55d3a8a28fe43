"""`transferwatch packet --quarter 2015Q3 --out FILE.pdf`: the quarterly packet as PDF or HTML."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from transferwatch.audit.services import record
from transferwatch.reports import packet
from transferwatch.reports.quarters import Quarter, QuarterError
from transferwatch.reports.services import write_atomic

FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}


class Command(BaseCommand):
    help = (
        "Build the quarterly CRCL/ICE packet for a quarter and write it as PDF or HTML (chosen "
        "by the extension of --out). Exit 2 on bad input, 1 on failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quarter", required=True, help="the quarter, e.g. 2015Q3")
        parser.add_argument("--out", type=Path, required=True, help="FILE.pdf or FILE.html")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            quarter = Quarter.parse(options["quarter"])
        except QuarterError as exc:
            raise CommandError(f"--quarter: {exc}", returncode=2) from None
        out: Path = options["out"]
        kind = FORMATS.get(out.suffix.lower())
        if kind is None:
            raise CommandError(
                f"--out: {out} must end in .pdf or .html (the format follows the extension)",
                returncode=2,
            )
        if not out.parent.resolve().is_dir():
            raise CommandError(f"--out: the folder {out.parent} does not exist", returncode=2)
        with Progress(
            TextColumn(f"packet {quarter.label}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}% {task.description}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not sys.stderr.isatty(),
            transient=True,
        ) as bar:
            task = bar.add_task("starting", total=100)

            def progress(percent: int, what: str) -> None:
                bar.update(task, completed=percent, description=what)

            try:
                built = packet.build(quarter, progress, pdf=kind == "pdf")
                data = built.pdf if kind == "pdf" and built.pdf else built.html.encode("utf-8")
                write_atomic(out, data)
            except OSError as exc:
                raise CommandError(
                    f"cannot write {out}: {exc.strerror or exc}", returncode=1
                ) from None
            except Exception as exc:
                raise CommandError(
                    f"the packet could not be built: {type(exc).__name__}: {exc}", returncode=1
                ) from exc
            bar.update(task, completed=100, description="done")
        record(
            "reports.packet.written",
            object_type="reports.packet",
            object_id=quarter.label,
            changes={"quarter": quarter.label, "format": kind, "bytes": len(data)},
        )
        pages = f", {built.pages} pages" if built.pages else ""
        self.stdout.write(f"packet {quarter.label}: {out} ({len(data):,} bytes{pages})")
