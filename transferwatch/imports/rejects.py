"""Rejected rows: one line per problem, naming the file's row, the column and the value."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Reject:
    row: int  # the row's line number in the file (the header is line 1)
    column: str
    value: str
    problem: str
    sheet: str = ""  # the workbook's sheet; "" for a CSV file

    def describe(self, file_name: str) -> str:
        where = f"{file_name}, sheet {self.sheet!r}" if self.sheet else file_name
        return (
            f"{where}, row {self.row}, column {self.column}: {self.problem} (value {self.value!r})"
        )


def write_rejects(path: Path, rejects: Iterable[Reject]) -> int:
    """Write the rejects report atomically (temporary file, then rename); returns its line count.

    Rows of a workbook name their sheet in a first column `sheet`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    rejects = list(rejects)
    sheets = any(r.sheet for r in rejects)
    count = 0
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sheet"] * sheets + ["row", "column", "value", "problem"])
        for reject in rejects:
            line = [reject.row, reject.column, reject.value, reject.problem]
            writer.writerow([reject.sheet, *line] if sheets else line)
            count += 1
    os.replace(tmp, path)
    return count
