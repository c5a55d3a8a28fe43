"""ICE requests per booking by race and ethnicity as recorded, with rate ratios and intervals.

For each agency of a run: bookings, ICE requests (a booking whose ``transfer_request`` is
anything but ``none`` or empty counts once), minor-offence bookings, disposed and dismissed
charges, per group of people as the agency recorded them:

- ``hispanic``: ``ethnicity`` is ``H`` (whatever the race);
- otherwise by ``race``: ``W`` ``white``, ``B`` ``black``, ``A`` and ``P``
  ``asian_pacific_islander`` (one group: many sources record them as one category, e.g.
  Pierce County's ``ASIAN/PACIFIC ISLAND``, so a mapping has to pick one of the two codes
  arbitrarily; and Pacific Islander people alone are too few at almost every agency for an
  interval that says anything), ``I`` ``american_indian_alaska_native``, ``O`` ``other``,
  anything else (``U``, empty, no race column) ``unknown``.

One Ibis expression (`rates_expr`, a GROUP BY ori and group over the bookings of the run's
period, like `aggregate.counts_expr`) gives the counts on DuckDB, PostgreSQL or PySpark.
`agency_rates` turns one agency's counts into the rows of ``request_rates`` (CONTRACTS.md
section 3): the rate of each group and its ratio to the reference group (the recorded group
with most bookings, never ``unknown``), with the Miettinen-Nurminen score interval for a ratio
of two proportions (`score_ratio_interval`), and the same for the minor-offence share and the
dismissal share.

References
----------
Miettinen, O. and Nurminen, M. (1985). "Comparative analysis of two rates." Statistics in
Medicine 4, 213-226.
Koopman, P. A. R. (1984). "Confidence intervals for the ratio of two binomial proportions."
Biometrics 40, 513-517.
Wilson, E. B. (1927). "Probable inference, the law of succession, and statistical inference."
JASA 22, 209-212.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import ibis  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from transferwatch.analytics.aggregate import (
    MonitorInputError,
    _column_types,
    _ibis_type,
    _read_error,
)

GROUPS = (
    "hispanic",
    "white",
    "black",
    "asian_pacific_islander",
    "american_indian_alaska_native",
    "other",
    "unknown",
)
LABELS = {
    "hispanic": "Hispanic",
    "white": "White",
    "black": "Black",
    "asian_pacific_islander": "Asian or Pacific Islander",
    "american_indian_alaska_native": "American Indian or Alaska Native",
    "other": "Other",
    "unknown": "Unknown",
}
RACE_CODES = (("W", "white"), ("B", "black"), ("A", "asian_pacific_islander"), ("P", "asian_pacific_islander"), ("I", "american_indian_alaska_native"), ("O", "other"))  # fmt: skip
RATE_COLUMNS = (
    "race",
    "ethnicity",
    "offense_category",
    "offense_severity",
    "disposition",
    "transfer_request",
    "encounter",
)
COUNTS = ("bookings", "requests", "request_known", "minor", "disposed", "dismissed", "stops")
Z95 = 1.959963984540054  # scipy.stats.norm.isf(0.025)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


# The counts ----------------------------------------------------------------------------------


def group_of(race: Any, ethnicity: Any) -> Any:
    """The group of a booking (Ibis string) from its ``race`` and ``ethnicity`` codes."""
    return ibis.cases(
        (ethnicity == "H", "hispanic"),
        *((race == code, group) for code, group in RACE_CODES),
        else_="unknown",
    )


def rates_expr(
    bookings: ir.Table,
    present: frozenset[str],
    period_from: date | None,
    period_to: date | None,
) -> ir.Table:
    """Counts per agency and group, as an Ibis expression (backend-neutral).

    Parameters
    ----------
    bookings : table with ``ori`` and ``booking_date`` (text or date) and any of `RATE_COLUMNS`
        listed in `present` (text).
    present : the optional columns `bookings` has; missing ones count as empty.
    period_from, period_to : the bookings counted, both dates inclusive (None: no limit); the
        same rows as `aggregate.counts_expr` counts.

    Returns
    -------
    ibis Table
        ``ori``, ``grp`` (one of `GROUPS`) and the counts of `COUNTS` (64-bit integers):
        ``requests`` bookings with ``transfer_request`` other than ``none`` or empty,
        ``request_known`` bookings with any ``transfer_request`` value, ``minor``
        (``offense_category`` ``minor_traffic`` or ``offense_severity`` ``infraction``),
        ``disposed`` (``convicted`` or ``dismissed``), ``dismissed``, ``stops``
        (``encounter`` is ``stop``).
    """
    b = bookings.mutate(day=bookings.booking_date.cast("date"))
    if period_from is not None:
        b = b.filter(b.day.isnull() | (b.day >= ibis.literal(period_from)))
    if period_to is not None:
        b = b.filter(b.day.isnull() | (b.day <= ibis.literal(period_to)))

    rows = b.select(**rates_columns(b, present))
    counted = {
        name: rows.count() if flag is None else rows.count(where=rows[flag])
        for name, flag in RATE_FLAGS.items()
    }
    return rows.group_by(["ori", "grp"]).aggregate(**counted)


# each count of `COUNTS`: the flag column of `rates_columns` it counts (None: every row)
RATE_FLAGS = {
    "bookings": None,
    "requests": "is_request",
    "request_known": "is_known",
    "minor": "is_minor",
    "disposed": "is_disposed",
    "dismissed": "is_dismissed",
    "stops": "is_stop",
}


def rates_columns(b: ir.Table, present: frozenset[str]) -> dict[str, ir.Value]:
    """The per-booking columns `rates_expr` groups and counts (``ori``, ``grp`` and flags)."""

    def text(column: str) -> ir.StringValue:
        if column in present:
            return b[column].cast("string")
        return ibis.literal("", type="string")

    def flag(condition: ir.BooleanValue) -> ir.BooleanValue:
        return condition.fill_null(False)

    request = text("transfer_request")
    category, severity = text("offense_category"), text("offense_severity")
    disposition = text("disposition")
    known = request.notnull() & (request != "")
    return {
        "ori": b.ori,
        "grp": group_of(text("race"), text("ethnicity")),
        "is_request": flag(known & (request != "none")),
        "is_known": flag(known),
        "is_minor": flag((category == "minor_traffic") | (severity == "infraction")),
        "is_disposed": flag(disposition.isin(["convicted", "dismissed"])),
        "is_dismissed": flag(disposition == "dismissed"),
        "is_stop": flag(text("encounter") == "stop"),
    }


@dataclass(frozen=True)
class GroupCounts:
    """The result of `rates_expr`: one row per agency and group."""

    ori: npt.NDArray[np.str_]
    grp: npt.NDArray[np.str_]
    values: dict[str, IntArray]
    present: frozenset[str]  # the columns of `RATE_COLUMNS` the bookings have

    def of(self, ori: str) -> dict[str, dict[str, int]]:
        """One agency's counts: group -> count name -> count."""
        rows = np.flatnonzero(self.ori == ori)
        return {
            str(self.grp[i]): {c: int(self.values[c][i]) for c in COUNTS} for i in rows.tolist()
        }

    def by_ori(self) -> dict[str, dict[str, dict[str, int]]]:
        """Every agency's counts: ORI -> group -> count name -> count (one pass)."""
        rows = zip(*(self.values[c].tolist() for c in COUNTS), strict=True)
        out: dict[str, dict[str, dict[str, int]]] = {}
        for ori, grp, values in zip(self.ori.tolist(), self.grp.tolist(), rows, strict=True):
            out.setdefault(ori, {})[grp] = dict(zip(COUNTS, values, strict=True))
        return out

    def stops_only(self) -> set[str]:
        """Agencies all of whose records in the run are stops."""
        oris, at = np.unique(self.ori, return_inverse=True)
        total = np.zeros(len(oris), dtype=np.int64)
        stops = np.zeros(len(oris), dtype=np.int64)
        np.add.at(total, at, self.values["bookings"])
        np.add.at(stops, at, self.values["stops"])
        return {str(o) for o in oris[(total > 0) & (stops == total)].tolist()}


