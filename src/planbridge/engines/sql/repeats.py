"""Repeated sub-plans become shared ones, so that the engine computes them once (a CTE).

A producer may spell one sub-plan twice instead of using a ``ReferenceRel`` (planbridge's
dataframe API does when a table feeds a join and a scalar subquery, as in TPC-H Q15). Two
subtrees that are equal in everything but their plan paths compute the same rows, so
:func:`share_repeats` replaces both by :class:`ir.Shared` nodes over one of them. Only
subtrees worth computing once are shared (they aggregate), and only uncorrelated ones (a CTE
cannot see an enclosing query's columns).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import fields, is_dataclass, replace
from typing import Any

from google.protobuf.message import Message

from planbridge.consumer import ir

_SKIP = frozenset({"path"})


class _Prints:
    """Structural fingerprints of nodes (plan paths left out), memoized per object."""

    def __init__(self) -> None:
        self.memo: dict[int, Any] = {}
        self.keep: list[object] = []  # keeps fingerprinted objects alive (ids stay unique)

    def of(self, node: object) -> Any:
        if isinstance(node, tuple | list):
            return tuple(self.of(x) for x in node)
        if isinstance(node, Message):
            key = id(node)
            if key not in self.memo:
                self.keep.append(node)
                self.memo[key] = node.SerializeToString(deterministic=True)
            return self.memo[key]
        if not is_dataclass(node) or isinstance(node, type):
            try:
                hash(node)
            except TypeError:
                return repr(node)
            return (type(node).__name__, node)
        key = id(node)
        if key not in self.memo:
            self.keep.append(node)
            parts = [self.of(getattr(node, f.name)) for f in fields(node) if f.name not in _SKIP]
            self.memo[key] = (type(node).__name__, *parts)
        return self.memo[key]


# Fields that never hold relations or expressions: not walked (fingerprints keep them)
_LEAVES = frozenset({"path", "columns", "type", "base_schema", "table_schema", "emit", "names"})
_WALKED: dict[type, tuple[str, ...]] = {}


def _children(node: object) -> list[object]:
    """The dataclass nodes directly inside ``node`` (relations, expressions, measures ..)."""
    cls = type(node)
    names = _WALKED.get(cls)
    if names is None:
        names = _WALKED[cls] = tuple(f.name for f in fields(node) if f.name not in _LEAVES)  # type: ignore[arg-type]
    out: list[object] = []
    stack = [getattr(node, n) for n in names]
    while stack:
        v = stack.pop()
        if isinstance(v, tuple | list):
            stack.extend(v)
        elif hasattr(type(v), "__dataclass_fields__") and not isinstance(v, type):
            out.append(v)  # ``is_dataclass`` inlined: this runs for every field of the plan
    return out


def _walk(node: object) -> list[object]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(_children(n))
    return out


def _worth_sharing(rel: ir.Rel, nodes: list[object]) -> bool:
    """Aggregates somewhere inside and no correlated (outer) reference anywhere inside."""
    if isinstance(rel, ir.Read | ir.Shared):
        return False
    return any(isinstance(n, ir.Aggregate) for n in nodes) and not any(
        isinstance(n, ir.OuterRef) for n in nodes
    )


def _outline(a: ir.Aggregate) -> tuple:
    """A few fields of an aggregate that equal fingerprints imply equal: different outlines
    prove two aggregates differ without fingerprinting their subtrees (the costly part)."""
    calls = tuple(m.call.name for m in a.measures)
    inp = a.input
    return (
        calls,
        a.grouping_sets,
        len(a.grouping_expressions),
        a.emit,
        type(inp),
        len(inp.columns),
    )


def share_repeats(root: ir.Rel) -> ir.Rel:
    """``root`` with every maximal repeated, aggregating, uncorrelated subtree shared."""
    nodes = _walk(root)
    aggregates = [n for n in nodes if isinstance(n, ir.Aggregate)]
    if len(aggregates) < 2:  # a repeated aggregating subtree repeats its aggregate
        return root
    if len({_outline(a) for a in aggregates}) == len(aggregates):
        return root  # no two aggregates alike, as the cheap outline already tells
    prints = _Prints()
    if len({prints.of(a) for a in aggregates}) == len(aggregates):
        return root
    counts: Counter[Any] = Counter(prints.of(n) for n in nodes if isinstance(n, ir.Rel))
    repeated = {p for p, c in counts.items() if c > 1}
    if not repeated:
        return root
    first: dict[Any, ir.Rel] = {}
    ordinals: dict[Any, int] = {}

    def rebuild(node: Any) -> Any:
        if isinstance(node, tuple):
            items = tuple(rebuild(x) for x in node)
            return node if all(a is b for a, b in zip(items, node, strict=True)) else items
        if not is_dataclass(node) or isinstance(node, type) or isinstance(node, ir.Shared):
            return node  # a shared target stays the one object all its references hold
        if isinstance(node, ir.Rel):
            p = prints.of(node)
            if p in repeated and (p in first or _worth_sharing(node, _walk(node))):
                target = first.setdefault(p, node)
                n = ordinals.setdefault(p, -1 - len(ordinals))
                return ir.Shared(node.path, target.schema, None, n, target)
        changes = {}
        for f in fields(node):
            if f.name in _SKIP or not f.init:
                continue
            old = getattr(node, f.name)
            new = rebuild(old)
            if new is not old:
                changes[f.name] = new
        return replace(node, **changes) if changes else node

    return rebuild(root)
