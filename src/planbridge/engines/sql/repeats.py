"""Repeated sub-plans become shared ones, so that the engine computes them once (a CTE).

A producer may spell one sub-plan twice instead of using a ``ReferenceRel`` (planbridge's
dataframe API does when a table feeds a join and a scalar subquery, as in TPC-H Q15). Two
subtrees that are equal in everything but their plan paths compute the same rows, so
:func:`share_repeats` replaces both by :class:`ir.Shared` nodes over one of them. Only
subtrees worth computing once are shared (they aggregate), and only uncorrelated ones (a CTE
cannot see an enclosing query's columns). Copies are found from their aggregates up, so a
plan is compared only where it may repeat (:class:`_Repeats`).
"""

from __future__ import annotations

import operator
from collections import Counter
from dataclasses import fields, replace
from typing import Any

from google.protobuf.message import Message

from planbridge.consumer import ir
from planbridge.engines.sql.nodes import all_nodes, nodes_and_parents, rel_fields, walked_fields

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
        elif type(value) is float:  # -0.0 == 0.0, but they are not the same constant
            return (float, value.hex())
        else:
            try:
                hash(value)
            except TypeError:
                return repr(value)
            return (type(value), value)
        self.keep.append(value)
        self.memo[id(value)] = answer
        return answer


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
    outlines = [_outline(a) for a in aggregates]
    if len(set(outlines)) == len(aggregates):
        return root  # no two aggregates alike, as the cheap outline already tells
    counts = Counter(outlines)
    alike = {id(a): o for a, o in zip(aggregates, outlines, strict=True) if counts[o] > 1}
    found = _Repeats(root, alike, *_traits(nodes))
    if not found.number:
        return root
    return _Sharing(found).field(root)


class _Repeats:
    """The repeated relations that may be worth sharing (``number``: id -> class), found
    without numbering the whole plan. Such a relation holds an aggregate, and each copy
    holds an equal aggregate at the same place; so equal aggregates are found first, then
    their parents, level by level up, as long as two parents of equal nodes may be equal.
    ``on_path``: the ids of the repeated relations and of every node above one;
    ``correlated``: the ids of the nodes that hold an outer reference. With ``rels_alone``
    only the relations are walked (every node above a relation is then a relation); with
    ``by_encoding``, relations bound from equal encodings are known equal (see
    :func:`_traits`)."""

    def __init__(
        self, root: ir.Rel, alike: dict[int, tuple], rels_alone: bool, by_encoding: bool
    ) -> None:
        self.by_encoding = by_encoding
        self.numbers = _Numbers()
        self.number: dict[int, Any] = {}
        self.on_path: set[int] = set()
        self.correlated: set[int] = set()
        nodes, parents = nodes_and_parents(root, rels_only=rels_alone)
        groups: dict[tuple, list[int]] = {}  # positions of aggregates with one outline
        holding_outer: set[int] = set()
        leading_to_repeats: set[int] = set()
        for i, n in enumerate(nodes):
            outline = alike.get(id(n))
            if outline is not None:
                groups.setdefault(outline, []).append(i)
            elif isinstance(n, ir.OuterRef):
                _mark(i, nodes, parents, self.correlated, holding_outer)
        level = list(groups.values())
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
                            _mark(i, nodes, parents, self.on_path, leading_to_repeats)
                        up = parents[i]
                        if up >= 0 and up not in seen:
                            seen.add(up)
                            ups.setdefault(_kind(nodes[up]), []).append(up)
            level = [group for group in ups.values() if len(group) > 1]

    def worth_sharing(self, rel: ir.Rel) -> bool:
        """Whether repeated ``rel`` is worth computing once: it aggregates (every repeated
        relation found holds an aggregate) and no outer reference inside ties it to an
        enclosing query (a CTE cannot see its columns)."""
        return not isinstance(rel, ir.Read | ir.Shared) and id(rel) not in self.correlated

    def _classes(self, group: list[int], nodes: list[object]) -> dict[Any, list[int]]:
        """The positions in ``group`` by structural class. Relations bound from equal plan
        messages are equal, so a group all bound from one encoding needs no numbering."""
        if self.by_encoding:
            encodings = [_encoding(nodes[i]) for i in group]
        else:
            encodings = [None] * len(group)
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


