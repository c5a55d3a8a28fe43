"""A mapping (`mapping.py`) as DuckDB SQL: the source file in, the staged contract table out.

`stage_mapped` leaves the same `staged_rows` / `staged` tables as `analytics.warehouse.stage`,
so the contract's checks, the rejects report and the warehouse commit are the ones every bookings
import goes through. Row numbers are the source file's (the header is row 1; a booking made of
several rows has the number of its first row). No Python runs per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from transferwatch.analytics import warehouse as wh
from transferwatch.analytics.contract import quote
from transferwatch.imports.mapping import (
    Condition,
    Group,
    Layout,
    Mapping,
    MappingError,
    Rule,
    Spec,
)

PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
SHOW_VALUES = 8


@dataclass(frozen=True)
class Unmapped:
    """Source values a value map does not cover, with the rows that have them."""

    target: str
    source: str
    values: tuple[tuple[str, int], ...]
    refused: bool

    def describe(self) -> str:
        shown = ", ".join(f"{v!r} ({_rows(n)})" for v, n in self.values[:SHOW_VALUES])
        more = ", ..." if len(self.values) > SHOW_VALUES else ""
        values = f"{len(self.values):,} value{'s' if len(self.values) != 1 else ''}"
        total = _rows(sum(n for _, n in self.values))
        return (
            f"{self.target} (from {self.source}): {values} not in the map, {total}: {shown}{more}"
        )


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


@dataclass(frozen=True)
class Staged:
    present: frozenset[str]
    layout: str
    source_rows: int
    unmapped: tuple[Unmapped, ...]
    unit: str  # "stop" when the mapping records stops, else "booking" (for messages)


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_csv_sql(path: Path, delimiter: str) -> str:
    return (
        f"read_csv({quote(str(path))}, header = true, all_varchar = true, "
        f"delim = {quote(delimiter)}, quote = '\"', escape = '\"', encoding = 'utf-8')"
    )


def header_of(con: duckdb.DuckDBPyConnection, path: Path, delimiter: str, name: str) -> list[str]:
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {read_csv_sql(path, delimiter)}")  # noqa: S608
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise wh.InputProblem(f"{name}: cannot be read as CSV: {first}") from None
    return [str(row[0]) for row in described.fetchall()]


class _Builder:
    """SQL expressions over table `source` for one layout and one file's header."""

    def __init__(self, mapping: Mapping, layout: Layout, header: list[str], name: str) -> None:
        self.mapping, self.layout, self.name = mapping, layout, name
        self.header = {h.strip().lstrip("\ufeff").lower(): h for h in header}
        self.shown_header = ", ".join(h.strip().lstrip("\ufeff") for h in header)
        self.ori_sql = "NULL"

    def column(self, wanted: str, key: str) -> str:
        found = self.header.get(wanted.strip().lower())
        if found is None:
            raise MappingError(
                f"{self.mapping.path.name}: {key}: no column {wanted!r} in {self.name} "
                f"(the header has {self.shown_header})"
            )
        return ident(found)

    def first_column(self, spec: Spec) -> tuple[str, str]:
        for wanted in spec.columns:
            if wanted.strip().lower() in self.header:
                return self.column(wanted, spec.key), wanted
        tried = " or ".join(repr(c) for c in spec.columns)
        raise MappingError(
            f"{self.mapping.path.name}: {spec.key}: no column {tried} in {self.name} "
            f"(the header has {self.shown_header})"
        )

    def raw(self, spec: Spec) -> tuple[str, str]:
        """(expression, what it is called in messages) before translation."""
        if spec.value is not None:
            return quote(spec.value), "a fixed value"
        if spec.sql:
            return f"({spec.sql})", "its sql"
        if spec.template:
            parts, at = [], 0
            for m in PLACEHOLDER.finditer(spec.template):
                if m.start() > at:
                    parts.append(quote(spec.template[at : m.start()]))
                inner = m.group(1)
                parts.append(self.ori_sql if inner == "@ori" else self.column(inner, spec.key))
                at = m.end()
            if at < len(spec.template):
                parts.append(quote(spec.template[at:]))
            return "(" + " || ".join(parts or ["''"]) + ")", "its template"
        return self.first_column(spec)

    def rule(self, rule: Rule, value: str, key: str) -> str:
        subject = self.column(rule.column, key) if rule.column else value
        if rule.like:
            return f"{subject} ILIKE {quote(rule.like)}"
        return f"regexp_matches({subject}, {quote(rule.regex)}, 'i')"

    def translate(self, spec: Spec, value: str, with_default: bool) -> str:
        """The value map and rules on one value; NULL when nothing covers it (before default)."""
        if not spec.translated:
            return value
        whens = [
            f"WHEN {self.rule(r, value, f'{spec.key}.match[{i}]')} THEN {quote(r.value)}"
            for i, r in enumerate(spec.match)
        ]
        by_target: dict[str, list[str]] = {}
        for source, target in spec.map.items():
            by_target.setdefault(target, []).append(quote(source))
        whens += [
            f"WHEN upper({value}) IN ({', '.join(sources)}) THEN {quote(target)}"
            for target, sources in by_target.items()
        ]
        fallback = quote(spec.default) if with_default and spec.default is not None else "NULL"
        return f"(CASE WHEN {value} IS NULL THEN NULL {' '.join(whens)} ELSE {fallback} END)"

    def elements(self, spec: Spec, value: str) -> str:
        return (
            f"list_transform(string_split({value}, {quote(spec.split)}), "
            "lambda _x: NULLIF(trim(_x), ''))"
        )

    def expression(self, spec: Spec) -> str:
        value, _ = self.raw(spec)
        if spec.dates:
            parsed = ", ".join(f"try_strptime({value}, {quote(f)})" for f in spec.dates)
            return f"coalesce(strftime(CAST(coalesce({parsed}) AS DATE), '%Y-%m-%d'), {value})"
        if not spec.split:
            return f"NULLIF({self.translate(spec, value, True)}, '')"
        mapped = (
            f"list_filter(list_transform({self.elements(spec, value)}, "
            f"lambda _x: {self.translate(spec, '_x', True)}), lambda _m: _m IS NOT NULL AND _m <> '')"
        )
        distinct = f"coalesce(len(list_distinct({mapped})), 0)"
        several = quote(spec.several) if spec.several is not None else f"{mapped}[1]"
        fallback = (
            f"CASE WHEN {distinct} = 0 THEN NULL WHEN {distinct} = 1 THEN {mapped}[1] "
            f"ELSE {several} END"
        )
        if not spec.priority:
            return f"({fallback})"
        firsts = " ".join(
            f"WHEN list_contains({mapped}, {quote(p)}) THEN {quote(p)}" for p in spec.priority
        )
        return f"(CASE {firsts} ELSE {fallback} END)"

    def unmapped_sql(self, spec: Spec) -> str | None:
        """(value, rows) the map leaves uncovered; None when a default covers everything."""
        if not spec.translated or spec.default is not None:
            return None
        value, _ = self.raw(spec)
        if spec.split:
            return (
                f"SELECT _el, count(DISTINCT _row) AS _n FROM (SELECT *, "  # noqa: S608
                f"unnest({self.elements(spec, value)}) AS _el FROM source) "
                f"WHERE _el IS NOT NULL AND {self.translate(spec, '_el', False)} IS NULL "
                "GROUP BY _el ORDER BY _n DESC, _el"
            )
        return (
            f"SELECT {value} AS v, count(*) AS n FROM source WHERE {value} IS NOT NULL "  # noqa: S608
            f"AND {self.translate(spec, value, False)} IS NULL GROUP BY v ORDER BY n DESC, v"
        )

    def condition(self, cond: Condition | None) -> str:
        if cond is None:
            return "false"
        return f"coalesce({self.rule(Rule('', cond.like, cond.regex, cond.column), '', 'group.not_ranked')}, false)"


