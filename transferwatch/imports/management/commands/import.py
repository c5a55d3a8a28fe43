"""`transferwatch import agencies|bookings|detainers FILE`: bring a file in, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from transferwatch.imports.layouts import FORMAT_CHOICES
from transferwatch.imports.mapping import Mapping, MappingError, load, load_profile, profiles
from transferwatch.imports.models import Import
from transferwatch.imports.services import (
    ImportInputError,
    classification_message,
    classify_imported,
)

SHOW_ERRORS = 20


class Command(BaseCommand):
    help = (
        "Import agencies or bookings (CSV or Parquet, CONTRACTS.md section 2) or an ICE detainer "
        "release. Bookings in a published layout (RIPA, Open Policing, a jail extract) come in "
        "through --profile or --mapping. A file with any invalid row imports nothing (exit 2) "
        "unless --skip-invalid."
    )
    # Django's system checks import every URL module and view (about 3 s here) and say nothing
    # about a file: `transferwatch check` runs them; an import need not wait for them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        for kind in ("agencies", "bookings", "detainers"):
            p = sub.add_parser(kind, help=f"import a {kind} file")
            p.add_argument("file", type=Path)
            p.add_argument(
                "--skip-invalid",
                action="store_true",
                help="import the valid rows; the invalid ones go to the rejects file",
            )
            if kind == "bookings":
                _mapping_options(p)
            if kind == "detainers":
                p.add_argument(
                    "--format",
                    choices=FORMAT_CHOICES,
                    default=None,
                    help="the release's layout; recognised from the header when left out",
                )
        # A crosswalk is small and all or nothing: no --skip-invalid.
        p = sub.add_parser("facilities", help="import a crosswalk of facilities to agencies (CSV)")
        p.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        console = Console(stderr=True)
        with Progress(
            TextColumn(f"importing {options['kind']}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not sys.stderr.isatty(),
            transient=True,
        ) as bar:
            task = bar.add_task("import", total=None)

            def progress(done: int, total: int | None = None) -> None:
                bar.update(task, completed=done, total=total)

            try:
                imp = self.run(options, path, progress)
            except ImportInputError as exc:
                raise CommandError(str(exc), returncode=2) from None
            counts = classify_imported(imp, progress)
        self.report(imp)
        if counts:
            self.stdout.write(classification_message(counts))

    def run(self, options: dict[str, Any], path: Path, progress: Any) -> Import:
        kind = options["kind"]
        if kind == "facilities":
            from transferwatch.imports.facilities import import_facilities

            return import_facilities(path, progress=progress)
        if kind == "detainers":
            from transferwatch.imports.detainers import import_detainers

            return import_detainers(
                path, options["format"], skip_invalid=options["skip_invalid"], progress=progress
            )
        from transferwatch.imports.warehouse import import_agencies, import_bookings

        if kind == "agencies":
            return import_agencies(path, skip_invalid=options["skip_invalid"], progress=progress)
        return import_bookings(
            path,
            skip_invalid=options["skip_invalid"],
            progress=progress,
            mapping=_mapping(options),
            ori=options["ori"] or "",
            encoding=options["encoding"] or "",
        )

    def report(self, imp: Import) -> None:
        for line in imp.details.get("first_errors", [])[:SHOW_ERRORS]:
            self.stderr.write(line)
        if imp.rows_rejected and imp.rejects_path.exists():
            problems = imp.details.get("problems", imp.rows_rejected)
            self.stderr.write(
                f"all {problems:,} problems in {imp.rows_rejected:,} rows: {imp.rejects_path}"
            )
        if imp.status == "rejected":
            raise CommandError(imp.message, returncode=2)
        if imp.status == "failed":
            raise CommandError(imp.message, returncode=1)
        self.stdout.write(imp.message)


def _mapping_options(p: CommandParser) -> None:
    choose = p.add_mutually_exclusive_group()
    choose.add_argument(
        "--profile",
        choices=profiles(),
        help="read a published layout through a shipped mapping: "
        + "; ".join(f"{name}: {load_profile(name).description}" for name in profiles()),
    )
    choose.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE.toml",
        help="read any other layout through a mapping file (docs/data.md, 'Local police data')",
    )
    p.add_argument(
        "--ori",
        metavar="ORI",
        help="the agency of every row, for a file without an agency column (with a mapping)",
    )
    p.add_argument(
        "--encoding",
        metavar="NAME",
        help="the file's encoding when not UTF-8 (e.g. cp1252), or 'auto' to detect it; "
        "a file that is not UTF-8 is otherwise refused, naming the encoding it appears to be in",
    )


def _mapping(options: dict[str, Any]) -> Mapping | None:
    try:
        if options.get("profile"):
            return load_profile(options["profile"])
        if options.get("mapping"):
            return load(options["mapping"])
    except MappingError as exc:
        raise CommandError(str(exc), returncode=2) from None
    return None
