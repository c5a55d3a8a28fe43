"""The plain reference for benchmarks/monitor.py: robust z-scores over one DuckDB aggregation.

    .venv/bin/python benchmarks/plain_monitor.py BOOKINGS AGENCIES

BOOKINGS is a CSV file or Parquet files (a path or glob ending in .parquet), AGENCIES a CSV file.

What an analyst would write in an afternoon from docs/methods.md: one GROUP BY ori, quarter and
before/after activation over the bookings (CSV or Parquet files, DuckDB's default reader),
joined to the agencies' activation dates, counting what the indicators need from the same
columns `transferwatch monitor` reads (ethnicity, lep, offense_category, offense_severity,
disposition, transfer_request, pep_eligible, race); then, in numpy, one figure per agency and
indicator and a robust z-score ((x - median) / (1.4826 MAD)) across agencies, flagged beyond 3.5.
No intervals, no random-effects model, no q-values, no per-group rates table, no checks of the
input (an unknown agency is dropped by the join, a bad date stops the query). It imports nothing
of ours, so its start-up is the interpreter's, DuckDB's and numpy's alone.
"""

from __future__ import annotations

import sys

import duckdb
import numpy as np

REQUEST = "transfer_request IN ('notification', 'detainer', 'transfer')"
MINOR = "(offense_category = 'minor_traffic' OR offense_severity = 'infraction')"
COUNTS = {
    "n": "true", "hisp": "ethnicity = 'H'", "lep": "lep = 'Y'", "minor": MINOR,
    "minor_hisp": f"{MINOR} AND ethnicity = 'H'", "minor_lep": f"{MINOR} AND lep = 'Y'",
    "disposed": "disposition IN ('convicted', 'dismissed')", "dismissed": "disposition = 'dismissed'",
    "disposed_hisp": "disposition IN ('convicted', 'dismissed') AND ethnicity = 'H'",
    "dismissed_hisp": "disposition = 'dismissed' AND ethnicity = 'H'",
    "reviewed": f"{REQUEST} AND pep_eligible IN ('Y', 'N')", "not_pep": f"{REQUEST} AND pep_eligible = 'N'",
    "white": "ethnicity <> 'H' AND race = 'W'", "req_hisp": f"{REQUEST} AND ethnicity = 'H'",
    "req_white": f"{REQUEST} AND ethnicity <> 'H' AND race = 'W'",
}  # fmt: skip


def detect(bookings: str, agencies: str) -> tuple[list[str], np.ndarray]:
    """The agencies (ORIs) and, per agency, whether any indicator's robust |z| exceeds 3.5."""
    counts = ", ".join(f"count(*) FILTER (WHERE {w}) AS {name}" for name, w in COUNTS.items())
    reader = "read_parquet" if bookings.endswith(".parquet") else "read_csv"
    t = duckdb.connect().sql(f"""
        SELECT b.ori, year(b.booking_date::DATE) * 10 + quarter(b.booking_date::DATE) AS quarter,
               b.booking_date::DATE >= a.activation_date::DATE AS post, {counts}
        FROM read_csv('{agencies}') a JOIN {reader}('{bookings}') b ON a.ori = b.ori
        GROUP BY ALL""").fetchnumpy()  # fmt: skip
    oris, at = np.unique(np.asarray(t["ori"], dtype=str), return_inverse=True)
    post = np.asarray(np.ma.filled(t["post"], False), dtype=bool)

    def total(name: str, when: np.ndarray | None = None) -> np.ndarray:
        weights = np.asarray(t[name], dtype=float) * (1.0 if when is None else when)
        return np.bincount(at, weights, minlength=len(oris))

    def share(x: np.ndarray, n: np.ndarray) -> np.ndarray:
        return np.divide(x, n, out=np.full_like(x, np.nan), where=n > 0)

    def minor_gap(when: np.ndarray) -> np.ndarray:  # Hispanic minus other minor-offence share
        n, h = total("n", when), total("hisp", when)
        mh, m = total("minor_hisp", when), total("minor", when)
        return share(mh, h) - share(m - mh, n - h)

    n, hisp, lep, minor = total("n"), total("hisp"), total("lep"), total("minor")
    dismissal_h = share(total("dismissed_hisp"), total("disposed_hisp"))
    dismissal_o = share(total("dismissed") - total("dismissed_hisp"), total("disposed") - total("disposed_hisp"))  # fmt: skip
    indicators = [
        minor_gap(post) - minor_gap(~post),  # minor_offense_shift (difference in differences)
        share(total("not_pep"), total("reviewed")),  # non_priority_transfers
        share(dismissal_h, dismissal_o),  # dismissal_disparity
        share(hisp, n),  # population_benchmark (share of bookings; no census here)
        share(total("minor_lep"), lep) - share(minor - total("minor_lep"), n - lep),  # lep
        share(share(total("req_hisp"), hisp), share(total("req_white"), total("white"))),  # rates
    ]
    flagged = np.zeros(len(oris), dtype=bool)
    for x in indicators:
        median = np.nanmedian(x)
        mad = 1.4826 * np.nanmedian(np.abs(x - median))
        flagged |= np.nan_to_num(np.abs(x - median) / (mad or np.inf)) > 3.5
    return oris.tolist(), flagged


if __name__ == "__main__":
    oris, flagged = detect(sys.argv[1], sys.argv[2])
    print(f"{len(oris)} agencies, {int(flagged.sum())} flagged")
