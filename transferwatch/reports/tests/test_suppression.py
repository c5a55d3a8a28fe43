"""Cell suppression: no small cell published, none recoverable from the published totals.

The audit here is written independently of suppression.feasible_intervals: it builds the
intruder's linear programs for a two-way table with margins directly from the matrix.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from transferwatch.reports.suppression import (
    Relation,
    feasible_intervals,
    hierarchical_table,
    protect,
    protection_interval,
)

T, M = 10, 5


def two_way(matrix: list[list[int]]) -> tuple[dict, list[Relation]]:
    counts = {(r, c): v for r, row in enumerate(matrix) for c, v in enumerate(row)}
    columns = list(range(len(matrix[0])))
    return hierarchical_table(counts, list(range(len(matrix))), {"ALL": columns}, "ALL")


def intruder_ranges(matrix: list[list[int]], hidden: set) -> dict:
    """Min and max of each hidden cell of the table, totals row "ALL" and column "ALL"."""
    n_rows, n_cols = len(matrix), len(matrix[0])
    full = np.zeros((n_rows + 1, n_cols + 1), dtype=int)
    full[:n_rows, :n_cols] = matrix
    full[:n_rows, n_cols] = full[:n_rows, :n_cols].sum(axis=1)
    full[n_rows, :] = full[:n_rows, :].sum(axis=0)
    name = {}
    for r in range(n_rows + 1):
        for c in range(n_cols + 1):
            name[(r, c)] = ("ALL" if r == n_rows else r, "ALL" if c == n_cols else c)
    unknown = [rc for rc in name if name[rc] in hidden]
    col = {rc: j for j, rc in enumerate(unknown)}
    equations, rhs = [], []
    lines = [[(r, c) for c in range(n_cols)] + [(r, n_cols)] for r in range(n_rows + 1)]
    lines += [[(r, c) for r in range(n_rows)] + [(n_rows, c)] for c in range(n_cols + 1)]
    for line in lines:  # parts minus total = 0
        coef = np.zeros(len(unknown))
        known = 0
        for rc, sign in zip(line, [1] * (len(line) - 1) + [-1], strict=True):
            if rc in col:
                coef[col[rc]] += sign
            else:
                known += sign * full[rc]
        if coef.any():
            equations.append(coef)
            rhs.append(-known)
    ranges = {}
    for rc in unknown:
        objective = np.zeros(len(unknown))
        objective[col[rc]] = 1
        args = {"A_eq": np.array(equations), "b_eq": np.array(rhs)} if equations else {}
        low = linprog(objective, bounds=(0, None), method="highs", **args)
        high = linprog(-objective, bounds=(0, None), method="highs", **args)
        top = math.inf if high.status == 3 else -high.fun
        ranges[name[rc]] = (low.fun, top)
    return ranges


def check_table(matrix: list[list[int]]) -> None:
    values, relations = two_way(matrix)
    result = protect(values, relations, threshold=T)
    published = {k: v for k, v in values.items() if k not in result.suppressed}
    # nothing small published; every small cell suppressed; zeros published as true zeros
    assert not [k for k, v in published.items() if 0 < v < T]
    assert result.primary == {k for k, v in values.items() if 0 < v < T}
    assert all(values[k] > 0 for k in result.primary)
    # a row or column (or the totals) with one suppressed cell would give it away
    for relation in relations:
        hidden = [k for k in (relation.total, *relation.parts) if k in result.suppressed]
        assert len(hidden) != 1, relation
    ranges = intruder_ranges(matrix, set(result.suppressed))
    assert set(ranges) == set(result.suppressed)
    for key, (low, high) in ranges.items():
        assert high - low > 0.5, (key, low, high)  # not pinned
        if key in result.primary:
            need_low, need_high = protection_interval(values[key], M)
            assert low <= need_low + 1e-6 and high >= need_high - 1e-6, (key, low, high)
    # the module's own audit agrees with the independent one
    mine = feasible_intervals(values, relations, result.suppressed)
    for key, (low, high) in ranges.items():
        assert mine[key][0] == pytest.approx(low, abs=1e-6)
        assert mine[key][1] == pytest.approx(high, abs=1e-6) or high == mine[key][1] == math.inf


def test_it_adds_a_complementary_cell_to_a_row_with_a_single_small_cell() -> None:
    matrix = [[3, 40, 25], [12, 30, 50], [20, 15, 60]]
    values, relations = two_way(matrix)
    result = protect(values, relations)
    assert result.primary == {(0, 0)}
    row0 = {k for k in result.suppressed if k[0] == 0}
    col0 = {k for k in result.suppressed if k[1] == 0}
    assert len(row0) >= 2 and len(col0) >= 2
    assert result.complementary  # cells of 10 or more hidden to protect the 3
    assert all(values[k] >= T for k in result.complementary)
    check_table(matrix)


def test_it_publishes_a_table_with_no_small_cell_untouched() -> None:
    values, relations = two_way([[10, 40], [12, 0]])
    assert protect(values, relations).suppressed == frozenset()


def test_it_publishes_true_zeros_and_never_uses_them_to_hide() -> None:
    matrix = [[0, 4, 30], [0, 25, 31], [0, 18, 40]]
    values, relations = two_way(matrix)
    result = protect(values, relations)
    assert not {k for k in result.suppressed if values[k] == 0}
    check_table(matrix)


def test_it_protects_small_margins_too() -> None:
    # the first row's total (7) and first column's total (8) are small themselves
    check_table([[3, 4], [5, 6]])


def test_it_protects_agencies_against_their_published_state_total() -> None:
    # state A: one small agency cell in Q1; the state's Q1 cell (42) is published
    counts = {
        ("Q1", "a1"): 2,
        ("Q1", "a2"): 40,
        ("Q2", "a1"): 30,
        ("Q2", "a2"): 35,
        ("Q1", "b1"): 50,
        ("Q2", "b1"): 60,
    }
    tree = {"ALL": ["A", "B"], "A": ["a1", "a2"], "B": ["b1"]}
    values, relations = hierarchical_table(counts, ["Q1", "Q2"], tree, "ALL")
    result = protect(values, relations)
    assert ("Q1", "a1") in result.suppressed
    # the Q1 cells of state A (agencies and state total) cannot give the 2 away
    hidden_a = [k for k in (("Q1", "A"), ("Q1", "a1"), ("Q1", "a2")) if k in result.suppressed]
    assert len(hidden_a) >= 2
    ranges = feasible_intervals(values, relations, result.suppressed)
    low, high = ranges[("Q1", "a1")]
    assert low <= 0 and high >= 7
    # B has a single agency: its cells equal the state's, so both are hidden or both shown
    for q in ("Q1", "Q2", "ALL"):
        assert ((q, "b1") in result.suppressed) == ((q, "B") in result.suppressed)


def test_it_refuses_totals_that_do_not_add_up() -> None:
    with pytest.raises(ValueError, match="not the sum"):
        protect({"t": 5, "a": 2, "b": 2}, [Relation("t", ("a", "b"))])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda cols: st.lists(
            st.lists(
                st.one_of(st.integers(0, 12), st.integers(0, 60)), min_size=cols, max_size=cols
            ),
            min_size=1,
            max_size=5,
        )
    )
)
@example(matrix=[[1, 1], [1, 1], [1, 9]])  # found by hypothesis: the last cell to hide ends a round
def test_it_never_publishes_or_reveals_a_small_cell(matrix: list[list[int]]) -> None:
    check_table(matrix)
