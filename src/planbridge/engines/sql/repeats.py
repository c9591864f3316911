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
from dataclasses import fields, replace
from typing import Any

from google.protobuf.message import Message

from planbridge.consumer import ir
from planbridge.engines.sql.nodes import all_nodes, walked_fields

_SKIP = frozenset({"path"})
_COMPARED: dict[type, tuple[str, ...]] = {}


class _Numbers:
    """Structural value numbers: nodes equal in everything but their plan paths get the same
    number. A node's key is flat (its class and its fields' values, child nodes replaced by
    their numbers), so hashing keys stays linear in the size of the plan where nested
    fingerprints were hashed again at every level."""

    def __init__(self) -> None:
        self.memo: dict[int, Any] = {}  # id(node or message) -> number or encoding
        self.numbers: dict[tuple, int] = {}
        self.keep: list[object] = []  # keeps memoized objects alive (ids stay unique)

    def _field(self, value: object) -> Any:
        """:meth:`of` with the common plain values (names, ordinals, flags) inlined."""
        cls = type(value)
        if cls is str or cls is int or cls is bool or value is None:
            return (cls, value)
        return self.of(value)

    def of(self, value: object) -> Any:
        """A hashable stand-in for ``value``: equal for structurally equal values."""
        known = self.memo.get(id(value))
        if known is not None:
            return known
        if isinstance(value, tuple | list):  # column lists are shared by many relations
            answer: Any = tuple([self._field(x) for x in value])
        elif isinstance(value, Message):
            answer = value.SerializeToString(deterministic=True)
        elif hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type):
            cls = type(value)
            names = _COMPARED.get(cls)
            if names is None:
                names = _COMPARED[cls] = tuple(f.name for f in fields(cls) if f.name not in _SKIP)
            key = (cls, *[self._field(getattr(value, n)) for n in names])
            answer = self.numbers.setdefault(key, len(self.numbers))
        else:
            try:
                hash(value)
            except TypeError:
                return repr(value)
            return (type(value), value)
        self.keep.append(value)
        self.memo[id(value)] = answer
        return answer


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
    nodes = all_nodes(root)
    aggregates = [n for n in nodes if isinstance(n, ir.Aggregate)]
    if len(aggregates) < 2:  # a repeated aggregating subtree repeats its aggregate
        return root
    if len({_outline(a) for a in aggregates}) == len(aggregates):
        return root  # no two aggregates alike, as the cheap outline already tells
    numbers = _Numbers()
    if len({numbers.of(a) for a in aggregates}) == len(aggregates):
        return root
    counts: Counter[Any] = Counter(numbers.of(n) for n in nodes if isinstance(n, ir.Rel))
    repeated = {p for p, c in counts.items() if c > 1}
    if not repeated:
        return root
    return _Sharing(numbers, repeated).rebuild(root)


class _Sharing:
    """Rebuilds a tree with each repeated subtree after its first as a reference to it (a
    class, not a recursive closure: that would be a cycle only the collector frees)."""

    def __init__(self, numbers: _Numbers, repeated: set[Any]) -> None:
        self.numbers = numbers
        self.repeated = repeated
        self.first: dict[Any, ir.Rel] = {}
        self.ordinals: dict[Any, int] = {}

    def rebuild(self, node: Any) -> Any:
        if isinstance(node, tuple):
            items = tuple(self.rebuild(x) for x in node)
            return node if all(a is b for a, b in zip(items, node, strict=True)) else items
        names = walked_fields(type(node))
        if names is None or isinstance(node, ir.Shared):
            return node  # a shared target stays the one object all its references hold
        if isinstance(node, ir.Rel):
            p = self.numbers.of(node)
            if p in self.repeated and (p in self.first or _worth_sharing(node, all_nodes(node))):
                target = self.first.setdefault(p, node)
                n = self.ordinals.setdefault(p, -1 - len(self.ordinals))
                return ir.Shared(node.path, target.schema, None, n, target)
        changes = {}
        for name in names:  # the fields that can hold relations
            old = getattr(node, name)
            new = self.rebuild(old)
            if new is not old:
                changes[name] = new
        return replace(node, **changes) if changes else node
