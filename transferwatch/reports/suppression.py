"""Cell suppression for published count tables: primary, complementary, and an LP audit.

Pure Python with numpy and scipy (no Django), so the method can be tested on its own.

Method
------
A publication is a set of *cells* (non-negative whole counts, keyed by anything hashable) and a
set of *relations* ``total = part_1 + ... + part_k`` between them: the row, column and grand
totals of a two-way table, or the links of a hierarchical table (an agency's cells add up to its
state's cell, the states' cells to the national cell). Every cell, totals included, is a
candidate for publication.

1. **Primary suppression** (threshold rule). Every cell with ``0 < value < threshold`` is
   suppressed. A true zero is published: "no requests" is not information about a person, an
   agency with none is public knowledge, and a zero shown as suppressed would only mislead.
   A published cell is therefore either 0 or at least the threshold.
2. **Complementary suppression.** Published cells are then suppressed until no suppressed
   cell can be worked out from what is published:

   a. *Two per relation* (the classic necessary condition, Cox 1980): any relation with exactly
      one suppressed cell gets a second one, repeated until no relation has a single suppressed
      cell. Each chosen cell is, in order: a cell that is the total of as few relations as
      possible (interior cells before margins, agencies before states before the nation), at
      least the protection margin (so it can absorb the shift), creating the fewest new
      single-suppression relations, and the smallest.
   b. *Audit by linear programming* (the "attacker problem" of Cox 1980 and Willenborg & de
      Waal 2001, section 4.2). For each suppressed cell ``i`` the audit solves
      ``min x_i`` and ``max x_i`` subject to every relation, every published cell fixed at its
      value and every suppressed cell ``>= 0`` (scipy.optimize.linprog, HiGHS). This is the
      range an intruder holding the whole publication can deduce. The requirement is:

      - for a primary cell of value ``a``: the feasible interval covers the *protection
        interval* ``[max(0, a - m), a + m]`` (lower and upper protection levels of ``m``,
        Willenborg & de Waal 2001), with ``m = ceil(threshold / 2)`` by default (5 for a
        threshold of 10): an intruder cannot tell a 1 from a 6, nor an 8 from a 13;
      - for a complementary cell: the interval is not a single value (not pinned).

      A primary cell failing the requirement gets one more complementary suppression among the
      published cells of its own relations (same preference order), then step (a) runs again,
      and the audit is repeated on the cells that failed. Suppressing a cell only enlarges the
      intruder's feasible set, so a cell that passed stays passed; the loop ends because each
      round suppresses at least one more cell (in the limit everything non-zero is suppressed,
      where every interval is ``[0, inf)``).
   c. Finally, a complementary cell the audit shows to be pinned is published again: its value
      is already implied by the rest, so showing it changes no other cell's feasible interval.

The audit works on the linear relaxation: an intruder using whole numbers could in principle
narrow an interval a little further in tables that are not totally unimodular (two-way tables
with margins are; a hierarchy in one dimension keeps the network structure). The protection
interval requirement leaves room for that.

References
----------
Cox, L. H. (1980). Suppression methodology and statistical disclosure control. Journal of the
American Statistical Association, 75(370), 377-385.
Willenborg, L. and de Waal, T. (2001). Elements of Statistical Disclosure Control. Lecture Notes
in Statistics 155, Springer. Chapter 4 (tabular data: sensitivity rules, protection levels,
secondary suppression).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

Key = Hashable
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Relation:
    """``total = sum(parts)`` between cells of one publication."""

    total: Key
    parts: tuple[Key, ...]


@dataclass(frozen=True)
class Protection:
    """The outcome of `protect`.

    Attributes
    ----------
    suppressed : frozenset
        Keys of the cells not to publish (primary and complementary).
    primary : frozenset
        Keys suppressed because ``0 < value < threshold``.
    threshold, margin : int
        The threshold rule and the protection level used.
    """

    suppressed: frozenset[Key]
    primary: frozenset[Key]
    threshold: int
    margin: int

    @property
    def complementary(self) -> frozenset[Key]:
        return self.suppressed - self.primary


def default_margin(threshold: int) -> int:
    return math.ceil(threshold / 2)


def protection_interval(value: int, margin: int) -> tuple[int, int]:
    """The interval a primary cell's feasible range must cover."""
    return max(0, value - margin), value + margin


