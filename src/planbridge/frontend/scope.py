"""Column resolution scopes: which input position a table's column has at resolve time.

A column expression remembers the table it came from (by identity) and its index there.
Every relation knows its *lineage*: for each ancestor table, where that table's columns
sit in the relation's output (``None`` once dropped). Resolving a column looks in the
current input's lineage, then the enclosing queries' (a correlated reference), then by name.
"""

from __future__ import annotations

import contextlib
import contextvars
import types
from collections.abc import Iterator, Mapping

Lineage = Mapping[int, tuple[int | None, ...]]

_EMPTY: Lineage = types.MappingProxyType({})
_SCOPE: contextvars.ContextVar[Lineage] = contextvars.ContextVar("pb_scope", default=_EMPTY)
_OUTER: contextvars.ContextVar[tuple[Lineage, ...]] = contextvars.ContextVar("pb_outer", default=())


@contextlib.contextmanager
def scope(lineage: Lineage) -> Iterator[None]:
    """Resolve columns against an input with ``lineage`` inside this block."""
    token = _SCOPE.set(lineage)
    try:
        yield
    finally:
        _SCOPE.reset(token)


@contextlib.contextmanager
def subquery_scope() -> Iterator[None]:
    """Enter a subquery: the current scope becomes the innermost enclosing one."""
    token = _OUTER.set((*_OUTER.get(), _SCOPE.get()))
    try:
        yield
    finally:
        _OUTER.reset(token)


def lookup(lineage: Lineage, table_id: int, index: int) -> int | None:
    """Position of column ``index`` of table ``table_id`` in an input with ``lineage``."""
    positions = lineage.get(table_id)
    if positions is None or index >= len(positions):
        return None
    return positions[index]


def current() -> Lineage:
    """The lineage of the input being resolved against."""
    return _SCOPE.get()


def outer() -> tuple[Lineage, ...]:
    """Lineages of the enclosing queries, outermost first."""
    return _OUTER.get()


def shifted(lineage: Lineage, offset: int) -> dict[int, tuple[int | None, ...]]:
    """``lineage`` with every position moved by ``offset`` (the right side of a join)."""
    return {
        tid: tuple(None if p is None else p + offset for p in pos) for tid, pos in lineage.items()
    }


def remapped(lineage: Lineage, mapping: Mapping[int, int]) -> dict[int, tuple[int | None, ...]]:
    """``lineage`` through a projection: input position -> output position (else dropped)."""
    return {
        tid: tuple(None if p is None else mapping.get(p) for p in pos)
        for tid, pos in lineage.items()
    }


def merged(*lineages: Lineage) -> dict[int, tuple[int | None, ...]]:
    """Several lineages of one combined input (the first one that knows a table wins)."""
    out: dict[int, tuple[int | None, ...]] = {}
    for lin in lineages:
        for tid, pos in lin.items():
            out.setdefault(tid, pos)
    return out
