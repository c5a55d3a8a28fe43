"""Synthetic ICE transfer requests per agency, with honest variation and planted misuse.

For validating the indicators of `ice` (docs/methods.md section 5b): the counts a GROUP BY of
transfer requests gives (`ice.IceCounts`), generated directly, seeded, with the truth known.

Each agency has a yearly number of requests (log-normal, the heavy tail of real jurisdictions),
an activation date (before the period for a share of agencies, else inside it), and its own
honest mix: logit of the share of requests on people without a conviction and of the share
with a minor offence as the most serious charge, each drawn around a national value with a
between-agency standard deviation (`HONEST`), plus a small honest change at activation (the
agency's own drift). Criminality is sometimes not recorded and the MSC often missing, at
agency-specific rates. Eligibility under the 2014 priorities follows from the request's facts
(a conviction that is not minor is mostly eligible; no conviction or a minor one mostly not).

A planted agency, from its activation date on, adds requests: people without a conviction
(``no_conviction``) or people whose most serious charge is minor (``minor_charge``), at a
multiple of its honest rate of such requests (`effect`): the odds of the share rise by that
factor after activation. An agency activated before the period does it over the whole period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from transferwatch.analytics.aggregate import AgencyInfo
from transferwatch.analytics.ice import IceCounts


# Honest variation, fixed before any validation run (not tuned to the results): national
# shares near those of ICE's published detainer records (about 45% without a conviction, 25%
# with a minor offence as MSC), and between-agency logit SDs of 0.4, as
# `synth_parameters.PARAMETERS["non_eligible_request_ratio"]["log_sd"]` for the bookings.
@dataclass(frozen=True)
class Honest:
    """The honest variation between agencies (logit scale unless said)."""

    no_conviction_logit: tuple[float, float] = (-0.2, 0.4)  # mean, between-agency SD
    minor_logit: tuple[float, float] = (-1.1, 0.4)
    change_sd: float = 0.1  # honest change of either logit at activation, between agencies
    criminality_missing: tuple[float, float] = (0.01, 0.08)  # uniform range, not recorded
    msc_missing: tuple[float, float] = (0.1, 0.4)  # uniform range of requests without an MSC
    requests_per_year: tuple[float, float] = (float(np.log(60.0)), 1.2)  # log-normal
    activated_before_period: float = 0.5


HONEST = Honest()
KINDS = ("no_conviction", "minor_charge")
DEFAULT_EFFECT = (2.0, 4.0)  # planted multiplier range of the added requests' odds
# probability of PEP transfer eligibility by (convicted, minor MSC)
ELIGIBLE = {(True, False): 0.8, (True, True): 0.2, (False, False): 0.1, (False, True): 0.05}


@dataclass(frozen=True)
class Planted:
    """A planted agency: its kind and its multiplier of the odds after activation."""

    ori: str
    kind: str
    effect: float


@dataclass(frozen=True)
class IceSynth:
    """The generated agencies, counts and truth."""

    agencies: list[AgencyInfo]
    counts: IceCounts
    per_year: dict[str, float]  # requests a year, by ORI
    planted: list[Planted]
    period: tuple[date, date]


def _logistic(x: float) -> float:
    return float(1 / (1 + np.exp(-x)))


def generate(
    agencies: int = 1000,
    seed: int = 1,
    plants: dict[str, int] | None = None,
    effect: tuple[float, float] = DEFAULT_EFFECT,
    period: tuple[date, date] = (date(2015, 1, 1), date(2016, 12, 31)),
) -> IceSynth:
    """Generate per-agency ICE request counts with `plants` (kind -> how many) planted.

    Parameters
    ----------
    agencies : number of agencies.
    seed : the random seed (the same seed gives the same data).
    plants : kind (`KINDS`) -> number of planted agencies, chosen at random.
    effect : range of the planted multiplier of the odds (uniform), or one value twice.
    period : the period the requests fall in.

    Returns
    -------
    IceSynth
    """
    rng = np.random.default_rng(seed)
    days = (period[1] - period[0]).days + 1
    years = days / 365.25
    oris = [f"SY{i:07d}" for i in range(agencies)]
    order = rng.permutation(agencies)
    planted: list[Planted] = []
    start = 0
    for kind in KINDS:
        for j in order[start : start + (plants or {}).get(kind, 0)].tolist():
            planted.append(Planted(oris[j], kind, float(rng.uniform(*effect))))
        start += (plants or {}).get(kind, 0)
    by_ori = {p.ori: p for p in planted}
    infos, rows, per_year = [], [], {}
    for ori in oris:
        rate = float(np.exp(rng.normal(*HONEST.requests_per_year)))
        if rng.random() < HONEST.activated_before_period:
            act = period[0] - timedelta(days=int(rng.integers(30, 2000)))
        else:
            act = period[0] + timedelta(days=int(rng.integers(90, days - 90)))
        infos.append(AgencyInfo(ori, state="SY", activation_date=act))
        base_nc = rng.normal(*HONEST.no_conviction_logit)
        base_mi = rng.normal(*HONEST.minor_logit)
        drift = rng.normal(0.0, HONEST.change_sd, 2)
        crim_missing = rng.uniform(*HONEST.criminality_missing)
        msc_missing = rng.uniform(*HONEST.msc_missing)
        plant = by_ori.get(ori)
        before = max((act - period[0]).days, 0) / 365.25
        total = 0.0
        for post, span in ((False, before), (True, years - before)):
            if span <= 0:
                continue
            nc = _logistic(base_nc + (drift[0] if post else 0.0))
            mi = _logistic(base_mi + (drift[1] if post else 0.0))
            # expected honest requests by (convicted, minor) cell
            mean = rate * span
            cells = {
                (conv, minor): mean * (1 - nc if conv else nc) * (mi if minor else 1 - mi)
                for conv in (True, False)
                for minor in (True, False)
            }
            if plant is not None and post:
                # added requests at (effect - 1) times the honest rate of the kind's requests:
                # the odds of the share rise by `effect`
                for cell in cells:
                    hit = not cell[0] if plant.kind == "no_conviction" else cell[1]
                    if hit:
                        cells[cell] *= plant.effect
            for (conv, minor), expected in cells.items():
                n = int(rng.poisson(expected))
                total += n
                if n == 0:
                    continue
                unknown_crim = int(rng.binomial(n, crim_missing))
                no_msc = int(rng.binomial(n, msc_missing))
                # MSC missing independently of criminality; criminality as recorded
                for crim_known, n_c in ((False, unknown_crim), (True, n - unknown_crim)):
                    if n_c == 0:
                        continue
                    crim = ("1" if conv else str(rng.choice(["2", "3"]))) if crim_known else ""
                    msc_none = int(rng.binomial(n_c, no_msc / n))
                    for msc, n_m in ((-1, msc_none), (int(minor), n_c - msc_none)):
                        if n_m == 0:
                            continue
                        ok = int(rng.binomial(n_m, ELIGIBLE[(conv, minor)]))
                        # a request without criminality or MSC lacks the facts to classify
                        if not crim_known or msc < 0:
                            rows.append((ori, post, crim, msc, -1, n_m))
                            continue
                        rows.append((ori, post, crim, msc, 1, ok))
                        rows.append((ori, post, crim, msc, 0, n_m - ok))
        per_year[ori] = total / years
    rows = [r for r in rows if r[5] > 0]
    counts = IceCounts.from_rows(rows, period[0], period[1])
    return IceSynth(infos, counts, per_year, planted, period)