def check_relations(values: Mapping[Key, int], relations: Iterable[Relation]) -> None:
    """Raise ValueError when a cell is missing, negative or not a whole number, or a total is off."""
    for key, value in values.items():
        if int(value) != value or value < 0:
            raise ValueError(f"cell {key!r} is not a non-negative whole number: {value!r}")
    for relation in relations:
        missing = [k for k in (relation.total, *relation.parts) if k not in values]
        if missing:
            raise ValueError(f"relation names unknown cells: {missing!r}")
        if values[relation.total] != sum(values[p] for p in relation.parts):
            raise ValueError(f"cell {relation.total!r} is not the sum of its parts")


def _components(
    values: Mapping[Key, int], relations: Sequence[Relation], hidden: set[Key]
) -> list[tuple[list[Key], Any, Any]]:
    """Groups of suppressed cells linked by relations, each with its equations ``A x = b``."""
    parent: dict[Key, Key] = {k: k for k in hidden}

    def find(k: Key) -> Key:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    active: list[tuple[list[tuple[Key, int]], float]] = []
    for relation in relations:
        terms = [(relation.total, 1)] + [(p, -1) for p in relation.parts]
        unknown = [(k, c) for k, c in terms if k in hidden]
        if not unknown:
            continue
        known = sum(c * values[k] for k, c in terms if k not in hidden)
        active.append((unknown, -float(known)))
        first = find(unknown[0][0])
        for k, _ in unknown[1:]:
            root = find(k)
            if root != first:
                parent[root] = first
    groups: dict[Key, list[Key]] = defaultdict(list)
    for k in sorted(hidden, key=repr):
        groups[find(k)].append(k)
    rows_of: dict[Key, list[int]] = defaultdict(list)
    for i, (unknown, _) in enumerate(active):
        rows_of[find(unknown[0][0])].append(i)
    result: list[tuple[list[Key], Any, Any]] = []
    for root, members in groups.items():
        index = {k: j for j, k in enumerate(members)}
        rows, cols, data, rhs = [], [], [], []
        for r, i in enumerate(rows_of.get(root, [])):
            unknown, constant = active[i]
            for k, c in unknown:
                rows.append(r)
                cols.append(index[k])
                data.append(c)
            rhs.append(constant)
        if rhs:
            a_eq = coo_matrix((data, (rows, cols)), shape=(len(rhs), len(members))).tocsr()
            result.append((members, a_eq, np.array(rhs)))
        else:
            result.append((members, None, None))
    return result


def feasible_intervals(
    values: Mapping[Key, int],
    relations: Sequence[Relation],
    suppressed: Iterable[Key],
    cells: Iterable[Key] | None = None,
) -> dict[Key, tuple[float, float]]:
    """What an intruder can deduce about each of `cells` (default: every suppressed cell).

    For each cell, minimise and maximise it subject to the relations, with published cells
    fixed at their values and suppressed cells non-negative (two linear programs per cell).
    """
    hidden = set(suppressed)
    wanted = hidden if cells is None else set(cells) & hidden
    result: dict[Key, tuple[float, float]] = {}
    for members, a_eq, b_eq in _components(values, relations, hidden):
        for j, key in enumerate(members):
            if key not in wanted:
                continue
            objective = np.zeros(len(members))
            objective[j] = 1.0
            low = _solve(objective, a_eq, b_eq)
            high = _solve(-objective, a_eq, b_eq)
            result[key] = (low, math.inf if high == -math.inf else -high)
    return result