def _with_agency(layout: Layout, ori: str, mapping: Mapping, name: str) -> tuple[Spec, ...]:
    """The layout's columns with the agency given on the command line, if any."""
    specs = list(layout.specs)
    given = next((s for s in specs if s.target == "ori"), None)
    if ori:
        if given is not None and given.value is None:
            raise MappingError(
                f"{name}: the agency comes from the file ({mapping.path.name}: {given.key}); "
                "--ori is for files without an agency column"
            )
        specs = [s for s in specs if s.target != "ori"] + [Spec("--ori", "ori", value=ori)]
    elif given is None:
        raise MappingError(
            f"{name}: {mapping.name} ({layout.name}) takes the agency from no column: "
            "give the agency's ORI with --ori"
        )
    return tuple(specs)


def stage_mapped(
    con: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping, ori: str, name: str
) -> Staged:
    """Load `path` through `mapping` into `staged_rows` / `staged`, refusing unmapped values.

    `path` must be UTF-8 by now (see `textfile.readable`). Raises MappingError for the mapping,
    InputProblem for the file (including values a map leaves uncovered without
    `unmapped = "unknown"`).
    """
    header = header_of(con, path, mapping.layouts[0].delimiter, name)
    layout = mapping.choose(header, name)
    if layout.delimiter != mapping.layouts[0].delimiter:
        header = header_of(con, path, layout.delimiter, name)
    b = _Builder(mapping, layout, header, name)
    specs = tuple(
        s
        for s in _with_agency(layout, ori, mapping, name)
        if not (s.optional and s.columns and not any(c.lower() in b.header for c in s.columns))
    )
    cleaned = ", ".join(f"NULLIF(trim({ident(h)}), '') AS {ident(h)}" for h in header)
    try:
        # Insertion order is preserved: a row's rowid is its place in the file (header row 1).
        con.execute(
            f"CREATE OR REPLACE TABLE source_rows AS SELECT {cleaned} "  # noqa: S608
            f"FROM {read_csv_sql(path, layout.delimiter)}"
        )
        con.execute(
            "CREATE OR REPLACE TEMP VIEW source AS SELECT rowid + 2 AS _row, * FROM source_rows"
        )
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise wh.InputProblem(f"{name}: cannot be read as CSV: {first}") from None
    ori_spec = next(s for s in specs if s.target == "ori")
    b.ori_sql = b.expression(ori_spec)
    exprs = {s.target: (s, _bound(con, b, s, header)) for s in specs}
    unmapped = _unmapped(con, b, specs)
    refused = [u for u in unmapped if u.refused]
    if refused:
        lines = "\n".join("  " + u.describe() for u in refused)
        raise wh.InputProblem(
            f"{name}: values the mapping ({mapping.path.name}) does not cover; nothing imported. "
            f'Add them to the map, or say unmapped = "unknown" to import them as unknown:\n{lines}'
        )
    if layout.group is None:
        select = ", ".join(f"{e} AS {ident(t)}" for t, (_, e) in exprs.items())
        body = f"SELECT _row, {select} FROM source"  # noqa: S608
    else:
        body = _grouped(b, layout.group, exprs)
    con.execute(f"CREATE OR REPLACE TABLE staged_rows AS {body} ORDER BY _row")
    con.execute("CREATE OR REPLACE TEMP VIEW staged AS SELECT * FROM staged_rows")
    rows = con.execute("SELECT count(*) FROM source").fetchone()
    encounter = next((s.value for s in specs if s.target == "encounter"), None)
    return Staged(
        frozenset(exprs),
        layout.name,
        int(rows[0]) if rows else 0,
        tuple(unmapped),
        "stop" if encounter == "stop" else "booking",
    )


