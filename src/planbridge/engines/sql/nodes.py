"""Which fields of a bound-plan node can hold other nodes, computed once per node class.

The translator's side passes (:mod:`.repeats`, :mod:`.needed`) walk every relation and
expression of a plan before translating it. Asking :func:`dataclasses.fields` per node and
testing every field value costs more than the passes' own work, so the walkable field names
of each class are found once here, from the fields' annotations: a field is walked when its
annotation names a node class (``Expr | None``, ``tuple[SortField, ...]``) or something this
module cannot tell is plain data. Fields that only hold data (types, names, paths, schemas,
literal values, ordinals) are left out. One walk serves :func:`all_nodes` and
:func:`nodes_and_parents` (which also says where each node hangs, or walks relations only).
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from planbridge.consumer import ir

_NODES = (ir.Rel, ir.Expr, ir.Measure, ir.SortField, ir.WindowBound)
_PLAIN = frozenset({"tuple", "int", "str", "bool", "float", "bytes", "None"})


class _Fields(dict):
    """Node class -> the names of its fields to walk (None: not a node class), each class
    worked out by ``find`` on first use (a dict, so the walk's lookup is one subscript)."""

    def __init__(self, find: Callable[[type], tuple[str, ...] | None]) -> None:
        super().__init__()
        self.find = find

    def __missing__(self, cls: type) -> tuple[str, ...] | None:
        names = self[cls] = self.find(cls)
        return names


def _may_hold_nodes(annotation: str, kinds: tuple[type, ...] = _NODES) -> bool:
    """Whether a field annotated ``annotation`` (a string: ir uses postponed annotations)
    can hold a node (of ``kinds``); names it cannot resolve count as nodes, to be safe."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "", annotation)  # TypingLiteral['a', ..] values
    for name in re.findall(r"[A-Za-z_]\w*", text):
        if name in _PLAIN:
            continue
        obj = getattr(ir, name, Any)
        if obj is Any:
            return True
        named = obj.__args__ if isinstance(obj, types.UnionType) else (obj,)
        if any(isinstance(k, type) and issubclass(k, kinds) for k in named):
            return True
    return False


def _walked(cls: type) -> tuple[str, ...] | None:
    if cls is ir.Literal:
        return ()  # a literal's ``value`` (annotated ``Any``) is a Python value, never a node
    if not issubclass(cls, _NODES):
        return None
    return tuple(f.name for f in fields(cls) if _may_hold_nodes(str(f.type)))


def _holding_rels(cls: type) -> tuple[str, ...] | None:
    names = _WALKED[cls]
    if names is None:
        return None
    annotations = {f.name: str(f.type) for f in fields(cls)}
    return tuple(n for n in names if _may_hold_nodes(annotations[n], (ir.Rel,)))


_WALKED = _Fields(_walked)
_RELS = _Fields(_holding_rels)


def walked_fields(cls: type) -> tuple[str, ...] | None:
    """The field names of node class ``cls`` that may hold nodes (or tuples of them);
    None when ``cls`` is not a node class (a plain value, a protobuf type, a tuple)."""
    return _WALKED[cls]


def rel_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of node class ``cls`` that may hold relations themselves (a relation's
    inputs, a subquery's relation); None when ``cls`` is not a node class."""
    return _RELS[cls]


def all_nodes(root: object) -> list[object]:
    """Every node under ``root`` (itself included; relations inside subqueries too), in
    depth-first order, without building a list of children per node."""
    return _walk(root, _WALKED, None)


def nodes_and_parents(root: object, rels_only: bool = False) -> tuple[list[object], list[int]]:
    """:func:`all_nodes` (or only the relations reached from ``root`` through relations'
    inputs, with ``rels_only``), and the index in it of each one's parent (-1: ``root``)."""
    parents: list[int] = []
    return _walk(root, _RELS if rels_only else _WALKED, parents), parents


class _Close:
    """Marks where a node's children end on the walk's stack (not a node class)."""


_CLOSE = _Close()


def _walk(root: object, table: _Fields, parents: list[int] | None) -> list[object]:
    """The nodes under ``root`` through the fields ``table`` names; with ``parents``, the
    index of each one's parent is appended to it."""
    out: list[object] = []
    stack = [root]
    saved: list[int] = []  # the enclosing nodes' parents, restored at their _CLOSE
    pop, push, extend, add = stack.pop, stack.append, stack.extend, out.append
    up = -1
    while stack:
        v = pop()
        cls = type(v)
        if cls is tuple or cls is list:
            extend(v)  # type: ignore[arg-type]
            continue
        names = table[cls]
        if names is None:  # plain data, or the end of a node's children
            if v is _CLOSE:
                up = saved.pop()
            continue
        if parents is not None:
            parents.append(up)
            if names:
                push(_CLOSE)
                saved.append(up)
                up = len(out)
        add(v)
        for name in names:
            push(getattr(v, name))
    return out
