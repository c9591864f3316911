"""Sorting in place: the sort keys, ORDER BY and LIMIT of a sorted relation in the select
that computes them, rather than in selects wrapped around it.

A frame's hidden ``_o0 ..`` columns (see :mod:`.frame`) carry an order through the
relations above a sort. When a fetch or the query's root sits right on the select that
computes them, that select can be ordered by the keys' expressions and, at the root, drop
the hidden columns: ``SELECT .. FROM .. WHERE .. ORDER BY .. LIMIT ..`` as written by hand,
not three nested selects. Each derived table costs the engine planning time on every
execution (about 0.5 ms per TPC-H query on DuckDB, 2-5 % of the short ones).
"""

from __future__ import annotations

import sqlglot.expressions as exp

from planbridge.engines.sql.frame import Frame, Value, holds, node, ref
from planbridge.engines.sql.needed import Needed


def kept(frame: Frame, need: Needed) -> list[Value | None]:
    """The pending values of ``frame`` that survive a fetch reading the columns ``need``
    (the hidden sort keys stay)."""
    values = frame.values
    assert values is not None
    if need is None:
        return list(values)
    w = frame.width
    return [v if i >= w or i in need else None for i, v in enumerate(values)]


def sort_keys(frame: Frame) -> list[Value] | None:
    """The values of ``frame``'s hidden sort keys while its select list is pending, or
    None when it is built or a key is a window or a subquery (which ORDER BY would
    evaluate again)."""
    if frame.values is None:
        return None
    hidden: list[Value] = frame.values[frame.width :]  # type: ignore[assignment]
    for v in hidden:
        if type(v) is not tuple and holds(v, (exp.Window, exp.Select)):  # type: ignore[arg-type]
            return None
    return hidden


def order_by_keys(select: exp.Select, frame: Frame, keys: list[Value], take: bool) -> None:
    """``ORDER BY`` the sort keys' expressions (themselves with ``take``: they leave the
    select list; else copies)."""
    ordered = [
        exp.Ordered(this=node(k) if take else ref(k), desc=o.desc, nulls_first=o.nulls_first)
        for k, o in zip(keys, frame.ordering, strict=True)
    ]
    select.set("order", exp.Order(expressions=ordered))


def order_in_place(frame: Frame) -> bool:
    """Drop the root frame's hidden sort-key columns in place, ordering its select by
    their expressions, when SQL allows it (a DISTINCT select must output what it orders
    by; a sort key that is a window or outer query would be evaluated twice)."""
    q = frame.node
    if not isinstance(q, exp.Select) or q.args.get("distinct") or q.args.get("qualify"):
        return False
    hidden = sort_keys(frame)
    if hidden is None:
        return False
    visible = frame.values[: frame.width]  # type: ignore[index]
    if all(v is None for v in visible):
        return False
    if not q.args.get("order"):
        order_by_keys(q, frame, hidden, take=True)
    frame.values, frame.ordering = visible, ()
    return True