def _solve(objective: np.ndarray, a_eq: Any, b_eq: Any) -> float:
    """Minimum of objective . x over the feasible set; -inf when unbounded below."""
    solution = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if solution.status == 3:
        return -math.inf
    if solution.status != 0:
        # The true values are always feasible, so anything else is a solver failure.
        raise RuntimeError(f"the suppression audit could not be solved: {solution.message}")
    return float(solution.fun)


def _reach(
    members: list[Key], a_eq: Any, b_eq: Any, goals: dict[Key, float], upward: bool
) -> set[Key]:
    """The cells of `goals` that some feasible point takes to their goal (>= up, <= down).

    Many cells are certified with one linear program: maximise the sum of ``min(x_i, goal_i)``
    (or minimise the sum of ``max(x_i, goal_i)``); a cell at its goal in the optimum is
    certified. The rest are tried again without the certified ones, and when a round certifies
    nothing, one by one (where the optimum of the cell alone decides).
    """
    n = len(members)
    index = {k: j for j, k in enumerate(members)}
    reached: set[Key] = set()
    left = [k for k in members if k in goals]
    # Weights vary between rounds (fixed seed: the same input gives the same result), so that
    # cells competing for the same slack win in turn rather than all stopping halfway.
    rng = np.random.default_rng(0)
    idle = 0
    while left and idle < 2:
        k = len(left)
        sign = -1.0 if upward else 1.0
        weights = np.ones(k) if idle == 0 and not reached else rng.uniform(0.05, 1.0, k)
        objective = np.concatenate([np.zeros(n), sign * weights])
        # upward: t_j <= x_i and t_j <= goal; downward: t_j >= x_i and t_j >= goal
        link = coo_matrix(
            (
                [sign] * k + [-sign] * k,
                (list(range(k)) * 2, [index[c] for c in left] + [n + j for j in range(k)]),
            ),
            shape=(k, n + k),
        )
        a_full = None
        if a_eq is not None:
            a_full = coo_matrix(
                (a_eq.tocoo().data, (a_eq.tocoo().row, a_eq.tocoo().col)),
                shape=(a_eq.shape[0], n + k),
            )
        bounds = [(0, None)] * n + [(0, goals[c]) if upward else (goals[c], None) for c in left]
        solution = linprog(
            objective,
            A_ub=link,
            b_ub=np.zeros(k),
            A_eq=a_full,
            b_eq=b_eq,
            bounds=bounds,
            method="highs",
        )
        if solution.status != 0:
            raise RuntimeError(f"the suppression audit could not be solved: {solution.message}")
        x = solution.x[:n]
        done = {
            c
            for c in left
            if (
                x[index[c]] >= goals[c] - TOLERANCE
                if upward
                else x[index[c]] <= goals[c] + TOLERANCE
            )
        }
        reached |= done
        left = [c for c in left if c not in done]
        # a round that certifies few cells costs more than solving them one by one
        idle = idle + 1 if len(done) * 10 < k else 0
    while left:
        c = left.pop(0)
        objective = np.zeros(n)
        objective[index[c]] = -1.0 if upward else 1.0
        solution = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if solution.status == 3:  # unbounded: only upward, where the cell can grow forever
            reached.add(c)
            continue
        if solution.status != 0:
            raise RuntimeError(f"the suppression audit could not be solved: {solution.message}")
        x = solution.x
        # the optimum for one cell may take others to their goals as well
        done = {
            d
            for d in (c, *left)
            if (
                x[index[d]] >= goals[d] - TOLERANCE
                if upward
                else x[index[d]] <= goals[d] + TOLERANCE
            )
        }
        reached |= done
        left = [d for d in left if d not in done]
    return reached