_TRAITS: dict[type, tuple[bool, bool, bool]] = {}


def _traits(nodes: list[object]) -> tuple[bool, bool]:
    """Two facts about the plan of ``nodes``. Whether relations alone hold its relations:
    no subquery (an expression holding a relation) and no outer reference. And whether
    relations bound from equal encodings are equal: the binder makes the same relation of
    the same message unless something inside takes its type from around it, an outer
    reference (the enclosing query's columns) or the parameter of an enclosing lambda."""
    subquery = outer = parameter = False
    for cls in set(map(type, nodes)):
        traits = _TRAITS.get(cls)
        if traits is None:
            traits = _TRAITS[cls] = (
                not issubclass(cls, ir.Rel) and bool(rel_fields(cls)),
                issubclass(cls, ir.OuterRef),
                issubclass(cls, ir.LambdaParam),
            )
        subquery |= traits[0]
        outer |= traits[1]
        parameter |= traits[2]
    return not (subquery or outer), not (outer or parameter)


def _mark(i: int, nodes: list[object], parents: list[int], marks: set[int], done: set[int]) -> None:
    """Adds the ids of node ``i`` and of every node above it to ``marks``; ``done``: the
    positions marked so far (by position: one node may sit in two places)."""
    while i >= 0 and i not in done:
        done.add(i)
        marks.add(id(nodes[i]))
        i = parents[i]


def _encoding(node: object) -> bytes | None:
    """The plan message a relation was bound from, encoded (None when not known)."""
    source = getattr(node, "source", None)
    return None if source is None else source.SerializeToString(deterministic=True)


def _kind(node: object) -> tuple:
    """What equal nodes share and costs nothing to find: their class and width."""
    return (type(node), len(node.columns) if isinstance(node, ir.Rel) else 0)


class _Sharing:
    """Rebuilds a tree with each repeated subtree after its first as a reference to it (a
    class, not a recursive closure: that would be a cycle only the collector frees). Only
    the nodes on the way to a repeated relation are visited."""

    def __init__(self, found: _Repeats) -> None:
        self.found = found
        self.number = found.number
        self.on_path = found.on_path
        self.first: dict[Any, ir.Rel] = {}
        self.ordinals: dict[Any, int] = {}

    def rebuild(self, node: Any) -> Any:
        """``node`` (on the way to a repeated relation) rebuilt."""
        if isinstance(node, ir.Shared):
            return node  # a shared target stays the one object all its references hold
        if isinstance(node, ir.Rel):
            p = self.number.get(id(node))
            if p is not None and (p in self.first or self.found.worth_sharing(node)):
                target = self.first.setdefault(p, node)
                n = self.ordinals.setdefault(p, -1 - len(self.ordinals))
                return ir.Shared(node.path, target.schema, None, n, target)
        changes = {}
        for name in walked_fields(type(node)) or ():  # the fields that can hold relations
            old = getattr(node, name)
            new = self.items(old) if type(old) is tuple else self.field(old)
            if new is not old:
                changes[name] = new
        return replace(node, **changes) if changes else node

    def field(self, value: Any) -> Any:
        """``value`` rebuilt if it leads to a repeated relation, else itself."""
        return self.rebuild(value) if id(value) in self.on_path else value

    def items(self, values: tuple) -> tuple:
        """A tuple of nodes (or of tuples of them) rebuilt where it leads to a repeat."""
        if tuple not in map(type, values) and self.on_path.isdisjoint(map(id, values)):
            return values  # (the common case) no item leads to a repeated relation
        new = tuple([self.items(x) if type(x) is tuple else self.field(x) for x in values])
        return values if all(map(operator.is_, new, values)) else new
