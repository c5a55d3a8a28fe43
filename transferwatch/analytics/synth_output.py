"""Writing the synthetic tables and truth.json (see `synth`): fixed row order, one writer thread,
so the same arguments give the same bytes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import numpy.typing as npt

from transferwatch.analytics.areas import STATE_AREA
from transferwatch.analytics.synth_parameters import (
    AGENCY_COLUMNS,
    CATEGORIES,
    COUNTRIES,
    DISPOSITIONS,
    ETHNICITY,
    LEP,
    MINOR_PLANTS,
    OFFENSE_CODES,
    OUTCOMES,
    PARAMETERS,
    PLANT_KINDS,
    RACE,
    REQUESTS,
    SEVERITIES,
    SEX,
    YES_NO,
)

Array = npt.NDArray[Any]
Rng = np.random.Generator


if TYPE_CHECKING:
    from transferwatch.analytics.synth import _Agencies


_BOOKING_TYPES = {
    "a": np.int32, "seq": np.int32, "day": np.int32, "pid": np.int64, "sex": np.int8,
    "age": np.int16, "race": np.int8, "ethnicity": np.int8, "lep": np.int8, "country": np.int8,
    "code": np.int16, "category": np.int8, "severity": np.int8, "disposition": np.int8,
    "ice": np.int8, "request": np.int8, "request_day": np.int32, "pep": np.int8, "outcome": np.int8,
}  # fmt: skip


def _insert(con: duckdb.DuckDBPyConnection, parts: list[dict[str, Array]], first: bool) -> None:
    chunk = {k: np.concatenate([p[k] for p in parts]).astype(t) for k, t in _BOOKING_TYPES.items()}
    con.register("chunk", chunk)
    con.execute(
        "CREATE TABLE b AS SELECT * FROM chunk" if first else "INSERT INTO b SELECT * FROM chunk"
    )
    con.unregister("chunk")


def _codes(values: Sequence[str], column: str) -> str:
    """SQL turning a 0-based code number into its text; -1 (unknown) becomes NULL."""
    return "[" + ", ".join(f"'{v}'" for v in values) + f"][{column} + 1]"


def _date(column: str) -> str:
    return (
        f"CASE WHEN {column} < 0 THEN NULL ELSE DATE '1970-01-01' + CAST({column} AS INTEGER) END"
    )


def _write_tables(
    con: duckdb.DuckDBPyConnection, ag: _Agencies, folder: Path, names: dict[str, str], fmt: str
) -> None:
    fx = ag.fx
    agencies = {
        "a": np.arange(len(ag.ori), dtype=np.int32), "ori": np.array(ag.ori, dtype=object),
        "name": np.array(ag.name, dtype=object), "state": np.array(ag.state, dtype=object),
        "county_fips": np.array(ag.fips, dtype=object), "activation": fx["activation"],
        **{k: fx[k] for k in AGENCY_COLUMNS[5:12]},
        "peer_group": np.array([p or None for p in ag.peer], dtype=object),
        "aor": np.array([STATE_AREA[s] for s in ag.state], dtype=object),
    }  # fmt: skip
    con.register("ag_input", agencies)
    con.execute("CREATE TABLE ag AS SELECT * FROM ag_input")
    con.unregister("ag_input")
    agency_sql = ", ".join(
        f"{_date('activation')} AS activation_date" if c == "activation_date" else c
        for c in AGENCY_COLUMNS
    )
    booking_sql = f"""
        ori || '-' || lpad(CAST(seq AS VARCHAR), 7, '0') AS booking_id, ori,
        {_date("day")} AS booking_date, 'P' || lower(lpad(to_hex(pid), 10, '0')) AS person_id,
        {_codes(SEX, "sex")} AS sex, CAST(NULLIF(age, -1) AS INTEGER) AS age,
        {_codes(RACE, "race")} AS race, {_codes(ETHNICITY, "ethnicity")} AS ethnicity,
        {_codes(LEP, "lep")} AS lep, {_codes(COUNTRIES, "country")} AS birth_country,
        {_codes(OFFENSE_CODES, "code")} AS offense_code,
        {_codes(CATEGORIES, "category")} AS offense_category,
        {_codes(SEVERITIES, "severity")} AS offense_severity,
        {_codes(DISPOSITIONS, "disposition")} AS disposition, {_codes(YES_NO, "ice")} AS ice_match,
        {_codes(REQUESTS, "request")} AS transfer_request, {_date("request_day")} AS request_date,
        {_codes(YES_NO, "pep")} AS pep_eligible, {_codes(OUTCOMES, "outcome")} AS request_outcome
    """
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER"
    # One thread: the parquet writer's row groups, and so the bytes, then never depend on timing.
    con.execute("SET threads = 1" if fmt == "parquet" else "SET preserve_insertion_order = true")
    queries = {
        "agencies": f"SELECT {agency_sql} FROM ag ORDER BY a",  # noqa: S608 (constant SQL)
        "bookings": f"SELECT {booking_sql} FROM b JOIN ag USING (a) ORDER BY a, seq",  # noqa: S608
    }
    for table, query in queries.items():
        target = str(folder / names[table])
        con.execute(f"COPY ({query}) TO '{target}' ({options})")


def _write_truth(
    path: Path, ag: _Agencies, seed: int, start: date, end: date, plants: dict[str, int],
    agencies: int, bookings: int | None, ranges: dict[str, tuple[float, float]],
) -> None:  # fmt: skip
    planted = []
    for i, kind in enumerate(ag.kind):
        if not kind:
            continue
        name = next(iter(PARAMETERS["planted_effect_ranges"][kind]))
        effect: dict[str, Any] = {name: ag.effect[i]}
        if kind in MINOR_PLANTS:
            group, level = MINOR_PLANTS[kind]
            effect |= {
                "group": group,
                "extra_bookings": ag.extra[i],
                "when": "throughout the period" if level else "after activation",
            }
        elif kind == "dismissal":
            effect["group"] = "hispanic"
        planted.append({"ori": ag.ori[i], "kind": kind, "effect": effect})
    truth = {
        "seed": seed,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "planted": planted,
        "parameters": {
            "agencies": agencies, "bookings": bookings,
            "plants": {k: plants.get(k, 0) for k in PLANT_KINDS}, **PARAMETERS,
            "planted_effect_ranges": {
                kind: {name: list(ranges[kind])}
                for kind, r in PARAMETERS["planted_effect_ranges"].items() for name in r
            },
        },
    }  # fmt: skip
    path.write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8")