def _bound(con: duckdb.DuckDBPyConnection, b: _Builder, spec: Spec, header: list[str]) -> str:
    """The spec's expression, tried once so a wrong sql or regex is named with its key."""
    expr = b.expression(spec)
    try:
        con.execute(f"SELECT {expr} FROM source LIMIT 0")  # noqa: S608
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise MappingError(
            f"{b.mapping.path.name}: {spec.key}: {first} (the header has {b.shown_header})"
        ) from None
    return expr


def _unmapped(
    con: duckdb.DuckDBPyConnection, b: _Builder, specs: tuple[Spec, ...]
) -> list[Unmapped]:
    found = []
    for spec in specs:
        sql = b.unmapped_sql(spec)
        if sql is None:
            continue
        values = tuple((str(v), int(n)) for v, n in con.execute(sql).fetchall())
        if values:
            found.append(Unmapped(spec.target, b.raw(spec)[1], values, not spec.unmapped_unknown))
    return found


def _grouped(b: _Builder, group: Group, exprs: dict[str, tuple[Spec, str]]) -> str:
    rank = f"TRY_CAST({b.column(group.rank, 'group.rank')} AS DOUBLE)" if group.rank else "0"
    by = ident(group.by)
    columns = ", ".join(f"{e} AS {ident(t)}" for t, (_, e) in exprs.items())
    parts = []
    for target, (spec, _) in exprs.items():
        if target == group.by:
            continue
        c = ident(target)
        pick = "_top" if spec.aggregate == "most_serious" else "_first"
        value = f"max({c}) FILTER (WHERE {pick} = 1)"
        if spec.if_any is not None:
            value = f"CASE WHEN bool_or({c} = {quote(spec.if_any)}) THEN {quote(spec.if_any)} ELSE {value} END"
        parts.append(f"{value} AS {c}")
    return (
        f"WITH r AS (SELECT _row, {columns}, {rank} AS _rank, "  # noqa: S608
        f"{b.condition(group.not_ranked)} AS _unranked FROM source), "
        f"o AS (SELECT *, row_number() OVER (PARTITION BY {by} ORDER BY _row) AS _first, "
        f"row_number() OVER (PARTITION BY {by} ORDER BY _unranked, _rank DESC NULLS LAST, _row) "
        f"AS _top FROM r) "
        f"SELECT min(_row) AS _row, {by}, {', '.join(parts)} FROM o GROUP BY {by}"
    )
