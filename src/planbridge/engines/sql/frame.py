"""A translated relation: a SQL query whose output columns are named ``c0 .. c{n-1}``.

Positional names keep the translation independent of the plan's (possibly clashing,
possibly hostile) column names; the user's names are applied to the Arrow result. A frame
may carry *hidden* trailing columns ``_o0, _o1 ..`` that hold sort keys, so that an order
established by a SortRel survives the projections, filters and fetches above it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlglot.expressions as exp


def col_name(i: int) -> str:
    """The positional name of output column ``i``."""
    return f"c{i}"


def quoted(name: str) -> exp.Identifier:
    """A quoted identifier (what ``exp.to_identifier(name, quoted=True)`` builds for a
    string, without its checks: translation builds thousands of them)."""
    return exp.Identifier(this=name, quoted=True)


def column(alias: str, name: str) -> exp.Column:
    """A qualified, quoted column reference ``alias.name``."""
    return exp.Column(this=quoted(name), table=quoted(alias))


def copied(e: exp.Expression) -> exp.Expression:
    """A copy of ``e``: a column reference built by :func:`column` (most copies are) is
    built again, faster than sqlglot's generic deep copy."""
    if type(e) is exp.Column and _bare(e) and len(e.args) == 2:
        this, table = e.args.get("this"), e.args.get("table")
        if _plain_quoted(this) and _plain_quoted(table):
            return column(table.this, this.this)
    return e.copy()


def _plain_quoted(i: object) -> bool:
    return (
        type(i) is exp.Identifier
        and _bare(i)
        and len(i.args) == 2
        and i.args.get("quoted") is True
        and type(i.args.get("this")) is str
    )


def _bare(e: exp.Expression) -> bool:
    """No comments, type or meta data on the node (a deep copy would carry them over)."""
    return e.comments is None and e._type is None and e._meta is None


def aliased(expr: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=expr, alias=quoted(name))


def subquery(query: exp.Query, alias: str) -> exp.Subquery:
    return exp.Subquery(this=query, alias=exp.TableAlias(this=quoted(alias)))


class LazyColumns(Sequence[exp.Expression]):
    """A read's column references, each built on first use and then the same node: a plan
    reads few of a wide table's columns, and building the rest cost cold translation time."""

    def __init__(self, make: Callable[[int], exp.Expression], width: int) -> None:
        self._make = make
        self._built: list[exp.Expression | None] = [None] * width

    def __len__(self) -> int:
        return len(self._built)

    def __getitem__(self, i: int) -> exp.Expression:  # type: ignore[override]
        node = self._built[i]
        if node is None:
            node = self._built[i] = self._make(i)
        return node


@dataclass
class Ordering:
    """A hidden sort-key column of a frame and its direction."""

    name: str
    desc: bool
    nulls_first: bool


@dataclass
class Frame:
    """``query`` outputs ``width`` visible columns then the hidden ``ordering`` columns."""

    query: exp.Query
    width: int
    ordering: tuple[Ordering, ...] = ()

    def visible(self, alias: str) -> exp.Select:
        """``SELECT alias.c0 .. FROM (query) alias``, dropping hidden columns."""
        present = self.columns()
        cols = [
            aliased(column(alias, col_name(i)), col_name(i))
            for i in range(self.width)
            if present is None or col_name(i) in present
        ]
        return exp.Select(expressions=cols or [aliased(exp.null(), "_pb_empty")]).from_(
            subquery(self.query, alias), copy=False
        )

    def columns(self) -> set[str] | None:
        """The output names the query has (None: all ``c0 ..``; pruning may drop some)."""
        q = self.query
        return {e.alias_or_name for e in q.expressions} if isinstance(q, exp.Select) else None

    def plain(self, alias: str) -> exp.Query:
        """The query itself when it has no hidden columns, else :meth:`visible`."""
        return self.visible(alias) if self.ordering else self.query


def order_by(select: exp.Select, alias: str | None, ordering: tuple[Ordering, ...]) -> exp.Select:
    """Add ``ORDER BY`` over the hidden columns (qualified by ``alias`` when given)."""
    if not ordering:
        return select
    keys = [
        exp.Ordered(
            this=column(alias, o.name) if alias else exp.column(o.name, quoted=True),
            desc=o.desc,
            nulls_first=o.nulls_first,
        )
        for o in ordering
    ]
    return select.order_by(*keys, copy=False)