def no_group_counts() -> GroupCounts:
    """The group counts of a run without bookings."""
    empty = np.zeros(0, dtype=np.int64)
    return GroupCounts(
        np.zeros(0, dtype=str), np.zeros(0, dtype=str), {c: empty for c in COUNTS}, frozenset()
    )


@functools.lru_cache(maxsize=32)
def _rates_sql(
    types: tuple[tuple[str, str], ...],
    present: frozenset[str],
    period_from: date | None,
    period_to: date | None,
) -> str:
    """`rates_expr` compiled to DuckDB SQL (as `aggregate._counts_sql`)."""
    bookings = ibis.table({c: _ibis_type(t) for c, t in types}, name="rates_bookings")
    return str(ibis.to_sql(rates_expr(bookings, present, period_from, period_to), dialect="duckdb"))


def group_counts(
    source: str,
    period: tuple[date, date],
    described: dict[str, tuple[str, str]] | None,
    con: duckdb.DuckDBPyConnection,
) -> GroupCounts:
    """Run `rates_expr` on DuckDB over the table expression `source` (see `aggregate.aggregate`,
    which has checked the required columns and the agencies already)."""
    if described is None:
        described = _column_types(con, source)
    header = {c: named for c, (named, _type) in described.items()}
    present = frozenset(c for c in RATE_COLUMNS if c in header)
    wanted = ("ori", "booking_date", *sorted(present))
    select = ", ".join(f'"{header[c]}" AS "{c}"' for c in wanted)
    sql = _rates_sql(tuple((c, described[c][1]) for c in wanted), present, *period)
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW rates_bookings AS SELECT {select} FROM {source}")  # noqa: S608
        result = con.sql(sql).fetchnumpy()
    except Exception as exc:  # DuckDB conversion errors surface under several classes
        raise MonitorInputError(_read_error(str(exc), type(exc).__name__)) from None
    finally:
        con.execute("DROP VIEW IF EXISTS rates_bookings")
    return GroupCounts(
        ori=np.asarray(result["ori"], dtype=str),
        grp=np.asarray(result["grp"], dtype=str),
        values={c: np.asarray(result[c], dtype=np.int64) for c in COUNTS},
        present=present,
    )


