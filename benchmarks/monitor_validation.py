"""Recall and false flags of `transferwatch monitor` on synthetic data with planted misuse.

    .venv/bin/python benchmarks/monitor_validation.py [--agencies 1000] [--seeds 1 2 3] [--plants 15]
        [--null-seeds 101 102] [--null-agencies N] [--cache DIR] [--sweep-seeds 1 2]

For each seed: `synth.generate` with `--plants` agencies of each kind (pretext, lowprio,
dismissal, lep: changes at activation or levels against peers; hispanic_level, lep_level:
minor-offence arrests of the group raised throughout the period, no change at activation) over
2014-2016, then one monitoring run. Recall counts a planted agency as found when the indicator
for its kind is flagged; it is reported for agencies with at least 1,000 bookings a year (the
issue's goal) and for smaller ones, by size band (1,000-5,000 and 5,000+ a year), and by thirds
of the planted effect range; for the indicators with a level and a change at activation, which
of the two flagged. False flags are clean agencies flagged on any indicator. Null seeds (no
plants, `--null-agencies` agencies each) give the number of runs with any flag, against the
nominal false-discovery level. The figures go into docs/methods.md. With ``--cache DIR`` the
synthetic data of each seed is kept in ``DIR/<agencies>-<plants>-<seed>`` and reused
(generating it is most of the time); running this script from a checkout of an earlier method
version on the same cache gives before/after figures on the same data.

With ``--sweep-seeds``, it then plants every kind at each of the fixed effect sizes of `SWEEP`
(the same agencies at every size, seed by seed) and prints recall at agencies with 1,000+
bookings a year by kind and size: where each kind reaches the 90% goal.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from transferwatch.analytics.assess import Q_SIGNIFICANT
from transferwatch.analytics.monitor import run
from transferwatch.analytics.synth import generate
from transferwatch.analytics.synth_parameters import PARAMETERS

KIND = {
    "pretext": "minor_offense_shift",
    "lowprio": "non_priority_transfers",
    "dismissal": "dismissal_disparity",
    "lep": "lep_minor_offense",
    "hispanic_level": "minor_offense_shift",
    "lep_level": "lep_minor_offense",
}
START, END = date(2014, 1, 1), date(2016, 12, 31)
# fixed effect sizes for the sweep, one column per level: pretext and lep minor-offence rate
# ratio, dismissal log odds, lowprio multiplier of the non-priority request rate (synth's default
# ranges are 1.8-2.8, 0.6-1.0 and 3-6)
SWEEP = {
    "pretext": (1.5, 2.0, 2.5, 3.0, 4.0),
    "lep": (1.5, 2.0, 2.5, 3.0, 4.0),
    "dismissal": (0.4, 0.6, 0.8, 1.0, 1.3),
    "lowprio": (2.0, 3.0, 4.5, 6.0, 9.0),
    "hispanic_level": (1.5, 2.0, 2.5, 3.0, 4.0),
    "lep_level": (1.5, 2.0, 2.5, 3.0, 4.0),
}
YEARS = ((END - START).days + 1) / 365.25


def one(folder: Path, agencies: int, seed: int, plants: int, level: int | None = None) -> tuple[dict[str, Any], dict[str, Any], float]:  # fmt: skip
    if not (folder / "truth.json").exists():
        effects = None if level is None else {k: (v[level], v[level]) for k, v in SWEEP.items()}
        generate(
            folder, agencies=agencies, start=START, end=END, seed=seed,
            plants={k: plants for k in KIND}, fmt="parquet", effects=effects,
        )  # fmt: skip
    truth = json.loads((folder / "truth.json").read_text())
    began = time.perf_counter()
    doc = run(folder / "bookings.parquet", folder / "agencies.parquet")
    return doc, truth, time.perf_counter() - began


def _which(agency: dict[str, Any], name: str) -> str:
    """Which test of an indicator with a level and a change at activation flagged (`merge`'s
    explanation says it); "one" for an indicator with a single test."""
    text = next(i["explanation"] for i in agency["indicators"] if i["name"] == name)
    if not text.startswith("flagged on the "):
        return "one"
    head = text.split(".", 1)[0]
    return (
        "both" if " and the " in head else "change" if "change at activation" in head else "level"
    )


def _z(p_value: float | None) -> float:
    return -np.inf if p_value is None else float(stats.norm.isf(p_value))


def _bound(clean_z: list[float], planted_z: list[tuple[str, float]], achieved: float) -> None:
    """What no rule on these z-scores could beat: the recall of a threshold chosen with the
    truth so that exactly the share of clean agencies the run flagged (`achieved`), 0.5% or 1%
    are flagged (no false-discovery control); and, for lowprio, the recall with no sampling
    noise at all (only the honest spread)."""
    print("\nbound: one z threshold for all indicators, chosen knowing the truth")
    for rate in sorted({achieved, 0.005, 0.01}):
        cut = float(np.quantile(np.asarray(clean_z), 1 - rate))
        parts = []
        for kind in KIND:
            zs = [z for k, z in planted_z if k == kind]
            parts.append(f"{kind} {sum(z > cut for z in zs)}/{len(zs)}")
        hit = sum(z > cut for _k, z in planted_z)
        print(f"  {rate:.2%} of clean agencies flagged (z > {cut:.2f}): {', '.join(parts)}; "
              f"all {hit}/{len(planted_z)} ({100 * hit / max(len(planted_z), 1):.0f}%)")  # fmt: skip
    sd = PARAMETERS["non_eligible_request_ratio"]["log_sd"]
    low, high = PARAMETERS["planted_effect_ranges"]["lowprio"]["non_eligible_request_multiplier"]
    log_m = np.log(np.linspace(low, high, 10_001))
    for rate in (0.0025, 0.01):
        cut = sd * stats.norm.isf(rate)
        recall = float(np.mean(stats.norm.sf((cut - log_m) / sd)))
        print(f"  lowprio with unlimited records, {rate:.2%} of clean agencies flagged on it "
              f"alone: recall {100 * recall:.0f}%")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=1000)
    parser.add_argument("--plants", type=int, default=15)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--null-seeds", type=int, nargs="*", default=[101, 102])
    parser.add_argument("--cache", type=Path, help="keep and reuse the synthetic data here")
    parser.add_argument("--sweep-seeds", type=int, nargs="*", default=[])
    parser.add_argument(
        "--null-agencies", type=int, help="agencies of a null run (default --agencies)"
    )
    args = parser.parse_args()

    def data(seed: int, plants: int, level: int | None = None) -> tuple[dict[str, Any], dict[str, Any], float]:  # fmt: skip
        if args.cache is None:
            with tempfile.TemporaryDirectory(prefix="tw-validate-") as tmp:
                return one(Path(tmp), args.agencies, seed, plants, level)
        name = f"{args.agencies}-{plants}-{seed}" + ("" if level is None else f"-size{level}")
        return one(args.cache / name, args.agencies, seed, plants, level)

    def null_data(seed: int) -> tuple[dict[str, Any], dict[str, Any], float]:
        agencies = args.null_agencies or args.agencies
        if args.cache is None:
            with tempfile.TemporaryDirectory(prefix="tw-validate-") as tmp:
                return one(Path(tmp), agencies, seed, 0)
        return one(args.cache / f"{agencies}-0-{seed}", agencies, seed, 0)

    ranges = PARAMETERS["planted_effect_ranges"]
    found: dict[tuple[str, str, str], list[int]] = {}
    clean = [0, 0]
    # for the bound: each clean agency's largest z over the four indicators that can flag, and
    # each planted agency's (1,000+ a year) z on the indicator of its kind
    clean_z: list[float] = []
    by_test: dict[tuple[str, str], int] = {}  # (kind, which test flagged) -> planted 1,000+/yr
    planted_z: list[tuple[str, float]] = []
    for seed in args.seeds:
        doc, truth, took = data(seed, args.plants)
        planted = {p["ori"]: p for p in truth["planted"]}
        seed_clean = [0, 0]
        for agency in doc["agencies"]:
            names = {i["name"] for i in agency["indicators"] if i["flagged"]}
            z = {i["name"]: _z(i["p_value"]) for i in agency["indicators"]}
            p = planted.get(agency["ori"])
            if p is None:
                clean_z.append(max(z[name] for name in KIND.values()))
                seed_clean[0] += bool(names)
                seed_clean[1] += 1
                continue
            low, high = next(iter(ranges[p["kind"]].values()))
            value = next(iter(v for v in p["effect"].values() if isinstance(v, float)))
            third = min(int(3 * (value - low) / max(high - low, 1e-9)), 2)
            edges = [low + (high - low) * j / 3 for j in (third, third + 1)]
            half = f"{edges[0]:.2f}-{edges[1]:.2f}"
            per_year = agency["n_bookings"] / YEARS
            size = "1000+/yr" if per_year >= 1000 else "<1000/yr"
            if per_year >= 1000:
                planted_z.append((p["kind"], z[KIND[p["kind"]]]))
            band = "5000+/yr" if per_year >= 5000 else "1-5k/yr" if per_year >= 1000 else "<1000/yr"
            keys = [(p["kind"], size, half), (p["kind"], size, "all")]
            if band != size:
                keys.append((p["kind"], band, "all"))
            for key in keys:
                hit = found.setdefault(key, [0, 0])
                hit[0] += KIND[p["kind"]] in names
                hit[1] += 1
            if per_year >= 1000 and KIND[p["kind"]] in names:
                which = _which(agency, KIND[p["kind"]])
                by_test[(p["kind"], which)] = by_test.get((p["kind"], which), 0) + 1
        clean = [clean[0] + seed_clean[0], clean[1] + seed_clean[1]]
        print(f"seed {seed}: run {took:.1f} s, clean agencies flagged {seed_clean[0]}/{seed_clean[1]}", flush=True)  # fmt: skip
    print("\nrecall (planted agencies flagged on the right indicator)")
    print(f"{'kind':<15} {'size':<9} {'effect':<10} found/planted")
    for (kind, size, half), (hit, total) in sorted(found.items()):
        print(
            f"{kind:<15} {size:<9} {half:<10} {hit}/{total} ({100 * hit / total:.0f}%)", flush=True
        )
    big = [v for (k, s, h), v in found.items() if s == "1000+/yr" and h == "all"]
    hit, total = sum(v[0] for v in big), sum(v[1] for v in big)
    print(f"\nall kinds, 1000+ bookings/yr: {hit}/{total} ({100 * hit / max(total, 1):.0f}%)")
    print(f"false flags: {clean[0]}/{clean[1]} clean agencies ({100 * clean[0] / max(clean[1], 1):.2f}%)")  # fmt: skip
    print("planted agencies (1000+/yr) found, by the test that flagged (level, change, both):")
    for (kind, which), count in sorted(by_test.items()):
        print(f"  {kind:<15} {which:<8} {count}")
    _bound(clean_z, planted_z, clean[0] / max(clean[1], 1))
    runs_flagged = agencies_flagged = agencies_seen = 0
    for seed in args.null_seeds:
        doc, _truth, took = null_data(seed)
        flagged = sum(a["flagged"] for a in doc["agencies"])
        watch = sum(a["concern"] == "watch" for a in doc["agencies"])
        runs_flagged += flagged > 0
        agencies_flagged += flagged
        agencies_seen += len(doc["agencies"])
        print(f"null seed {seed}: {flagged}/{len(doc['agencies'])} flagged, {watch} watch ({took:.1f} s)", flush=True)  # fmt: skip
    if args.null_seeds:
        n = len(args.null_seeds)
        # with nothing planted every flag is false: the false-discovery rate is the chance of
        # any flag in a run (nominal Q_SIGNIFICANT); P(X >= observed) if the chance were nominal
        tail = float(stats.binom.sf(runs_flagged - 1, n, Q_SIGNIFICANT))
        print(
            f"null runs with any flag: {runs_flagged}/{n} (nominal at most {Q_SIGNIFICANT:.0%}; "
            f"binomial P(>= {runs_flagged}) = {tail:.2f}); agencies flagged "
            f"{agencies_flagged}/{agencies_seen}"
        )
    if args.sweep_seeds:
        _sweep(lambda seed, level: data(seed, args.plants, level), args.sweep_seeds)


def _sweep(data: Any, seeds: list[int]) -> None:
    """Recall at 1,000+ bookings a year by kind and fixed effect size, over `seeds`."""
    levels = range(len(next(iter(SWEEP.values()))))
    hits = {(k, level): [0, 0] for k in KIND for level in levels}
    clean = [0, 0]
    for level in levels:
        for seed in seeds:
            doc, truth, _took = data(seed, level)
            planted = {p["ori"]: p["kind"] for p in truth["planted"]}
            for agency in doc["agencies"]:
                names = {i["name"] for i in agency["indicators"] if i["flagged"]}
                kind = planted.get(agency["ori"])
                if kind is None:
                    clean = [clean[0] + bool(names), clean[1] + 1]
                elif agency["n_bookings"] / YEARS >= 1000:
                    hit = hits[(kind, level)]
                    hit[0] += KIND[kind] in names
                    hit[1] += 1
    print(f"\nrecall by fixed effect size, 1000+ bookings/yr, seeds {' '.join(map(str, seeds))}")
    for kind, sizes in SWEEP.items():
        cells = []
        for level, size in enumerate(sizes):
            hit, total = hits[(kind, level)]
            cells.append(f"{size:g}: {hit}/{total} ({100 * hit / max(total, 1):.0f}%)")
        print(f"  {kind:<10} " + ", ".join(cells))
    print(f"  false flags: {clean[0]}/{clean[1]} clean agencies ({100 * clean[0] / max(clean[1], 1):.2f}%)")  # fmt: skip


if __name__ == "__main__":
    main()
