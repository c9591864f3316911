"""Which fields of a bound-plan node can hold other nodes, computed once per node class.

The translator's side passes (:mod:`.repeats`, :mod:`.needed`) walk every relation and
expression of a plan before translating it. Asking :func:`dataclasses.fields` per node and
testing every field value costs more than the passes' own work, so the walkable field names
of each class are found once here, from the fields' annotations: a field is walked when its
annotation names a node class (``Expr | None``, ``tuple[SortField, ...]``) or something this
module cannot tell is plain data. Fields that only hold data (types, names, paths, schemas,
literal values, ordinals) are left out.
"""

from __future__ import annotations

import re
import types
from dataclasses import fields
from typing import Any

from planbridge.consumer import ir

_NODES = (ir.Rel, ir.Expr, ir.Measure, ir.SortField, ir.WindowBound)
_PLAIN = frozenset({"tuple", "int", "str", "bool", "float", "bytes", "None"})
#: A literal's ``value`` (annotated ``Any``) is a Python value, never a node
_BY_CLASS: dict[type, tuple[str, ...] | None] = {ir.Literal: ()}
_UNSEEN: Any = object()


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


def walked_fields(cls: type) -> tuple[str, ...] | None:
    """The field names of node class ``cls`` that may hold nodes (or tuples of them);
    None when ``cls`` is not a node class (a plain value, a protobuf type, a tuple)."""
    try:
        return _BY_CLASS[cls]
    except KeyError:
        pass
    names = None
    if issubclass(cls, _NODES):
        names = tuple(f.name for f in fields(cls) if _may_hold_nodes(str(f.type)))
    _BY_CLASS[cls] = names
    return names


def all_nodes(root: object) -> list[object]:
    """Every node under ``root`` (itself included; relations inside subqueries too), in
    depth-first order, without building a list of children per node."""
    out: list[object] = []
    stack = [root]
    pop, push, extend, add = stack.pop, stack.append, stack.extend, out.append
    lookup = _BY_CLASS.get
    while stack:
        v = pop()
        cls = type(v)
        if cls is tuple or cls is list:
            extend(v)  # type: ignore[arg-type]
            continue
        names = lookup(cls, _UNSEEN)
        if names is _UNSEEN:
            names = walked_fields(cls)
        if names is None:
            continue
        add(v)
        for name in names:  # type: ignore[union-attr]
            push(getattr(v, name))
    return out


_REL_FIELDS: dict[type, tuple[str, ...] | None] = {}


def rel_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of node class ``cls`` that may hold relations themselves (a relation's
    inputs, a subquery's relation); None when ``cls`` is not a node class."""
    try:
        return _REL_FIELDS[cls]
    except KeyError:
        pass
    names = walked_fields(cls)
    if names is not None:
        annotations = {f.name: str(f.type) for f in fields(cls)}
        names = tuple(n for n in names if _may_hold_nodes(annotations[n], (ir.Rel,)))
    _REL_FIELDS[cls] = names
    return names


_CLOSE: Any = object()  # marks where a node's children end on the walk's stack


def nodes_and_parents(root: object, rels_only: bool = False) -> tuple[list[object], list[int]]:
    """:func:`all_nodes` (or only the relations reached from ``root`` through relations'
    inputs, with ``rels_only``), and the index in it of each one's parent (-1: ``root``)."""
    out: list[object] = []
    parents: list[int] = []
    stack = [root]
    saved: list[int] = []  # the enclosing nodes' parents, restored at their _CLOSE
    pop, push, add, add_parent = stack.pop, stack.append, out.append, parents.append
    save, restore = saved.append, saved.pop
    lookup, find = (_REL_FIELDS.get, rel_fields) if rels_only else (_BY_CLASS.get, walked_fields)
    up = -1
    while stack:
        v = pop()
        if v is _CLOSE:
            up = restore()
            continue
        cls = type(v)
        if cls is tuple or cls is list:
            stack.extend(v)  # type: ignore[arg-type]
            continue
        names = lookup(cls, _UNSEEN)
        if names is _UNSEEN:
            names = find(cls)
        if names is None:
            continue
        i = len(out)
        add(v)
        add_parent(up)
        if names:
            push(_CLOSE)
            save(up)
            for name in names:
                push(getattr(v, name))
            up = i
    return out, parents
