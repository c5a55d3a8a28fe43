"""`transferwatch synth --out DIR`: synthetic agencies and bookings with planted misuse (and a truth file)."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from transferwatch.analytics import synth
from transferwatch.analytics import synth_parameters as params


def _bad(option: str, message: str) -> CommandError:
    return CommandError(f"--{option}: {message}", returncode=2)


def _date(option: str, value: str | date) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad(option, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _plants(values: list[str]) -> dict[str, int]:
    plants: dict[str, int] = {}
    for value in values:
        kind, sep, count = (part.strip() for part in value.partition("="))
        if not sep or not count.isdigit():
            raise _bad("plant", f"{value!r} is not KIND=COUNT (e.g. pretext=3)")
        if kind in plants:
            raise _bad("plant", f"{kind} is given twice")
        plants[kind] = int(count)
    return plants


def _writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise _bad("out", f"cannot write to {out}: {exc.strerror or exc}") from None


class Command(BaseCommand):
    help = (
        "Write synthetic agencies and bookings (CONTRACTS.md section 2) into DIR, with misuse planted "
        "in some agencies (listed in DIR/truth.json), and optionally priority cases (cases.jsonl). "
        "The same arguments always write the same bytes."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="folder to write into")
        parser.add_argument("--agencies", type=int, default=200, help="number of agencies")
        parser.add_argument("--start", default="2014-01-01", help="first booking date")
        parser.add_argument("--end", default="2016-12-31", help="last booking date")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--plant",
            action="extend",
            nargs="+",
            default=[],
            metavar="KIND=COUNT",
            help=f"plant misuse in COUNT agencies; KIND is one of {', '.join(params.PLANT_KINDS)}",
        )
        parser.add_argument("--format", default="csv", help="csv (default) or parquet")
        parser.add_argument("--cases", type=int, default=0, help="also write N priority cases")
        parser.add_argument(
            "--bookings", type=int, default=None, help="approximate total number of bookings"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = Path(options["out"])
        arguments: dict[str, Any] = {
            "agencies": options["agencies"],
            "start": _date("start", options["start"]),
            "end": _date("end", options["end"]),
            "plants": _plants(list(options["plant"])),
            "fmt": options["format"],
            "cases": options["cases"],
            "bookings": options["bookings"],
        }
        try:
            synth.check_arguments(**arguments)
        except synth.SynthArgumentError as exc:
            raise _bad(exc.option, str(exc)) from None
        _writable(out)
        began = time.perf_counter()
        with Progress(
            TextColumn("generating"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} steps"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not sys.stderr.isatty(),
            transient=True,
        ) as bar:
            task = bar.add_task("synth", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = synth.generate(out, seed=options["seed"], progress=progress, **arguments)
        kinds = [kind for _, kind in summary.planted]
        planted = ", ".join(f"{k} {kinds.count(k)}" for k in params.PLANT_KINDS if k in kinds)
        cases = f", {summary.cases:,} cases" if summary.cases else ""
        self.stdout.write(
            f"wrote {summary.agencies:,} agencies and {summary.bookings:,} bookings "
            f"({len(kinds)} planted{': ' + planted if planted else ''}){cases} to {out} "
            f"in {time.perf_counter() - began:.1f} s"
        )