def unprotected(
    values: Mapping[Key, int],
    relations: Sequence[Relation],
    suppressed: Iterable[Key],
    primary: Iterable[Key],
    complementary: Iterable[Key] = (),
    margin: int = 5,
) -> set[Key]:
    """The cells failing the requirement: primary cells whose feasible interval does not cover
    their protection interval, and complementary cells whose interval is (about) one value."""
    hidden = set(suppressed)
    primary = set(primary) & hidden
    complementary = set(complementary) & hidden
    failing: set[Key] = set()
    for members, a_eq, b_eq in _components(values, relations, hidden):
        firsts = [k for k in members if k in primary]
        seconds = [k for k in members if k in complementary]
        if firsts:
            lows = {k: float(protection_interval(values[k], margin)[0]) for k in firsts}
            highs = {k: float(protection_interval(values[k], margin)[1]) for k in firsts}
            up = _reach(members, a_eq, b_eq, highs, upward=True)
            down = _reach(members, a_eq, b_eq, lows, upward=False)
            failing |= {k for k in firsts if k not in up or k not in down}
        if seconds:
            # not pinned: the interval reaches half a count beyond the value on either side
            up = _reach(members, a_eq, b_eq, {k: values[k] + 0.5 for k in seconds}, True)
            rest = {k: values[k] - 0.5 for k in seconds if k not in up}
            down = _reach(members, a_eq, b_eq, rest, upward=False) if rest else set()
            failing |= {k for k in seconds if k not in up and k not in down}
    return failing


def meets_requirement(
    value: int, interval: tuple[float, float], primary: bool, margin: int
) -> bool:
    low, high = interval
    if primary:
        need_low, need_high = protection_interval(value, margin)
        return low <= need_low + TOLERANCE and high >= need_high - TOLERANCE
    return high - low > TOLERANCE


def protect(
    values: Mapping[Key, int],
    relations: Sequence[Relation],
    threshold: int = 10,
    margin: int | None = None,
) -> Protection:
    """Choose the cells to suppress so that no small cell can be published or worked out.

    Parameters
    ----------
    values : mapping
        Every cell of the publication (totals included) and its true count.
    relations : sequence of Relation
        Each ``total = sum(parts)`` an intruder knows holds. Checked against `values`.
    threshold : int
        Cells with ``0 < value < threshold`` are suppressed (primary suppression).
    margin : int, optional
        Protection level of a primary cell; default ``ceil(threshold / 2)``.

    Returns
    -------
    Protection
        The suppressed cells; `feasible_intervals` gives what an intruder can deduce of each.
    """
    if threshold < 1:
        raise ValueError("the threshold must be at least 1")
    margin = default_margin(threshold) if margin is None else margin
    if margin < 0:
        raise ValueError("the margin cannot be negative")
    relations = list(relations)
    check_relations(values, relations)
    of_cell: dict[Key, list[int]] = defaultdict(list)
    weight: dict[Key, int] = defaultdict(int)
    for i, relation in enumerate(relations):
        weight[relation.total] += 1
        for k in (relation.total, *relation.parts):
            of_cell[k].append(i)

    primary = {k for k, v in values.items() if 0 < v < threshold}
    suppressed = set(primary)

    def members(i: int) -> tuple[Key, ...]:
        return (relations[i].total, *relations[i].parts)

    def singles_created(key: Key) -> int:
        return sum(1 for i in of_cell[key] if not any(k in suppressed for k in members(i)))

    def choose(candidates: Iterable[Key]) -> Key | None:
        pool = [k for k in set(candidates) if k not in suppressed]
        positive = [k for k in pool if values[k] > 0]
        if positive:
            return min(
                positive,
                key=lambda k: (
                    weight[k],
                    values[k] < margin,
                    singles_created(k),
                    values[k],
                    repr(k),
                ),
            )
        if pool:
            return min(pool, key=lambda k: (weight[k], repr(k)))
        return None

    def two_per_relation() -> None:
        changed = True
        while changed:
            changed = False
            for i in range(len(relations)):
                hidden = [k for k in members(i) if k in suppressed]
                if len(hidden) == 1:
                    extra = choose(members(i))
                    if extra is not None:
                        suppressed.add(extra)
                        changed = True

    two_per_relation()
    pending = set(primary)
    while pending:
        failing = sorted(
            unprotected(values, relations, suppressed, pending, margin=margin), key=repr
        )
        pending = set(failing)
        if not failing:
            break
        touched: set[int] = set()
        before = len(suppressed)
        for key in failing:
            if touched & set(of_cell[key]):
                continue  # a cell added this round already widened one of its relations
            extra = choose(k for i in of_cell[key] for k in members(i))
            if extra is None:
                extra = _widen(key, of_cell, members, suppressed, choose)
            if extra is None:
                break  # nothing left to hide this round: audit again what was added
            suppressed.add(extra)
            touched.update(of_cell[extra])
        two_per_relation()
        if len(suppressed) == before:
            raise RuntimeError("no cell left to suppress, yet a small cell is not protected")

    complementary = suppressed - primary
    suppressed -= unprotected(values, relations, suppressed, (), complementary, margin)
    return Protection(
        suppressed=frozenset(suppressed),
        primary=frozenset(primary),
        threshold=threshold,
        margin=margin,
    )


