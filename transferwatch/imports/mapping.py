"""Mappings: how a published file becomes the bookings contract (CONTRACTS.md section 2), as data.

A mapping is a TOML file. It says, for each contract column, where the value comes from (a source
column, a fixed value, a template or a DuckDB expression) and how it is translated (a value map,
pattern rules, a date format, several values in one cell). It may gather several rows into one
booking (`[group]`) and may hold several layouts of the same source, recognised from the header.
Profiles are mappings shipped in `profiles/`. The SQL is built in `mapping_sql`; this module only
reads and checks the file, so every mistake is named with the file and the key before any data
is read. The format is described in docs/data.md ("Local police data: profiles and mappings").
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transferwatch.analytics import contract

PROFILE_DIR = Path(__file__).parent / "profiles"
BOOKING_FIELDS = tuple(c.name for c in contract.BOOKING_COLUMNS)
SOURCES = ("column", "value", "template", "sql")
SPEC_KEYS = frozenset(
    {
        *SOURCES,
        "map",
        "match",
        "default",
        "unmapped",
        "split",
        "priority",
        "several",
        "date",
        "aggregate",
        "if_any",
        "optional",
    }
)
LAYOUT_KEYS = frozenset({"name", "header", "delimiter", "group", "columns"})
TOP_KEYS = frozenset({"description", "layout", "encoding"}) | LAYOUT_KEYS
AGGREGATES = ("first", "most_serious")


class MappingError(Exception):
    """The mapping file itself is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Rule:
    """A pattern rule: when `column` (the spec's own source column if empty) matches, `value`."""

    value: str
    like: str = ""
    regex: str = ""
    column: str = ""


@dataclass(frozen=True)
class Spec:
    """How one contract column is made from the source."""

    key: str  # e.g. "columns.race", for messages
    target: str
    columns: tuple[str, ...] = ()  # alternatives: the first the header has
    value: str | None = None
    template: str = ""
    sql: str = ""
    map: dict[str, str] = field(default_factory=dict)
    match: tuple[Rule, ...] = ()
    default: str | None = None
    unmapped_unknown: bool = False
    split: str = ""
    priority: tuple[str, ...] = ()
    several: str | None = None
    dates: tuple[str, ...] = ()
    aggregate: str = "first"
    if_any: str | None = None
    optional: bool = False  # a column the source may lack: then the contract column is empty

    @property
    def translated(self) -> bool:
        return bool(self.map or self.match or self.default is not None)


@dataclass(frozen=True)
class Condition:
    column: str
    like: str = ""
    regex: str = ""


@dataclass(frozen=True)
class Group:
    """Several rows (e.g. charges) into one booking: the most serious row by `rank` wins."""

    by: str
    rank: str = ""
    not_ranked: Condition | None = None


@dataclass(frozen=True)
class Layout:
    name: str
    header: tuple[str, ...]
    delimiter: str
    specs: tuple[Spec, ...]
    group: Group | None


@dataclass(frozen=True)
class Mapping:
    name: str  # profile name or file name, for messages
    path: Path
    text: str  # the file as read, part of the import's identity
    description: str
    encoding: str  # "" (UTF-8), "auto" or a codec name; --encoding overrides it
    layouts: tuple[Layout, ...]

    def choose(self, header: list[str], file_name: str) -> Layout:
        """The first layout whose `header` columns the file's header has (case-insensitive)."""
        have = {h.strip().lstrip("\ufeff").lower() for h in header}
        for layout in self.layouts:
            if all(c.lower() in have for c in layout.header):
                return layout
        if len(self.layouts) == 1:
            return self.layouts[0]
        wanted = "; ".join(f"{la.name}: {', '.join(la.header)}" for la in self.layouts)
        raise MappingError(
            f"{file_name}: the header fits none of the layouts of {self.name} ({wanted}); "
            f"the header has {', '.join(header)}"
        )


def profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def load_profile(name: str) -> Mapping:
    path = PROFILE_DIR / f"{name}.toml"
    if not path.is_file():
        raise MappingError(f"no profile {name!r}: the profiles are {', '.join(profiles())}")
    return load(path, name=name)


