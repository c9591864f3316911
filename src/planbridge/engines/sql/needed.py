"""Which output columns of each relation anything reads (column pruning before SQL).

Relations pass their input's columns through, so without pruning a deep plan carries every
base column through every level of the SQL. :func:`needed_columns` walks the bound tree top
down and records, per relation, the set of its *direct* output columns (before ``emit``)
that its parent reads; ``None`` means all. Subqueries count the outer references that reach
back to the relation. Set operations, shared sub-plans, extensions and writes keep all of
their inputs' columns.
"""

from __future__ import annotations

from planbridge.consumer import ir
from planbridge.engines.sql.nodes import walked_fields

Needed = frozenset[int] | None


_SUBQUERIES = frozenset({ir.ScalarSubquery, ir.InSubquery, ir.SetPredicate, ir.SetComparison})


def _refs(nodes: object, out: set[int], depth: int = 0) -> bool:
    """Add the input fields ``nodes`` read to ``out``: field references at this level and
    outer references that reach it from inside subqueries (``steps_out`` = nesting depth).

    One loop over a stack of nodes, dispatching on the exact class; the relation of a
    subquery (rare) is walked by a nested call one level deeper."""
    stack = [nodes]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        cls = type(node)
        if cls is ir.FieldRef:
            if depth == 0:
                out.add(node.index)  # type: ignore[attr-defined]
        elif cls is tuple or cls is list:
            extend(node)  # type: ignore[arg-type]
        elif cls is ir.OuterRef:
            if node.steps_out == depth:  # type: ignore[attr-defined]
                out.add(node.index)  # type: ignore[attr-defined]
        else:
            names = walked_fields(cls)
            if not names:
                continue
            for name in names:
                if name == "rel" and cls in _SUBQUERIES:
                    _refs(node.rel, out, depth + 1)  # type: ignore[attr-defined]
                else:
                    push(getattr(node, name))
    return True


def _direct(r: ir.Rel, out_needed: Needed) -> Needed:
    """Output (after emit) indices -> direct output indices."""
    if r.emit is None or out_needed is None:
        return None if r.emit is not None else out_needed
    return frozenset(r.emit[i] for i in out_needed)


def _with(base: Needed, *exprs: object) -> Needed:
    if base is None:
        return None
    extra: set[int] = set(base)
    return frozenset(extra) if _refs(exprs, extra) else None


def _below(r: ir.Rel, direct: Needed) -> list[Needed]:
    """What each input of ``r`` must provide, given the direct columns read from ``r``."""
    if isinstance(r, ir.Filter):
        return [_with(direct, r.condition)]
    if isinstance(r, ir.Sort):
        return [_with(direct, r.sorts)]
    if isinstance(r, ir.Fetch):
        return [direct]
    if isinstance(r, ir.Project | ir.Window):
        width = len(r.input.schema)
        base = None if direct is None else frozenset(i for i in direct if i < width)
        added = r.expressions if isinstance(r, ir.Project) else r.functions
        extra = (r.partition_by, r.order_by) if isinstance(r, ir.Window) else ()
        return [_with(base, added, extra)]
    if isinstance(r, ir.Aggregate):
        return [_with(frozenset(), r.grouping_expressions, r.measures)]
    if isinstance(r, ir.Join | ir.Cross):
        wl = len(r.left.schema)
        both: Needed
        if direct is None:
            both = None
        elif isinstance(r, ir.Join) and r.type.startswith("right_") and r.type != "right_single":
            both = frozenset(wl + i for i in direct if i < len(r.right.schema))
        elif isinstance(r, ir.Join) and r.type in ("left_semi", "left_anti", "left_mark"):
            both = frozenset(i for i in direct if i < wl)
        else:
            both = direct
        if isinstance(r, ir.Join):
            both = _with(both, r.condition, r.post_join_filter)
        if both is None:
            return [None, None]
        return [
            frozenset(i for i in both if i < wl),
            frozenset(i - wl for i in both if i >= wl),
        ]
    return [None for _ in r.inputs()]


def needed_columns(root: ir.Rel) -> dict[int, Needed]:
    """``id(rel) -> direct output columns read`` for every relation under ``root``."""
    result: dict[int, Needed] = {}
    stack: list[tuple[ir.Rel, Needed]] = [(root, None)]
    while stack:
        rel, out_needed = stack.pop()
        direct = _direct(rel, out_needed)
        key = id(rel)
        if key in result:  # reached twice (shared): keep the union
            old = result[key]
            direct = None if old is None or direct is None else old | direct
            if direct == old:
                continue
        result[key] = direct
        if isinstance(rel, ir.Read):
            continue
        for child, need in zip(rel.inputs(), _below(rel, direct), strict=True):
            stack.append((child, need))
    return result
