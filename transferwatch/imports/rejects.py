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

    def describe(self, file_name: str) -> str:
        return f"{file_name}, row {self.row}, column {self.column}: {self.problem} (value {self.value!r})"


def write_rejects(path: Path, rejects: Iterable[Reject]) -> int:
    """Write the rejects report atomically (temporary file, then rename); returns its line count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    count = 0
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "value", "problem"])
        for reject in rejects:
            writer.writerow([reject.row, reject.column, reject.value, reject.problem])
            count += 1
    os.replace(tmp, path)
    return count