# The intervals -------------------------------------------------------------------------------


def _score(
    log_ratio: FloatArray, x1: FloatArray, n1: FloatArray, x0: FloatArray, n0: FloatArray
) -> FloatArray:
    """Miettinen-Nurminen score statistic for H0: p1 / p0 = exp(log_ratio), elementwise.

    The proportions restricted to the ratio are the maximum-likelihood root of Farrington and
    Manning's quadratic, written in the form without cancellation; the variance carries the
    small-sample factor N / (N - 1).
    """
    r = np.exp(log_ratio)
    n = n1 + n0
    a = n * r
    b = n1 * r + x1 + n0 + x0 * r  # minus the linear coefficient
    c = x1 + x0
    p0 = 2 * c / (b + np.sqrt(np.maximum(b * b - 4 * a * c, 0.0)))
    p1 = np.minimum(p0 * r, 1.0)
    var = (p1 * (1 - p1) / n1 + r * r * p0 * (1 - p0) / n0) * n / (n - 1)
    diff = x1 / n1 - r * x0 / n0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = diff / np.sqrt(var)
    # a variance of zero: the observed ratio itself (0/0) or a certain rejection
    return np.where(var > 0, z, np.where(diff > 0, np.inf, np.where(diff < 0, -np.inf, 0.0)))


