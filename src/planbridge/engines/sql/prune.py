"""Drop the select-list entries of derived tables that nothing reads.

Every relation passes all of its input's columns through (``c0 .. cN``), so a deep plan's
SQL carries every base column through every level. Derived-table aliases are unique
(``_pb_sN``), so one reference count per ``alias.column`` tells which entries are read;
removing an entry releases the columns it read, which lets derived tables further down shed
theirs too (top-down, one pass). The SQL gets much shorter, so generating it is faster.
"""

from __future__ import annotations

from collections import Counter

import sqlglot.expressions as exp


def _refs(node: exp.Expression) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for col in node.find_all(exp.Column):
        table = col.args.get("table")
        if isinstance(table, exp.Identifier):
            out[(table.this, col.name)] += 1
    return out


def _prunable(sub: exp.Subquery) -> exp.Select | None:
    """The derived table's select, when dropping its unread entries keeps its meaning."""
    alias = sub.args.get("alias")
    inner = sub.this
    if not isinstance(alias, exp.TableAlias) or alias.columns or not isinstance(inner, exp.Select):
        return None
    if inner.args.get("distinct") or not isinstance(sub.parent, exp.From | exp.Join):
        return None
    if not all(isinstance(e, exp.Alias) for e in inner.expressions):
        return None
    return inner


def prune_columns(query: exp.Expression) -> exp.Expression:
    """Remove unread select-list entries of aliased derived tables, in place."""
    counts = _refs(query)
    for sub in list(query.find_all(exp.Subquery, bfs=True)):
        inner = _prunable(sub)
        if inner is None:
            continue
        name = sub.args["alias"].this.this
        keep, drop = [], []
        for e in inner.expressions:
            (keep if counts[(name, e.alias)] > 0 else drop).append(e)
        if not drop:
            continue
        if not keep:  # SQL needs one column; keep the cheapest-looking entry
            keep, drop = drop[:1], drop[1:]
        for e in drop:
            counts.subtract(_refs(e))
        inner.set("expressions", keep)
    return query
