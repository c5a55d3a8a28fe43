"""Recall and false flags of the indicators from ICE's records, on synthetic requests.

    .venv/bin/python benchmarks/ice_indicator_validation.py [--agencies 1000] [--seeds 1 2 3 4 5]
        [--plants 20] [--null-seeds 101 ... 200] [--sweep 2 3 4 6 8]

For each seed: `synth_ice.generate` with `--plants` agencies of each kind (more requests on
people without a conviction; more requests whose most serious charge is minor) at the default
effect range, then the ICE indicators tested as a run tests them (`ice.assess_ice`: level and
change at activation of the three shares, random effects, weighted Benjamini-Hochberg). A
planted agency is found when the indicator of its kind is flagged. Recall is given for agencies
with 200+ requests a year (the issue's goal: 90%), by whether the agency was activated inside
the period (a change at activation can be measured) or before it; false flags are clean
agencies flagged on any indicator. Null seeds (no plants): the share of runs with any flag
(the false-discovery rate under the complete null is the chance of any flag: nominal 0.10) and
the share of clean agencies flagged. `--sweep`: recall at 200+ a year at fixed multipliers.
Figures go into docs/methods.md section 5b.
"""

from __future__ import annotations

import argparse
import time

from transferwatch.analytics.ice import assess_ice
from transferwatch.analytics.synth_ice import DEFAULT_EFFECT, generate

KIND = {"no_conviction": "no_conviction_share", "minor_charge": "minor_charge_share"}


def one(agencies: int, seed: int, plants: int, effect: tuple[float, float]) -> tuple[dict[tuple[str, str], list[bool]], int, int]:  # fmt: skip
    """(kind, band) -> found flags of planted agencies; clean agencies flagged; clean agencies."""
    s = generate(agencies, seed, {k: plants for k in KIND}, effect)
    result = assess_ice(s.counts, s.agencies, s.period)
    acts = {a.ori: a.activation_date for a in s.agencies}
    found: dict[tuple[str, str], list[bool]] = {}
    for p in s.planted:
        ind = next(i for i in result[p.ori] if i.name == KIND[p.kind])
        size = "200+" if s.per_year[p.ori] >= 200 else "<200"
        act = acts[p.ori]
        when = "inside" if act is not None and act > s.period[0] else "before"
        found.setdefault((p.kind, f"{size} {when}"), []).append(ind.flagged)
    planted = {p.ori for p in s.planted}
    clean = [o for o in result if o not in planted]
    flagged = sum(any(i.flagged for i in result[o]) for o in clean)
    return found, flagged, len(clean)


def _rate(hits: list[bool]) -> str:
    return f"{sum(hits)}/{len(hits)} ({100 * sum(hits) / max(len(hits), 1):.0f}%)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=1000)
    parser.add_argument("--plants", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--null-seeds", type=int, nargs="+", default=list(range(101, 201)))
    parser.add_argument("--sweep", type=float, nargs="*", default=[2.0, 3.0, 4.0, 6.0, 8.0])
    args = parser.parse_args()
    began = time.perf_counter()
    total: dict[tuple[str, str], list[bool]] = {}
    false, clean = 0, 0
    for seed in args.seeds:
        found, f, c = one(args.agencies, seed, args.plants, DEFAULT_EFFECT)
        for key, v in found.items():
            total.setdefault(key, []).extend(v)
        false, clean = false + f, clean + c
    print(f"planted multiplier {DEFAULT_EFFECT[0]}-{DEFAULT_EFFECT[1]}, {args.agencies} agencies, "
          f"seeds {args.seeds}, {args.plants} of each kind a seed")  # fmt: skip
    for key in sorted(total):
        print(f"  {key[0]:14} {key[1]:13} {_rate(total[key])}")
    big = [x for (k, band), v in total.items() if band.startswith("200+") for x in v]
    print(f"  recall at 200+ requests a year: {_rate(big)}")
    print(f"  clean agencies flagged: {false}/{clean} ({100 * false / clean:.2f}%)")
    runs_flagged, null_flags, null_clean = 0, 0, 0
    for seed in args.null_seeds:
        _found, f, c = one(args.agencies, seed, 0, DEFAULT_EFFECT)
        runs_flagged += f > 0
        null_flags, null_clean = null_flags + f, null_clean + c
    print(f"null runs ({len(args.null_seeds)} seeds, no plants): runs with any flag "
          f"{runs_flagged}/{len(args.null_seeds)} (nominal at most 10%), agencies flagged "
          f"{null_flags}/{null_clean} ({100 * null_flags / null_clean:.2f}%)")  # fmt: skip
    for m in args.sweep:
        total = {}
        false, clean = 0, 0
        for seed in args.seeds:
            found, f, c = one(args.agencies, seed, args.plants, (m, m))
            for key, v in found.items():
                total.setdefault(key, []).extend(v)
            false, clean = false + f, clean + c
        big = [x for (k, band), v in total.items() if band.startswith("200+") for x in v]
        inside = [x for (k, band), v in total.items() if band == "200+ inside" for x in v]
        before = [x for (k, band), v in total.items() if band == "200+ before" for x in v]
        print(f"multiplier {m:g}: recall at 200+ a year {_rate(big)} (activated inside the "
              f"period {_rate(inside)}, before {_rate(before)}); clean flagged "
              f"{100 * false / clean:.2f}%")  # fmt: skip
    print(f"({time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