def load(path: Path, name: str = "") -> Mapping:
    """Read and check a mapping file; MappingError names the file, the line or the key."""
    label = name or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"{path.name}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise MappingError(f"{path.name}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path.name}: not valid TOML: {exc}") from None
    where = path.name
    _only(data, TOP_KEYS, where, "")
    if "layout" in data:
        raw = data["layout"]
        if not isinstance(raw, list) or not raw:
            raise MappingError(f"{where}: layout: give one or more [[layout]] tables")
        shared = {k: v for k, v in data.items() if k == "delimiter"}
        layouts = tuple(
            _layout({**shared, **item}, where, f"layout[{i}].") for i, item in enumerate(raw)
        )
    else:
        layouts = (_layout(data, where, ""),)
    encoding = _text(data.get("encoding", ""), where, "encoding")
    return Mapping(label, path, text, str(data.get("description", "")), encoding, layouts)


def _only(table: dict[str, Any], allowed: frozenset[str], where: str, prefix: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise MappingError(
            f"{where}: {prefix}{unknown[0]}: unknown key (allowed: {', '.join(sorted(allowed))})"
        )


def _text(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str):
        raise MappingError(f"{where}: {key}: give text in quotes")
    return value


def _texts(value: Any, where: str, key: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(_text(v, where, key) for v in items)


def _layout(data: dict[str, Any], where: str, prefix: str) -> Layout:
    _only(data, LAYOUT_KEYS | (TOP_KEYS if not prefix else frozenset()), where, prefix)
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise MappingError(f"{where}: {prefix}columns: a [columns] table is required")
    specs = []
    for target, raw in columns.items():
        key = f"{prefix}columns.{target}"
        if target not in BOOKING_FIELDS:
            raise MappingError(
                f"{where}: {key}: not a bookings column (the contract has "
                f"{', '.join(BOOKING_FIELDS)})"
            )
        specs.append(_spec(raw, where, key, target))
    missing = [c for c in ("booking_id", "booking_date") if c not in columns]
    if missing:
        raise MappingError(f"{where}: {prefix}columns: {' and '.join(missing)} must be mapped")
    group = _group(data.get("group"), where, prefix, specs)
    delimiter = _text(data.get("delimiter", ","), where, prefix + "delimiter")
    if len(delimiter) != 1:
        raise MappingError(f"{where}: {prefix}delimiter: one character")
    name = _text(data.get("name", prefix.rstrip(".") or "default"), where, prefix + "name")
    header = _texts(data.get("header", []), where, prefix + "header")
    return Layout(name, header, delimiter, tuple(specs), group)


def _spec(raw: Any, where: str, key: str, target: str) -> Spec:
    if isinstance(raw, str):
        return Spec(key, target, columns=(raw,))
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: {key}: give a source column name or a table")
    _only(raw, SPEC_KEYS, where, key + ".")
    sources = [s for s in SOURCES if s in raw]
    if len(sources) != 1:
        raise MappingError(f"{where}: {key}: give exactly one of {', '.join(SOURCES)}")
    mapping = raw.get("map", {})
    if not isinstance(mapping, dict):
        raise MappingError(f"{where}: {key}.map: give a table of source value = contract value")
    rules = raw.get("match", [])
    if not isinstance(rules, list):
        raise MappingError(f"{where}: {key}.match: give a list of rules")
    unmapped = raw.get("unmapped", "refuse")
    if unmapped not in ("refuse", "unknown"):
        raise MappingError(f'{where}: {key}.unmapped: "refuse" or "unknown"')
    aggregate = raw.get("aggregate", "first")
    if aggregate not in AGGREGATES:
        raise MappingError(f"{where}: {key}.aggregate: one of {', '.join(AGGREGATES)}")
    spec = Spec(
        key,
        target,
        columns=_texts(raw["column"], where, key + ".column") if "column" in raw else (),
        value=_text(raw["value"], where, key + ".value") if "value" in raw else None,
        template=_text(raw.get("template", ""), where, key + ".template"),
        sql=_text(raw.get("sql", ""), where, key + ".sql"),
        map={
            _text(k, where, key).strip().upper(): _text(v, where, f"{key}.map.{k}")
            for k, v in mapping.items()
        },
        match=tuple(_rule(r, where, f"{key}.match[{i}]") for i, r in enumerate(rules)),
        default=_text(raw["default"], where, key + ".default") if "default" in raw else None,
        unmapped_unknown=unmapped == "unknown",
        split=_text(raw.get("split", ""), where, key + ".split"),
        priority=_texts(raw.get("priority", []), where, key + ".priority"),
        several=_text(raw["several"], where, key + ".several") if "several" in raw else None,
        dates=_texts(raw.get("date", []), where, key + ".date"),
        aggregate=aggregate,
        if_any=_text(raw["if_any"], where, key + ".if_any") if "if_any" in raw else None,
        optional=raw.get("optional", False) is True,
    )
    if (spec.priority or spec.several is not None) and not spec.split:
        raise MappingError(f"{where}: {key}: priority and several need split")
    if spec.dates and (spec.translated or spec.split):
        raise MappingError(f"{where}: {key}: a date is not also mapped or split")
    _check_codes(spec, where)
    return spec


def _check_codes(spec: Spec, where: str) -> None:
    """Values a mapping gives must be contract codes: a typo is the mapping's, not the file's."""
    column = next(c for c in contract.BOOKING_COLUMNS if c.name == spec.target)
    if column.kind != "code":
        return
    given = [
        *spec.map.values(),
        *(r.value for r in spec.match),
        *(v for v in (spec.default, spec.several, spec.if_any, spec.value) if v is not None),
        *spec.priority,
    ]
    for value in given:
        if value and value not in column.codes:
            raise MappingError(
                f"{where}: {spec.key}: {value!r} is not one of {', '.join(column.codes)}"
            )


def _rule(raw: Any, where: str, key: str) -> Rule:
    if not isinstance(raw, dict) or "value" not in raw:
        raise MappingError(f"{where}: {key}: give {{ like = ..., value = ... }}")
    _only(raw, frozenset({"like", "regex", "value", "column"}), where, key + ".")
    if ("like" in raw) == ("regex" in raw):
        raise MappingError(f"{where}: {key}: give one of like or regex")
    return Rule(
        _text(raw["value"], where, key + ".value"),
        like=_text(raw.get("like", ""), where, key + ".like"),
        regex=_text(raw.get("regex", ""), where, key + ".regex"),
        column=_text(raw.get("column", ""), where, key + ".column"),
    )


def _group(raw: Any, where: str, prefix: str, specs: list[Spec]) -> Group | None:
    if raw is None:
        if any(s.aggregate != "first" or s.if_any is not None for s in specs):
            raise MappingError(f"{where}: {prefix}columns: aggregate and if_any need a [group]")
        return None
    key = prefix + "group"
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: {key}: give a table")
    _only(raw, frozenset({"by", "rank", "not_ranked"}), where, key + ".")
    by = _text(raw.get("by", "booking_id"), where, key + ".by")
    if by not in {s.target for s in specs}:
        raise MappingError(f"{where}: {key}.by: {by!r} is not a mapped column")
    condition = None
    if "not_ranked" in raw:
        nr = raw["not_ranked"]
        if not isinstance(nr, dict) or "column" not in nr or ("like" in nr) == ("regex" in nr):
            raise MappingError(f"{where}: {key}.not_ranked: give {{ column = ..., like = ... }}")
        _only(nr, frozenset({"column", "like", "regex"}), where, key + ".not_ranked.")
        condition = Condition(
            _text(nr["column"], where, key + ".not_ranked.column"),
            like=_text(nr.get("like", ""), where, key + ".not_ranked.like"),
            regex=_text(nr.get("regex", ""), where, key + ".not_ranked.regex"),
        )
    rank = _text(raw.get("rank", ""), where, key + ".rank")
    if any(s.aggregate == "most_serious" for s in specs) and not rank:
        raise MappingError(f"{where}: {key}.rank: aggregate = most_serious needs a rank column")
    return Group(by, rank, condition)