def score_ratio_interval(
    x1: Any, n1: Any, x0: Any, n0: Any, z: float = Z95
) -> tuple[FloatArray, FloatArray]:
    """Score confidence interval for the ratio of two binomial proportions (x1/n1) / (x0/n0).

    Parameters
    ----------
    x1, n1 : events and trials of the group (array-like, n1 > 0).
    x0, n0 : events and trials of the reference group (n0 > 0).
    z : the normal quantile (1.96 for 95%).

    Returns
    -------
    (low, high) : arrays. The set of ratios that the Miettinen-Nurminen score test (with the
    N / (N - 1) variance factor) does not reject at level 2 * (1 - Phi(z)), found by bisection
    on the log ratio. ``low`` is 0 when x1 = 0, ``high`` infinite when x0 = 0, both NaN when
    x1 = x0 = 0 (no events in either group: no ratio).

    Notes
    -----
    The same interval as statsmodels' ``confint_proportions_2indep(method="score",
    compare="ratio")`` (Koopman 1984 with the Miettinen and Nurminen 1985 correction), which
    solves a cubic instead (tests/golden/make_rates_golden.py).
    """
    x1, n1, x0, n0 = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (x1, n1, x0, n0))
    if np.any(n1 <= 0) or np.any(n0 <= 0):
        raise ValueError("score_ratio_interval: every group needs at least one trial")
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.log((x1 / n1) / (x0 / n0))
    # finite bracket around each root: the statistic falls from +inf to -inf in the log ratio
    span = 40.0
    mid = np.clip(np.nan_to_num(centre), -span, span)
    low = _bisect(x1, n1, x0, n0, mid - 2 * span, mid, z)
    high = _bisect(x1, n1, x0, n0, mid, mid + 2 * span, -z)
    lo, hi = np.exp(low), np.exp(high)
    lo = np.where(x1 == 0, 0.0, lo)
    hi = np.where(x0 == 0, np.inf, hi)
    nothing = (x1 == 0) & (x0 == 0)
    return np.where(nothing, np.nan, lo), np.where(nothing, np.nan, hi)


def _bisect(
    x1: FloatArray,
    n1: FloatArray,
    x0: FloatArray,
    n0: FloatArray,
    left: FloatArray,
    right: FloatArray,
    target: float,
) -> FloatArray:
    """The log ratio in [left, right] where the score statistic equals `target` (decreasing)."""
    for _ in range(100):
        mid = (left + right) / 2
        above = _score(mid, x1, n1, x0, n0) > target
        new_left, new_right = np.where(above, mid, left), np.where(above, right, mid)
        if _same(new_left, left) and _same(new_right, right):
            break  # a fixed point: every further step would leave the bounds as they are
        left, right = new_left, new_right
    return (left + right) / 2


def _same(a: FloatArray, b: FloatArray) -> bool:
    """Whether two float arrays are equal bit for bit (NaN included)."""
    return bool(np.array_equal(a.view(np.int64), b.view(np.int64)))


def wilson_interval(x: Any, n: Any, z: float = Z95) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for a binomial proportion x / n (n > 0), elementwise."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = np.where(x == 0, 0.0, np.maximum(centre - half, 0.0))
    return low, np.where(x == n, 1.0, np.minimum(centre + half, 1.0))


# The rows of ``request_rates`` ---------------------------------------------------------------

STOPS = "these records are stops, not arrests"
PREFIXES = (("", "requests", "bookings"), ("minor_", "minor", "bookings"), ("dismissal_", "dismissed", "disposed"))  # fmt: skip


