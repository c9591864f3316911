"""Substrait set operations as SQL, with the spec's multiplicities (NULL matches NULL).

``minus_primary`` is EXCEPT DISTINCT and ``minus_primary_all`` EXCEPT ALL against the union
of the secondaries; ``minus_multiset`` keeps every primary row not found in *all*
secondaries; ``intersection_primary`` keeps the distinct primary rows found in *any*
secondary; ``intersection_multiset`` / ``_all`` are INTERSECT DISTINCT / ALL over all inputs.
Engines whose EXCEPT ALL / INTERSECT ALL are wrong get them by numbering each row within
its group of equal rows (``row_number``) and applying the DISTINCT form to (row, number).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot.expressions as exp

from planbridge.engines.sql.frame import aliased, col_name, column, subquery

Alias = Callable[[], str]


def set_query(op: str, queries: list[exp.Query], width: int, alias: Alias, native_all: bool):
    """The query for set operation ``op`` over ``queries`` (columns ``c0 ..``, primary first)."""
    primary, rest = queries[0], queries[1:]
    if op in ("union_all", "union_distinct"):
        return _chain(exp.Union, queries, op == "union_distinct")
    if op == "minus_primary":
        return exp.Except(this=primary, expression=_union_all(rest, alias), distinct=True)
    if op == "intersection_primary":
        return exp.Intersect(this=primary, expression=_union_all(rest, alias), distinct=True)
    if op == "intersection_multiset":
        return _chain(exp.Intersect, queries, True)
    if op == "minus_multiset":
        in_all = _chain(exp.Intersect, rest, True)
        return _not_in(primary, in_all, width, alias)
    if op == "minus_primary_all":
        secondary = _union_all(rest, alias)
        if native_all:
            return exp.Except(this=primary, expression=secondary, distinct=False)
        numbered = [_numbered(q, width, alias) for q in (primary, secondary)]
        return _strip(_chain(exp.Except, numbered, True), width, alias)
    if op == "intersection_multiset_all":
        if native_all:
            return _chain(exp.Intersect, queries, False)
        numbered = [_numbered(q, width, alias) for q in queries]
        return _strip(_chain(exp.Intersect, numbered, True), width, alias)
    raise ValueError(f"unknown set operation {op}")


def _chain(kind: type[exp.SetOperation], queries: list[exp.Query], distinct: bool) -> exp.Query:
    query = queries[0]
    for q in queries[1:]:
        query = kind(this=query, expression=q, distinct=distinct)
    return query


def _union_all(queries: list[exp.Query], alias: Alias) -> exp.Query:
    """One query for the rows of all ``queries`` (a nested select, so it can be an operand)."""
    if len(queries) == 1:
        return queries[0]
    return exp.select("*").from_(subquery(_chain(exp.Union, queries, False), alias()))


def _columns(a: str, width: int) -> list[exp.Expression]:
    return [column(a, col_name(i)) for i in range(width)]


def _numbered(q: exp.Query, width: int, alias: Alias) -> exp.Select:
    """``q``'s rows plus ``_pb_n``: the row's ordinal among the rows equal to it."""
    a = alias()
    number = exp.Window(this=exp.RowNumber(), partition_by=_columns(a, width))
    cols = [aliased(c, col_name(i)) for i, c in enumerate(_columns(a, width))]
    return exp.Select(expressions=[*cols, aliased(number, "_pb_n")]).from_(
        subquery(q, a), copy=False
    )


def _strip(q: exp.Query, width: int, alias: Alias) -> exp.Select:
    """``q`` without its ``_pb_n`` column."""
    a = alias()
    cols = [aliased(c, col_name(i)) for i, c in enumerate(_columns(a, width))]
    return exp.Select(expressions=cols).from_(subquery(q, a), copy=False)


def _not_in(primary: exp.Query, other: exp.Query, width: int, alias: Alias) -> exp.Select:
    """The rows of ``primary`` (duplicates kept) with no equal row (NULL = NULL) in ``other``."""
    a, b = alias(), alias()
    match = exp.and_(
        *(
            exp.NullSafeEQ(this=x, expression=y)
            for x, y in zip(_columns(b, width), _columns(a, width), strict=True)
        )
    )
    inner = exp.Select(expressions=[exp.Literal.number(1)]).from_(subquery(other, b), copy=False)
    inner = inner.where(match, copy=False)
    cols = [aliased(c, col_name(i)) for i, c in enumerate(_columns(a, width))]
    sel = exp.Select(expressions=cols).from_(subquery(primary, a), copy=False)
    return sel.where(exp.Not(this=exp.Exists(this=inner)), copy=False)
