"""Synthetic agencies and bookings with planted misuse, to test the monitoring engine against a known truth.

The tables follow CONTRACTS.md section 2 (plus an `aor` column on agencies); the misuse patterns follow
DOMAIN.md section 4. Every agency differs from the others (offence mix, dismissal rate, ICE-match rate,
group differences, all as random effects on the log-odds scale), so a naive test raises false alarms;
a few agencies chosen by the seed additionally carry one planted effect, listed in `truth.json`.

Pure Python and numpy; DuckDB only writes the files. The same arguments always give the same bytes:
each agency draws from its own random stream (`numpy.random.default_rng([seed, 2, agency])`) and every
file is written in a fixed row order.

References
----------
Irving, Texas "C.A.P. effect": Gardner and Kohli, "The C.A.P. Effect: Racial Profiling in the ICE
Criminal Alien Program", Warren Institute, 2009 (minor-offence arrests of Hispanic people rose after
24-hour ICE screening). Offence codes are NCIC uniform offence codes (unconfirmed, illustrative).
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from transferwatch.analytics.areas import STATE_AREA
from transferwatch.analytics.synth_cases import write_cases
from transferwatch.analytics.synth_output import _insert, _write_tables, _write_truth
from transferwatch.analytics.synth_parameters import (
    ASIA,
    CATEGORIES,
    CHUNK_ROWS,
    ELSEWHERE,
    EPOCH,
    FORMATS,
    LATIN_AMERICA,
    LATIN_WEIGHTS,
    MAX_AGENCIES,
    MINOR_MIX,
    MINOR_PLANTS,
    OFFENSES,
    OUTCOMES,
    PARAMETERS,
    PEP_START,
    PLACES,
    PLANT_KINDS,
    RACE,
    SIGNIFICANT,
    STATES,
)

Array = npt.NDArray[Any]
Rng = np.random.Generator

_FX = PARAMETERS["agency_effects"]


class SynthArgumentError(ValueError):
    """A bad argument; `option` names it as the command line spells it (without dashes)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class Summary:
    """What `generate` wrote."""

    agencies: int
    bookings: int
    cases: int
    planted: tuple[tuple[str, str], ...]  # (ori, kind), sorted by ori
    agencies_path: Path
    bookings_path: Path
    truth_path: Path
    cases_path: Path | None


def check_arguments(
    *, agencies: int, start: date, end: date, plants: dict[str, int], fmt: str, cases: int = 0,
    bookings: int | None = None, effects: dict[str, tuple[float, float]] | None = None,
) -> None:  # fmt: skip
    """Raise `SynthArgumentError` naming the first bad argument."""
    for kind, (low, high) in (effects or {}).items():
        if kind not in PLANT_KINDS:
            raise SynthArgumentError("effect", f"unknown kind {kind!r}: use one of {', '.join(PLANT_KINDS)}")  # fmt: skip
        if not low <= high:
            raise SynthArgumentError("effect", f"{kind}: {low} is above {high}")
        if kind != "dismissal" and low < 1:
            raise SynthArgumentError("effect", f"{kind}: a rate ratio or multiplier below 1 ({low})")  # fmt: skip
    if not 1 <= agencies <= MAX_AGENCIES:
        raise SynthArgumentError(
            "agencies", f"must be between 1 and {MAX_AGENCIES:,}, not {agencies}"
        )
    if end < start:
        raise SynthArgumentError("end", f"{end} is before the start date {start}")
    for kind, count in plants.items():
        if kind not in PLANT_KINDS:
            raise SynthArgumentError(
                "plant", f"unknown kind {kind!r}: use one of {', '.join(PLANT_KINDS)}"
            )
        if count < 0:
            raise SynthArgumentError("plant", f"{kind}={count}: the count cannot be negative")
    if sum(plants.values()) > agencies:
        raise SynthArgumentError(
            "plant", f"{sum(plants.values())} planted agencies but only {agencies} agencies"
        )
    if fmt not in FORMATS:
        raise SynthArgumentError("format", f"{fmt!r} is not a format: use csv or parquet")
    if cases < 0:
        raise SynthArgumentError("cases", f"must be 0 or more, not {cases}")
    if bookings is not None and bookings < 1:
        raise SynthArgumentError("bookings", f"must be at least 1, not {bookings}")