def _number(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _share(x: int, n: int) -> float | None:
    return x / n if n > 0 else None


Job = tuple[dict[str, Any], str, int, int, int, int]  # row, prefix, x1, n1, x0, n0 (`_solve`)


def _ratio_jobs(
    rows: list[dict[str, Any]], ref: dict[str, Any], prefix: str, event: str, base: str
) -> list[Job]:
    """Set ``{prefix}ratio``, ``{prefix}ci_low``, ``{prefix}ci_high`` of each row to None (the
    reference's ratio to 1) and list the ratios to compute against `ref` (`_solve`): none where
    a count is None, a group has no trials, or neither group has an event."""
    for r in rows:
        r[f"{prefix}ratio"] = r[f"{prefix}ci_low"] = r[f"{prefix}ci_high"] = None
    if ref[event] is None or ref[base] == 0:
        return []
    ref[f"{prefix}ratio"] = 1.0
    return [
        (r, prefix, r[event], r[base], ref[event], ref[base])
        for r in rows
        if r is not ref
        and r[event] is not None
        and r[base] > 0
        and not (r[event] == 0 and ref[event] == 0)
    ]


def _solve(jobs: list[Job]) -> None:
    """Fill the ratios and score intervals of `jobs`, all in one vectorised computation; a job
    of prefix ``rate_`` is a rate's Wilson interval (x1 of n1)."""
    rates = [j for j in jobs if j[1] == "rate_"]
    if rates:
        low, high = wilson_interval([j[2] for j in rates], [j[3] for j in rates])
        for (r, *_), lo, hi in zip(rates, low.tolist(), high.tolist(), strict=True):
            r["rate_ci_low"], r["rate_ci_high"] = lo, hi
    jobs = [j for j in jobs if j[1] != "rate_"]
    if not jobs:
        return
    x1, n1, x0, n0 = (np.array([j[k] for j in jobs], dtype=float) for k in range(2, 6))
    low, high = score_ratio_interval(x1, n1, x0, n0)
    for (r, prefix, a, b, c, d), lo, hi in zip(jobs, low.tolist(), high.tolist(), strict=True):
        if c > 0:
            r[f"{prefix}ratio"] = (a / b) / (c / d)
        r[f"{prefix}ci_low"], r[f"{prefix}ci_high"] = _number(lo), _number(hi)


def agency_rates(
    counts: dict[str, dict[str, int]], present: frozenset[str]
) -> tuple[list[dict[str, Any]], str]:
    """One agency's ``request_rates`` rows (CONTRACTS.md section 3) and the note that says what
    they are compared with and what could not be counted.

    Parameters
    ----------
    counts : group -> the counts of `COUNTS` (`GroupCounts.of`).
    present : the columns of `RATE_COLUMNS` the bookings have.

    Returns
    -------
    (rows, note)
        One row per group with bookings, in the order of `GROUPS`: ``group``, ``bookings``,
        ``requests``, ``rate`` (requests per booking) with its Wilson interval
        (``rate_ci_low``, ``rate_ci_high``), ``ratio`` to the reference group with its score
        interval (``ci_low``, ``ci_high``), ``reference``; ``minor``, ``minor_share`` and
        ``minor_ratio`` (with ``minor_ci_low``, ``minor_ci_high``); ``disposed``,
        ``dismissed``, ``dismissal_share`` and ``dismissal_ratio`` (with its interval); and
        ``note`` where a figure is missing. The reference group is the group with most
        bookings other than ``unknown``; its ratios are 1 without an interval.
    """
    rows, notes, ref, jobs = _agency_rows(counts, present)
    _solve(jobs)
    return _finish(rows, notes, ref)


def _agency_rows(
    counts: dict[str, dict[str, int]], present: frozenset[str]
) -> tuple[list[dict[str, Any]], list[str], dict[str, Any] | None, list[Job]]:
    """`agency_rates` without the intervals: the rows, the notes, the reference row and the
    ratios still to compute (`_solve`, run once for every agency of a run)."""
    total = sum(c["bookings"] for c in counts.values())
    if total == 0:
        return [], ["no bookings of this agency in the period"], None, []
    stops = sum(c["stops"] for c in counts.values())
    known = sum(c["request_known"] for c in counts.values())
    notes = []
    requests_counted = False
    if stops == total:
        notes.append(
            f"{STOPS}: ICE requests per booking and dismissals do not apply to stops "
            f"({total:,} stops)"
        )
    elif "transfer_request" not in present:
        notes.append("the bookings have no transfer_request column: ICE requests are not counted")
    elif known == 0:
        notes.append("no booking of this agency records a transfer_request: ICE requests are not counted")  # fmt: skip
    else:
        requests_counted = True
    if 0 < stops < total:
        notes.append(f"{stops:,} of the {total:,} records are stops, not arrests")
    if "race" not in present:
        notes.append("the bookings have no race column: people not recorded as Hispanic are counted as unknown")  # fmt: skip
    if "ethnicity" not in present:
        notes.append("the bookings have no ethnicity column: Hispanic people are counted under their recorded race")  # fmt: skip
    rows: list[dict[str, Any]] = []
    for group in GROUPS:
        c = counts.get(group)
        if c is None or c["bookings"] == 0:
            continue
        n, disposed = c["bookings"], c["disposed"]
        requests = c["requests"] if requests_counted else None
        dismissed = c["dismissed"] if stops < total else None
        row: dict[str, Any] = {
            "group": group,
            "bookings": n,
            "requests": requests,
            "rate": _share(requests, n) if requests is not None else None,
            "minor": c["minor"],
            "minor_share": _share(c["minor"], n),
            "disposed": disposed if stops < total else None,
            "dismissed": dismissed,
            "dismissal_share": _share(dismissed, disposed) if dismissed is not None else None,
        }
        row["rate_ci_low"] = row["rate_ci_high"] = None  # `_solve`
        rows.append(row)
    recorded = [r for r in rows if r["group"] != "unknown"]
    ref = max(recorded, key=lambda r: r["bookings"]) if recorded else None  # first of a tie
    jobs: list[Job] = [(r, "rate_", r["requests"], r["bookings"], 0, 0) for r in rows if r["requests"] is not None]  # fmt: skip
    for r in rows:
        r["reference"] = ref["group"] if ref else None
    if ref is None:
        notes.append("no booking records a race or ethnicity: no ratios")
        for r in rows:
            for prefix, _event, _base in PREFIXES:
                r[f"{prefix}ratio"] = r[f"{prefix}ci_low"] = r[f"{prefix}ci_high"] = None
    else:
        for prefix, event, base in PREFIXES:
            jobs += _ratio_jobs(rows, ref, prefix, event, base)
        notes.insert(
            0,
            f"ratios against {LABELS[ref['group']]} people, the recorded group with most "
            f"{'stops' if stops == total else 'bookings'} ({ref['bookings']:,}); 95% score "
            "intervals (Miettinen-Nurminen) for "
            "ratios, Wilson intervals for rates",
        )
    return rows, notes, ref, jobs


def _finish(
    rows: list[dict[str, Any]], notes: list[str], ref: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], str]:
    for r in rows:
        r["note"] = _row_note(r, ref)
    return [dict(zip(ROW_KEYS, ROW_VALUES(r), strict=True)) for r in rows], "; ".join(notes)