def _widen(
    key: Key,
    of_cell: Mapping[Key, list[int]],
    members: Callable[[int], tuple[Key, ...]],
    suppressed: set[Key],
    choose: Callable[[Iterable[Key]], Key | None],
) -> Key | None:
    """A published cell further away: in relations of the suppressed cells linked to `key`."""
    seen, frontier = {key}, [key]
    while frontier:
        nxt = []
        for cell in frontier:
            for i in of_cell[cell]:
                for k in members(i):
                    if k in suppressed and k not in seen:
                        seen.add(k)
                        nxt.append(k)
        candidates = [k for cell in nxt for i in of_cell[cell] for k in members(i)]
        extra = choose(candidates)
        if extra is not None:
            return extra
        frontier = nxt
    everything = list(of_cell)
    return choose(everything)


# --- Building the relations of the tables the report publishes -------------------------------


def hierarchical_table(
    counts: Mapping[tuple[Key, Key], int],
    rows: Sequence[Key],
    tree: Mapping[Key, Sequence[Key]],
    root: Key,
    all_rows: Key = "ALL",
) -> tuple[dict[tuple[Key, Key], int], list[Relation]]:
    """Cells and relations of a rows x hierarchy table with every total.

    Parameters
    ----------
    counts : mapping
        ``(row, leaf) -> count`` for the leaves of the hierarchy (missing pairs are 0).
    rows : sequence
        The row keys (e.g. quarters); a total row `all_rows` is added.
    tree : mapping
        ``node -> children``; nodes without children are leaves. A flat two-way table is
        ``{root: columns}``.
    root : key
        The top of the hierarchy (e.g. "ALL" for the nation).

    Returns
    -------
    values, relations
        Cells keyed ``(row, node)`` for every row (and `all_rows`) and every node, and the
        relations: each node is the sum of its children in every row, and every node's
        `all_rows` cell is the sum of its rows.
    """
    nodes: list[Key] = []

    def walk(node: Key) -> None:
        nodes.append(node)
        for child in tree.get(node, ()):
            walk(child)

    walk(root)
    leaves = [n for n in nodes if not tree.get(n)]
    values: dict[tuple[Key, Key], int] = {}
    for row in rows:
        for leaf in leaves:
            values[(row, leaf)] = int(counts.get((row, leaf), 0))
    for node in reversed(nodes):  # children before parents
        children = tree.get(node)
        if children:
            for row in rows:
                values[(row, node)] = sum(values[(row, c)] for c in children)
    for node in nodes:
        values[(all_rows, node)] = sum(values[(row, node)] for row in rows)
    relations = []
    for node in nodes:
        children = tree.get(node)
        if children:
            for row in [*rows, all_rows]:
                relations.append(Relation((row, node), tuple((row, c) for c in children)))
        relations.append(Relation((all_rows, node), tuple((row, node) for row in rows)))
    return values, relations