def generate(
    out_dir: Path, *, agencies: int, start: date, end: date, seed: int, plants: dict[str, int],
    fmt: str, cases: int = 0, bookings: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    effects: dict[str, tuple[float, float]] | None = None,
) -> Summary:  # fmt: skip
    """Write agencies, bookings, truth.json (and cases.jsonl when `cases` > 0) into `out_dir`.

    Parameters
    ----------
    out_dir : folder to write into (created if missing); files appear only once complete.
    agencies : number of agencies.
    start, end : the period of the bookings, both inclusive.
    seed : random seed; the same arguments give byte-identical files.
    plants : planted kind -> number of agencies (kinds in `PLANT_KINDS`; one kind per agency).
    fmt : ``"csv"`` or ``"parquet"``.
    cases : number of priority-classification cases (CONTRACTS.md section 1) to write.
    bookings : approximate total bookings; by default the agencies' sizes decide.
    progress : called with (steps done, total steps): one step per agency, one for writing.
    effects : planted kind -> (low, high) range of its effect, instead of
        ``PARAMETERS["planted_effect_ranges"]`` (for recall at chosen effect sizes; the range
        used is written to truth.json).

    Returns
    -------
    Summary
        Counts and paths of what was written.
    """
    check_arguments(
        agencies=agencies, start=start, end=end, plants=plants, fmt=fmt, cases=cases,
        bookings=bookings, effects=effects,
    )  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    ranges = {
        kind: (effects or {}).get(kind, tuple(next(iter(r.values()))))
        for kind, r in PARAMETERS["planted_effect_ranges"].items()
    }
    ag = _make_agencies(agencies, start, end, seed, plants, ranges)
    years = ((end - start).days + 1) / 365.25
    scale = 1.0 if bookings is None else bookings / float(ag.fx["rate"].sum() * years)
    steps = agencies + 1
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".synth-") as tmp:
        con = duckdb.connect()
        con.execute("SET temp_directory = ?", [str(Path(tmp) / "spill")])
        con.execute("SET memory_limit = '500MB'")
        buffer: list[dict[str, Array]] = []
        rows = buffered = 0
        for a in range(agencies):
            part = _agency_bookings(a, ag, seed, start, end, years * scale)
            buffer.append(part)
            rows += len(part["day"])
            buffered += len(part["day"])
            if buffered >= CHUNK_ROWS or a == agencies - 1:
                _insert(con, buffer, first=rows == buffered)
                buffer, buffered = [], 0
            if progress:
                progress(a + 1, steps)
        names = {k: f"{k}.{fmt}" for k in ("agencies", "bookings")}
        _write_tables(con, ag, Path(tmp), names, fmt)
        con.close()
        names["truth"] = "truth.json"
        _write_truth(Path(tmp) / names["truth"], ag, seed, start, end, plants, agencies, bookings, ranges)  # fmt: skip
        if cases:
            names["cases"] = "cases.jsonl"
            write_cases(Path(tmp) / names["cases"], cases, seed)
            names["cases_truth"] = "cases_truth.json"
        else:  # stale files would not match this truth.json
            (out_dir / "cases.jsonl").unlink(missing_ok=True)
            (out_dir / "cases_truth.json").unlink(missing_ok=True)
        for name in names.values():
            os.replace(Path(tmp) / name, out_dir / name)
    if progress:
        progress(steps, steps)
    planted = tuple((ag.ori[i], ag.kind[i]) for i in range(agencies) if ag.kind[i])
    return Summary(
        agencies=agencies, bookings=rows, cases=cases, planted=planted,
        agencies_path=out_dir / names["agencies"], bookings_path=out_dir / names["bookings"],
        truth_path=out_dir / "truth.json", cases_path=out_dir / "cases.jsonl" if cases else None,
    )  # fmt: skip


@dataclass
class _Agencies:
    ori: list[str]
    name: list[str]
    state: list[str]
    fips: list[str]
    peer: list[str]
    kind: list[str]  # planted kind or ""
    effect: list[float]  # size of the planted effect
    extra: list[int]  # bookings added by a planted effect
    fx: dict[str, Array]  # per-agency numbers: populations, rates, random effects


