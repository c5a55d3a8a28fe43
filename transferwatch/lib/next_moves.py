"""What can happen next to a record: the moves the user may take now, and whose move it is else.

Read from the records' own move tables (`lib.workflow.Move`, `transfers.review.Move`): any
table whose moves have `sources`, `permission` and `label`. Shown on every record's page by
`includes/next_moves.html`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from transferwatch.accounts.roles import ROLES


@dataclass(frozen=True)
class Waiting:
    label: str
    who: str  # the roles that may take the move, e.g. "a CRCL supervisor"
    not_you: str = ""  # why the user, whose role may take it, may not take it here


@dataclass(frozen=True)
class Outlook:
    status: str
    yours: list[str]
    others: list[Waiting]


def roles_with(permission: str) -> str:
    labels = [r.label for r in ROLES.values() if permission in r.permissions]
    if not labels:
        return "an administrator"
    named = [f"an {x}" if x[0] in "AEIOU" else f"a {x}" for x in labels]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]


def outlook(
    moves: Mapping[str, Any],
    status: str,
    status_label: str,
    user: Any,
    offered: Iterable[str],
    obj: Any = None,
    why_not: Callable[[str], str | None] | None = None,
) -> Outlook:
    """The next moves from `status`: those `offered` to the user, then everyone else's.

    `why_not(name)` says why the user may not take a move their role may take (tables whose moves
    carry no `check` of their own, like the transfer review's `may`).
    """
    offered = set(offered)
    yours, others = [], []
    for name, m in moves.items():
        if status not in m.sources:
            continue
        label = m.label or name.replace("_", " ").capitalize()
        if name in offered:
            yours.append(label)
            continue
        not_you = ""
        check = getattr(m, "check", None)
        if not user.has_perm(m.permission):
            pass
        elif why_not is not None:
            not_you = why_not(name) or ""
        elif check is not None and not getattr(m, "fields", ()):
            not_you = check(obj, user, {"_preview": True}) or ""
        others.append(Waiting(label, roles_with(m.permission), not_you))
    return Outlook(status_label, yours, others)


def for_record(
    moves: Mapping[str, Any],
    obj: Any,
    user: Any,
    offered: Iterable[Any],
    field: str = "status",
    why_not: Callable[[str], str | None] | None = None,
) -> Outlook:
    """`outlook` of a record; `offered` are the page's actions (names, or tuples/dicts naming them)."""
    names = []
    for a in offered:
        names.append(a["name"] if isinstance(a, dict) else a[0] if isinstance(a, tuple) else a)
    label = getattr(obj, f"get_{field}_display")()
    return outlook(moves, getattr(obj, field), label, user, names, obj, why_not)