ROW_KEYS = (
    "group", "bookings", "requests", "rate", "ratio", "ci_low", "ci_high", "reference",
    "rate_ci_low", "rate_ci_high", "minor", "minor_share", "minor_ratio", "minor_ci_low",
    "minor_ci_high", "disposed", "dismissed", "dismissal_share", "dismissal_ratio",
    "dismissal_ci_low", "dismissal_ci_high", "note",
)  # fmt: skip
ROW_VALUES = operator.itemgetter(*ROW_KEYS)


def _row_note(row: dict[str, Any], ref: dict[str, Any] | None) -> str:
    """Why a ratio or share of a row is missing or one-sided, in plain words."""
    said = []
    if row is ref:
        said.append("reference group")
    elif ref is not None and row["requests"] is not None:
        if row["requests"] == 0 and ref["requests"] == 0:
            said.append("no ICE requests in either group: no ratio")
        elif ref["requests"] == 0:
            said.append("no ICE requests in the reference group: the ratio has no upper bound")
    if row["disposed"] == 0:
        said.append("no disposed charges: no dismissal share")
    elif ref is not None and row is not ref and row["dismissed"] == 0 == ref["dismissed"]:
        said.append("no dismissals in either group: no dismissal ratio")
    return "; ".join(said)


def request_rates(
    counts: GroupCounts, oris: Sequence[str]
) -> dict[str, tuple[list[dict[str, Any]], str]]:
    """`agency_rates` for every agency of the run (the intervals in one computation)."""
    grouped = counts.by_ori()
    built = {ori: _agency_rows(grouped.get(ori, {}), counts.present) for ori in oris}
    _solve([job for _rows, _notes, _ref, jobs in built.values() for job in jobs])
    return {ori: _finish(rows, notes, ref) for ori, (rows, notes, ref, _jobs) in built.items()}