def _sigmoid(x: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _pick(rng: Rng, weights: Sequence[float] | Array, n: int) -> Array:
    """n draws of an index with probability proportional to `weights`."""
    cum = np.cumsum(weights)
    index: Array = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
    return np.minimum(index, len(cum) - 1)


def _day(d: date) -> int:
    return (d - EPOCH).days


def _make_agencies(n: int, start: date, end: date, seed: int, plants: dict[str, int], ranges: dict[str, tuple[float, float]]) -> _Agencies:  # fmt: skip
    rng = np.random.default_rng([seed, 0])
    codes = list(STATES)
    st = _pick(rng, [STATES[s][1] for s in codes], n)
    county = [2 * int(rng.integers(STATES[codes[s]][5])) + 1 for s in st]
    seen: dict[tuple[int, int], int] = {}
    ori = []
    for s, c in zip(st, county, strict=True):
        j = seen[(s, c)] = seen.get((s, c), -1) + 1
        ori.append(f"{codes[s]}{c:03d}{j % 100:02d}{j // 100:02d}")
    order = sorted(range(n), key=ori.__getitem__)
    ori = [ori[i] for i in order]
    st, county = st[order], [county[i] for i in order]
    state = [codes[s] for s in st]
    sheriff = rng.random(n) < 0.4
    place = rng.integers(len(PLACES), size=n)
    name = [
        f"{PLACES[p]} County Sheriff's Office" if sh else f"{PLACES[p]} Police Department"
        for p, sh in zip(place, sheriff, strict=True)
    ]
    fx: dict[str, Array] = {}
    bp = PARAMETERS["bookings_per_year"]
    fx["rate"] = np.clip(
        np.exp(rng.normal(math.log(bp["median"]), bp["log_sd"], n)), bp["min"], bp["max"]
    )
    per = PARAMETERS["arrests_per_resident"]
    pop = np.round(fx["rate"] / np.exp(rng.normal(math.log(per["median"]), per["log_sd"], n)))
    table = np.array([STATES[s][2:5] for s in state])
    shares = np.column_stack(
        [
            np.clip(table[:, 0] * np.exp(rng.normal(0, 0.6, n)), 0.005, 0.9),
            np.clip(table[:, 1] * np.exp(rng.normal(0, 0.6, n)), 0.002, 0.8),
            np.clip(table[:, 2] * np.exp(rng.normal(0, 0.7, n)), 0.001, 0.4),
            rng.uniform(0.01, 0.04, n),
        ]
    )
    shares /= np.maximum(1.0, shares.sum(axis=1) / 0.97)[:, None]
    groups = np.floor(shares * pop[:, None]).astype(np.int64)
    fx["population"] = pop.astype(np.int64)
    fx["pop_hispanic"], fx["pop_black"], fx["pop_asian"], fx["pop_other"] = groups.T
    fx["pop_white"] = fx["population"] - groups.sum(axis=1)
    fx["fb_hispanic"] = rng.uniform(0.2, 0.55, n)
    fx["pop_lep"] = np.round(
        fx["pop_hispanic"] * fx["fb_hispanic"] * 0.55 + fx["pop_asian"] * 0.35
        + fx["pop_white"] * 0.01 + fx["pop_other"] * 0.05
    ).astype(np.int64)  # fmt: skip
    span = (end - start).days + 1
    activated = rng.random(n) < PARAMETERS["activated_share"]
    act_day = _day(start) + np.floor(rng.uniform(0.1, 0.85, n) * span).astype(np.int64)
    fx["activation"] = np.where(activated, act_day, -1)
    size = np.where(fx["rate"] < 800, "small", np.where(fx["rate"] < 5000, "medium", "large"))
    peer = [
        f"{STATE_AREA[s]}-{z}" if p else ""
        for s, z, p in zip(state, size, rng.random(n) < 0.05, strict=True)
    ]
    fx["arrest_hispanic"] = np.clip(shares[:, 0] * np.exp(rng.normal(0.15, 0.25, n)), 0.002, 0.95)
    black_ratio = np.exp(rng.normal(0.6, 0.3, n))
    other = shares[:, 3]
    white = 1 - shares.sum(axis=1)
    race_p = np.column_stack(
        [
            white,
            shares[:, 1] * black_ratio,
            shares[:, 2] * 0.6,
            other * 0.3,
            other * 0.2,
            other * 0.5,
        ]
    )
    fx["race_p"] = race_p / race_p.sum(axis=1)[:, None]
    for key, (mean, sd) in _FX.items():
        fx[key] = rng.normal(mean, sd, n)
    base = np.array([v[0] for v in OFFENSES.values()])
    cat_p = base * np.exp(rng.normal(0, 0.3, (n, len(base))))
    fx["cat_p"] = cat_p / cat_p.sum(axis=1)[:, None]
    ratio = PARAMETERS["non_eligible_request_ratio"]
    fx["non_eligible_ratio"] = np.exp(rng.normal(math.log(ratio["median"]), ratio["log_sd"], n))
    fx["decline"] = np.where(rng.random(n) < 0.1, rng.uniform(0.5, 0.9, n), rng.uniform(0, 0.1, n))
    fx["race_u"] = rng.uniform(0, 0.05, n)
    fx["eth_u"] = rng.uniform(0, 0.08, n)
    fx["lep_recorded"] = rng.random(n) < 0.8
    fx["lep_u"] = rng.uniform(0, 0.1, n)
    fx["unknown_disposition"] = rng.uniform(0, 0.08, n)

    kind, effect = [""] * n, [0.0] * n
    prng = np.random.default_rng([seed, 1])
    chosen = iter(prng.permutation(n).tolist())
    for k in PLANT_KINDS:
        for _ in range(plants.get(k, 0)):
            i = next(chosen)
            low, high = ranges[k]
            kind[i], effect[i] = k, round(float(prng.uniform(low, high)), 3)
            if fx["activation"][i] < 0:  # misuse follows activation: give the agency one
                fx["activation"][i] = _day(start) + int(prng.uniform(0.2, 0.7) * span)
            if MINOR_PLANTS.get(k, ("", False))[0] == "lep":
                fx["lep_recorded"][i], fx["lep_u"][i] = True, 0.01
    fips = [STATES[s][0] + f"{c:03d}" for s, c in zip(state, county, strict=True)]
    return _Agencies(ori, name, state, fips, peer, kind, effect, [0] * n, fx)


def _people(rng: Rng, ag: _Agencies, a: int, n: int, forced: str = "") -> dict[str, Array]:
    """Who is booked: `forced` is "" (the agency's usual mix), "hispanic" or "lep"."""
    fx = ag.fx
    age = np.minimum(18 + rng.gamma(2.0, 8.0, n).astype(np.int64), 85)
    juvenile = rng.random(n) < 0.03
    age[juvenile] = rng.integers(14, 18, int(juvenile.sum()))
    age[rng.random(n) < 0.005] = -1
    if forced == "hispanic":
        hispanic = np.ones(n, dtype=bool)
    else:
        hispanic = rng.random(n) < (0.85 if forced == "lep" else fx["arrest_hispanic"][a])
    race = np.where(hispanic, _pick(rng, (0.85, 0.03, 0.0, 0.02, 0.0, 0.08), n), 0)
    race = np.where(hispanic, race, _pick(rng, fx["race_p"][a], n))
    if forced == "lep":
        race[~hispanic] = RACE.index("A")
    asian = race == RACE.index("A")
    p_foreign = np.where(hispanic, fx["fb_hispanic"][a], np.where(asian, 0.55, 0.05))
    foreign = (rng.random(n) < p_foreign) | (forced == "lep")
    abroad = np.where(
        hispanic,
        1 + _pick(rng, LATIN_WEIGHTS, n),
        np.where(
            asian,
            1 + len(LATIN_AMERICA) + rng.integers(len(ASIA), size=n),
            1 + len(LATIN_AMERICA) + len(ASIA) + rng.integers(len(ELSEWHERE), size=n),
        ),
    )
    country = np.where(foreign, abroad, 0)
    country[rng.random(n) < 0.04] = -1
    p_lep = np.where(
        foreign,
        np.where(hispanic, 0.5, np.where(asian, 0.35, 0.08)),
        np.where(hispanic, 0.04, 0.003),
    )
    lep_true = (rng.random(n) < p_lep) | (forced == "lep")
    ethnicity = np.where(hispanic, 0, 1)
    race[rng.random(n) < fx["race_u"][a]] = RACE.index("U")
    if forced != "hispanic":
        ethnicity[rng.random(n) < fx["eth_u"][a]] = 2
    lep = np.where(lep_true, 0, 1)
    if forced != "lep":
        lep[rng.random(n) < fx["lep_u"][a]] = 2
    if not fx["lep_recorded"][a]:
        lep[:] = 2
    return {
        "sex": _pick(rng, (0.76, 0.235, 0.001, 0.004), n), "age": age, "race": race,
        "ethnicity": ethnicity, "lep": lep, "country": country, "hispanic": hispanic,
        "foreign": foreign, "lep_true": lep_true,
    }  # fmt: skip


def _repeat_people(rng: Rng, people: dict[str, Array]) -> Array:
    """Make some bookings repeat arrests of people booked before; returns each booking's person."""
    n = len(people["age"])
    repeat = rng.random(n) < PARAMETERS["repeat_booking_share"]
    first = np.flatnonzero(~repeat)
    local = np.zeros(n, dtype=np.int64)
    local[first] = np.arange(first.size)
    if first.size and repeat.any():
        source = first[rng.integers(first.size, size=int(repeat.sum()))]
        for values in people.values():
            values[repeat] = values[source]
        people["age"][repeat] += (people["age"][repeat] >= 0) * rng.integers(0, 3, source.size)
        local[repeat] = local[source]
    else:
        local[:] = np.arange(n)
    return local


_MINOR_CATS = np.array([CATEGORIES.index(c) for c in MINOR_MIX])
_FELONY = np.array([v[1] for v in OFFENSES.values()])
_CODE_COUNT = np.array([len(v[2]) for v in OFFENSES.values()])
_CODE_START = np.concatenate([[0], np.cumsum(_CODE_COUNT)[:-1]])
_SIGNIFICANT = np.isin(np.arange(len(CATEGORIES)), [CATEGORIES.index(c) for c in SIGNIFICANT])


def _offences(rng: Rng, ag: _Agencies, a: int, day: Array, people: dict[str, Array], minor: Array) -> dict[str, Array]:  # fmt: skip
    n = len(day)
    cat = np.where(minor, _MINOR_CATS[_pick(rng, list(MINOR_MIX.values()), n)], 0)
    cat = np.where(minor, cat, _pick(rng, ag.fx["cat_p"][a], n))
    u = rng.random(n)
    traffic_misdemeanour = (cat == CATEGORIES.index("minor_traffic")) & (u < 0.2)
    severity = np.where(
        minor, np.where(traffic_misdemeanour, 1, 2), np.where(u < _FELONY[cat], 0, 1)
    )
    code = _CODE_START[cat] + (rng.random(n) * _CODE_COUNT[cat]).astype(np.int64)
    return {"category": cat, "severity": severity, "code": code}


def _agency_bookings(a: int, ag: _Agencies, seed: int, start: date, end: date, years: float) -> dict[str, Array]:  # fmt: skip
    rng = np.random.default_rng([seed, 2, a])
    fx, kind, effect = ag.fx, ag.kind[a], ag.effect[a]
    first, last = _day(start), _day(end)
    act = int(fx["activation"][a]) if fx["activation"][a] >= 0 else last + 1
    n = int(rng.poisson(fx["rate"][a] * years))
    day = rng.integers(first, last + 1, n)
    people = _people(rng, ag, a, n)
    local = _repeat_people(rng, people)
    t = (day - (first + last) / 2) / 365.25
    post = day >= act
    log_odds = (
        _logit(PARAMETERS["minor_share"]) + fx["minor"][a]
        + PARAMETERS["minor_trend_log_odds_per_year"] * t
        + people["hispanic"] * (fx["minor_hispanic"][a] + post * fx["minor_hispanic_post"][a])
        + people["lep_true"] * fx["minor_lep"][a]
    )  # fmt: skip
    minor = rng.random(n) < _sigmoid(log_odds)
    parts = [(day, people, _offences(rng, ag, a, day, people, minor), local)]
    group, level = MINOR_PLANTS.get(kind, ("", False))
    if group and (level or act <= last):
        # Extra minor-offence arrests of the group, on top of the usual ones: after activation
        # (pretext, lep), or throughout the period with no change at activation (the *_level kinds).
        column = "ethnicity" if group == "hispanic" else "lep"
        since = first if level else act
        usual = int(np.sum((day >= since) & minor & (people[column] == 0)))
        extra = int(rng.poisson(usual * (effect - 1.0)))
        ag.extra[a] = extra
        eday = rng.integers(since, last + 1, extra)
        epeople = _people(rng, ag, a, extra, group)
        eoff = _offences(rng, ag, a, eday, epeople, np.ones(extra, dtype=bool))
        parts.append((eday, epeople, eoff, local.max(initial=-1) + 1 + np.arange(extra)))
    day = np.concatenate([p[0] for p in parts])
    order = np.argsort(day, kind="stable")
    cols = {k: np.concatenate([p[1][k] for p in parts])[order] for k in people}
    cols.update({k: np.concatenate([p[2][k] for p in parts])[order] for k in parts[0][2]})
    local = np.concatenate([p[3] for p in parts])[order]
    day = day[order]
    cols.update(_outcomes(rng, ag, a, day, cols, act, last))
    cols["day"] = day
    cols["a"] = np.full(len(day), a, dtype=np.int32)
    cols["seq"] = np.arange(len(day), dtype=np.int32) + 1
    key = (np.uint64(a) << np.uint64(24)) + local.astype(np.uint64)
    cols["pid"] = ((key * np.uint64(0x9E3779B97F4A7C15)) & np.uint64((1 << 40) - 1)).astype(
        np.int64
    )
    for k in ("hispanic", "foreign", "lep_true"):
        del cols[k]
    return cols


def _outcomes(rng: Rng, ag: _Agencies, a: int, day: Array, c: dict[str, Array], act: int, last: int) -> dict[str, Array]:  # fmt: skip
    fx, n = ag.fx, len(day)
    severity, cat = c["severity"], c["category"]
    minor = (severity == 2) | (cat == CATEGORIES.index("minor_traffic"))
    planted = ag.effect[a] if ag.kind[a] == "dismissal" else 0.0
    log_odds = (
        _logit(PARAMETERS["dismissal_share"]) + fx["dismissal"][a]
        + np.array([-0.3, 0.0, 0.4])[severity]
        + c["hispanic"] * (fx["dismissal_hispanic"][a] + planted)
    )  # fmt: skip
    disposition = np.where(rng.random(n) < _sigmoid(log_odds), 1, 0)
    disposition[rng.random(n) < fx["unknown_disposition"][a]] = 3
    disposition[rng.random(n) < 0.85 * np.exp(-(last - day) / 120) + 0.02] = 2
    p_match = _sigmoid(_logit(PARAMETERS["ice_match_foreign_born"]) + fx["ice_match"][a])
    us_born = c["country"] == 0
    ice = rng.random(n) < np.where(c["foreign"], p_match, PARAMETERS["ice_match_us_born"])
    # Eligibility rests mostly on the prior record, which the current charge only hints at.
    eligible_log_odds = (
        -1.0 + 2.2 * (severity == 0) + 1.2 * _SIGNIFICANT[cat] + 0.6 * (disposition == 0)
        - 1.8 * minor - 1.5 * (cat == CATEGORIES.index("immigration_status"))
    )  # fmt: skip
    eligible = rng.random(n) < _sigmoid(eligible_log_odds)
    p_request = _sigmoid(
        _logit(PARAMETERS["request_after_activation"]) + fx["request"][a]
        + PARAMETERS["request_before_activation_log_odds"] * (day < act)
    )  # fmt: skip
    ratio = fx["non_eligible_ratio"][a] * (ag.effect[a] if ag.kind[a] == "lowprio" else 1.0)
    requested = ice & (
        rng.random(n) < np.where(eligible, p_request, np.minimum(1.0, p_request * ratio))
    )
    before_pep = day < _day(PEP_START)
    kind = np.where(before_pep, _pick(rng, (0.1, 0.85, 0.05), n), _pick(rng, (0.62, 0.33, 0.05), n))
    request_day = np.minimum(day + rng.geometric(0.55, n) - 1, last)
    outcome = _pick(rng, (0.7, 0.18, 0.12), n)
    declines = fx["decline"][a] * np.where(kind == 1, 1.0, 0.5)
    outcome[rng.random(n) < declines] = OUTCOMES.index("declined_by_lea")
    outcome[rng.random(n) < np.where(us_born, 0.6, 0.01)] = OUTCOMES.index("us_citizen")
    outcome[rng.random(n) < 0.9 * np.exp(-(last - request_day) / 45)] = OUTCOMES.index("pending")
    return {
        "disposition": disposition, "ice": np.where(ice, 0, 1),
        "request": np.where(requested, kind + 1, 0),
        "request_day": np.where(requested, request_day, -1),
        "pep": np.where(requested, np.where(eligible, 0, 1), -1),
        "outcome": np.where(requested, outcome, -1),
    }  # fmt: skip
