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

_SKIP = frozenset({"path", "source"})
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
    outlines = Counter(_outline(a) for a in aggregates)
    if len(outlines) == len(aggregates):
        return root  # no two aggregates alike, as the cheap outline already tells
    found = _Repeats(root, outlines)
    if not found.number:
        return root
    return _Sharing(found).rebuild(root)


class _Repeats:
    """The repeated relations that may be worth sharing (``number``: id -> class), found
    without numbering the whole plan. Such a relation holds an aggregate, and each copy
    holds an equal aggregate at the same place; so equal aggregates are found first, then
    their parents, level by level up, as long as two parents of equal nodes may be equal.
    ``on_path`` holds the ids of the repeated relations and of every node above one."""

    def __init__(self, root: ir.Rel, outlines: Counter[tuple]) -> None:
        self.numbers = _Numbers()
        self.number: dict[int, Any] = {}
        self.on_path: set[int] = set()
        nodes, parents = _positions(root)
        alike: dict[Any, list[int]] = {}
        for i, n in enumerate(nodes):
            if isinstance(n, ir.Aggregate) and outlines[key := _outline(n)] > 1:
                alike.setdefault(key, []).append(i)
        level = list(alike.values())
        seen = {i for group in level for i in group}
        while level:
            ups: dict[tuple, list[int]] = {}
            for group in level:
                for number, members in self._classes(group, nodes).items():
                    if len(members) < 2:
                        continue
                    for i in members:
                        if isinstance(nodes[i], ir.Rel):
                            self.number[id(nodes[i])] = number
                            self._mark(i, nodes, parents)
                        up = parents[i]
                        if up >= 0 and up not in seen:
                            seen.add(up)
                            ups.setdefault(_kind(nodes[up]), []).append(up)
            level = [group for group in ups.values() if len(group) > 1]

    def _classes(self, group: list[int], nodes: list[object]) -> dict[Any, list[int]]:
        """The positions in ``group`` by structural class. Relations bound from equal plan
        messages are equal, so a group all bound from one encoding needs no numbering."""
        encodings = [_encoding(nodes[i]) for i in group]
        first = encodings[0]
        if first is not None and encodings.count(first) == len(encodings):
            return {first: group}
        of = self.numbers.of
        numbered: dict[bytes, Any] = {}  # nodes bound from one encoding: numbered once
        out: dict[Any, list[int]] = {}
        for i, encoding in zip(group, encodings, strict=True):
            if encoding is None:
                number = of(nodes[i])
            elif (number := numbered.get(encoding)) is None:
                number = numbered[encoding] = of(nodes[i])
            out.setdefault(number, []).append(i)
        return out

    def _mark(self, i: int, nodes: list[object], parents: list[int]) -> None:
        """Marks node ``i`` and the nodes above it as on the way to a repeated relation."""
        on_path = self.on_path
        while i >= 0 and id(nodes[i]) not in on_path:
            on_path.add(id(nodes[i]))
            i = parents[i]


def _encoding(node: object) -> bytes | None:
    """The plan message a relation was bound from, encoded (None when not known)."""
    source = getattr(node, "source", None)
    return None if source is None else source.SerializeToString(deterministic=True)


def _kind(node: object) -> tuple:
    """What equal nodes share and costs nothing to find: their class and width."""
    return (type(node), len(node.columns) if isinstance(node, ir.Rel) else 0)


def _positions(root: object) -> tuple[list[object], list[int]]:
    """Every node under ``root``, as :func:`all_nodes` finds them, and the index of each
    one's parent (-1 for ``root``)."""
    nodes: list[object] = []
    parents: list[int] = []
    stack: list[object] = [root]
    ups: list[int] = [-1]
    pop, push, up_pop, up_push = stack.pop, stack.append, ups.pop, ups.append
    while stack:
        v = pop()
        up = up_pop()
        cls = type(v)
        if cls is tuple or cls is list:
            stack.extend(v)  # type: ignore[arg-type]
            ups.extend([up] * len(v))  # type: ignore[arg-type]
            continue
        names = walked_fields(cls)
        if names is None:
            continue
        i = len(nodes)
        nodes.append(v)
        parents.append(up)
        for name in names:
            push(getattr(v, name))
            up_push(i)
    return nodes, parents


class _Sharing:
    """Rebuilds a tree with each repeated subtree after its first as a reference to it (a
    class, not a recursive closure: that would be a cycle only the collector frees). Only
    the nodes on the way to a repeated relation are visited."""

    def __init__(self, found: _Repeats) -> None:
        self.number = found.number
        self.on_path = found.on_path
        self.first: dict[Any, ir.Rel] = {}
        self.ordinals: dict[Any, int] = {}

    def rebuild(self, node: Any) -> Any:
        if isinstance(node, tuple):
            items = tuple(self.rebuild(x) for x in node)
            return node if all(a is b for a, b in zip(items, node, strict=True)) else items
        if id(node) not in self.on_path or isinstance(node, ir.Shared):
            return node  # a shared target stays the one object all its references hold
        if isinstance(node, ir.Rel):
            p = self.number.get(id(node))
            if p is not None and (p in self.first or _worth_sharing(node, all_nodes(node))):
                target = self.first.setdefault(p, node)
                n = self.ordinals.setdefault(p, -1 - len(self.ordinals))
                return ir.Shared(node.path, target.schema, None, n, target)
        changes = {}
        for name in walked_fields(type(node)) or ():  # the fields that can hold relations
            old = getattr(node, name)
            new = self.rebuild(old)
            if new is not old:
                changes[name] = new
        return replace(node, **changes) if changes else node
