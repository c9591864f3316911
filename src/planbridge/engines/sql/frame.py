"""A translated relation: a SQL query whose output columns are named ``c0 .. c{n-1}``.

Positional names keep the translation independent of the plan's (possibly clashing,
possibly hostile) column names; the user's names are applied to the Arrow result. A frame
may carry *hidden* trailing columns ``_o0, _o1 ..`` that hold sort keys, so that an order
established by a SortRel survives the projections, filters and fetches above it.

A frame's select list stays *pending* (:attr:`Frame.values`) until the query is needed as
a whole: most relations reuse their input's select with a new list, so building ``value
AS cN`` for every column of every relation would mostly build nodes thrown away. A value
that is a plain column reference stays a ``(table, column)`` pair until it is placed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Union

import sqlglot.expressions as exp

#: A select-list value: an expression, or the column ``table.name`` not built yet
Value = Union[exp.Expression, tuple[str, str]]  # noqa: UP007 - a runtime alias

_NAMES = [f"c{i}" for i in range(256)]


def col_name(i: int) -> str:
    """The positional name of output column ``i``."""
    return _NAMES[i] if i < 256 else f"c{i}"


def quoted(name: str) -> exp.Identifier:
    """A quoted identifier (what ``exp.to_identifier(name, quoted=True)`` builds for a
    string, without its checks: translation builds thousands of them)."""
    return exp.Identifier(this=name, quoted=True)


def column(alias: str, name: str) -> exp.Column:
    """A qualified, quoted column reference ``alias.name``."""
    return exp.Column(this=quoted(name), table=quoted(alias))


def node(v: Value) -> exp.Expression:
    """The expression of a value to place once (a column pair is built now)."""
    return column(*v) if type(v) is tuple else v  # type: ignore[misc, return-value]


def ref(v: Value | Once) -> exp.Expression:
    """A new expression for one more use of a value (a column pair built, else a copy)."""
    t = type(v)
    if t is tuple:
        return column(*v)  # type: ignore[misc]
    if t is Once:
        return v.take()  # type: ignore[union-attr]
    return copied(v)  # type: ignore[arg-type]


class Once:
    """A scope value placed nowhere else (its relation does not pass it through): the
    first reference takes the expression itself, later ones copy it. Without this, every
    such value was a template built only to be copied."""

    __slots__ = ("taken", "value")

    def __init__(self, value: Value) -> None:
        self.value = value
        self.taken = False

    def take(self) -> exp.Expression:
        if self.taken:
            return ref(self.value)
        self.taken = True
        return node(self.value)


def taking(scope: Sequence[Value], need: set[int] | frozenset[int] | None = frozenset()) -> list:
    """``scope`` for references, its expressions outside ``need`` (the columns its relation
    passes through; None: all) to be taken by their first reference (see :class:`Once`)."""
    if need is None:
        return scope if isinstance(scope, list) else list(scope)
    return [v if type(v) is tuple or i in need else Once(v) for i, v in enumerate(scope)]


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


_OPERATORS = (exp.Binary, exp.Unary, exp.Between, exp.In, exp.Is, exp.Case)
# Whether wrap parenthesises a node class, per class seen (testing the six base classes
# costs more than the rest of a call's translation)
_WRAPPED: dict[type, bool] = {}


def _wrapped(cls: type) -> bool:
    w = _WRAPPED[cls] = issubclass(cls, _OPERATORS) and not issubclass(cls, exp.Paren)
    return w


def wrap(e: exp.Expression) -> exp.Expression:
    """Parenthesise operator nodes so that the tree's grouping survives as SQL text."""
    cls = type(e)
    w = _WRAPPED.get(cls)
    if w is None:
        w = _wrapped(cls)
    return exp.Paren(this=e) if w else e


def aliased(expr: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=expr, alias=quoted(name))


def subquery(query: exp.Query, alias: str) -> exp.Subquery:
    return exp.Subquery(this=query, alias=exp.TableAlias(this=quoted(alias)))


def source_alias(source: exp.Expression) -> str:
    """``source.alias`` (a table's or derived table's), read directly from the nodes
    :func:`subquery` and the translator's reads build: joins ask it of every source of a
    growing select, and sqlglot's property goes through several generic accessors."""
    alias = source.args.get("alias")
    if type(alias) is exp.TableAlias:
        name = alias.args.get("this")
        if type(name) is exp.Identifier and type(name.args.get("this")) is str:
            return name.args["this"]
    return source.alias


def select_from(source: exp.Expression) -> exp.Select:
    """``SELECT .. FROM source``, its list to be given (sqlglot's ``from_`` builder parses
    and wraps; this is the node it builds)."""
    return exp.Select(from_=exp.From(this=source))


def combined(kind: type[exp.Connector], operands: Sequence[exp.Expression]) -> exp.Expression:
    """``a AND b AND ..`` (``kind`` And or Or) over at least one operand, with the nodes
    ``exp.and_`` / ``exp.or_`` build (connector operands parenthesised), without their
    parsing machinery."""
    this, *rest = operands
    if rest and isinstance(this, exp.Connector):
        this = exp.Paren(this=this)
    for e in rest:
        this = kind(this=this, expression=exp.Paren(this=e) if isinstance(e, exp.Connector) else e)
    return this


def restrict(select: exp.Select, cond: exp.Expression, clause: str = "where") -> exp.Select:
    """AND ``cond`` into the select's WHERE (or HAVING): the nodes sqlglot's builder makes,
    without its parsing and copying machinery."""
    existing = select.args.get(clause)
    if existing is not None:
        cond = combined(exp.And, (existing.this, cond))
    select.set(clause, exp.Where(this=cond) if clause == "where" else exp.Having(this=cond))
    return select


def walk(e: exp.Expression) -> Iterator[exp.Expression]:
    """``e`` and every node below it but the leaves (identifiers, literals: sqlglot's
    primitive nodes, which hold no other node and which no caller looks for): a plain
    depth-first walk over the args (sqlglot's ``walk``/``find`` go breadth-first through
    nested generators, several times slower on the select lists translation checks)."""
    stack = [e]
    pop, push = stack.pop, stack.append
    while stack:
        n = pop()
        yield n
        for v in n.args.values():
            if type(v) is list:
                for x in v:
                    if isinstance(x, exp.Expr) and not x.is_primitive:
                        push(x)
            elif isinstance(v, exp.Expr) and not v.is_primitive:
                push(v)


def holds(e: exp.Expression, kinds: type | tuple[type, ...]) -> bool:
    """Whether ``e`` or a node below it is one of ``kinds`` (never a leaf kind)."""
    for n in walk(e):
        if isinstance(n, kinds):
            return True
    return False


def columns_of(alias: str, width: int) -> list[Value]:
    """The scope of a derived table ``alias``: its columns ``c0 ..``, built where used."""
    return [(alias, col_name(i)) for i in range(width)]


class LazyColumns(Sequence[Value]):
    """A read's column values, each made on first use and then the same value: a plan
    reads few of a wide table's columns, and making the rest cost cold translation time."""

    def __init__(self, make: Callable[[int], Value], width: int) -> None:
        self._make = make
        self._built: list[Value | None] = [None] * width

    def __len__(self) -> int:
        return len(self._built)

    def __getitem__(self, i: int) -> Value:  # type: ignore[override]
        v = self._built[i]
        if v is None:
            v = self._built[i] = self._make(i)
        return v


@dataclass
class Ordering:
    """A hidden sort-key column of a frame and its direction."""

    name: str
    desc: bool
    nulls_first: bool


def select_list(
    values: Sequence[Value | None],
    width: int,
    ordering: tuple[Ordering, ...],
    name: Callable[[str], str] | None = None,
) -> list[exp.Expression]:
    """``value AS cI`` for each value of ``c0 ..`` present, then ``key AS _oK`` for the
    hidden sort keys (``name`` renames each entry); SQL has no zero-column select, so an
    empty list is a ``NULL`` placeholder column."""
    names = [col_name(i) for i, v in enumerate(values[:width]) if v is not None]
    names += [o.name for o in ordering]
    items = [v for v in values if v is not None]
    if not items:
        names, items = ["_pb_empty"], [exp.null()]
    if name is not None:
        names = [name(n) for n in names]
    return [aliased(node(v), n) for v, n in zip(items, names, strict=True)]


class Frame:
    """``query`` outputs ``width`` visible columns then the hidden ``ordering`` columns.

    ``values`` (while pending) holds what the select list will say: the values of ``c0
    ..`` (None where pruned: nothing reads the column) then those of the hidden sort keys;
    :attr:`query` builds it into the select. ``node`` is the query as it stands."""

    __slots__ = ("node", "ordering", "values", "width")

    def __init__(
        self,
        query: exp.Query,
        width: int,
        ordering: tuple[Ordering, ...] = (),
        values: list[Value | None] | None = None,
    ) -> None:
        self.node = query
        self.width = width
        self.ordering = ordering
        self.values = values

    @property
    def query(self) -> exp.Query:
        """The query with its select list built."""
        return self.build()

    def build(self, name: Callable[[str], str] | None = None) -> exp.Query:
        """The query with its select list built (``name`` renames each entry)."""
        if self.values is not None:
            items = select_list(self.values, self.width, self.ordering, name)
            self.node.set("expressions", items)
            self.values = None
        return self.node

    def listed(self) -> list[Value | None] | None:
        """The select list's values (``c0 ..``, None where pruned, then the hidden sort
        keys), pending or read back from a built list of ``value AS name`` entries; None
        when the query is no such select."""
        if self.values is not None:
            return self.values
        q = self.node
        if not isinstance(q, exp.Select):
            return None
        by_name: dict[str, Value] = {}
        for e in q.expressions:
            if type(e) is not exp.Alias:
                return None
            by_name[e.alias] = e.this
        by_name.pop("_pb_empty", None)
        values = [by_name.pop(col_name(i), None) for i in range(self.width)]
        hidden = [by_name.pop(o.name, None) for o in self.ordering]
        if by_name or None in hidden:
            return None
        return values + hidden

    def present(self) -> list[int]:
        """The indices of the columns ``c0 ..`` the query outputs (pruning drops some)."""
        values = self.listed()
        if values is not None:
            return [i for i, v in enumerate(values[: self.width]) if v is not None]
        q = self.node
        if not isinstance(q, exp.Select):
            return list(range(self.width))
        names = {e.alias_or_name for e in q.expressions}
        return [i for i in range(self.width) if col_name(i) in names]

    def visible(self, alias: str) -> exp.Select:
        """``SELECT alias.c0 .. FROM (query) alias``, dropping hidden columns."""
        cols = [aliased(column(alias, col_name(i)), col_name(i)) for i in self.present()]
        sel = select_from(subquery(self.query, alias))
        sel.set("expressions", cols or [aliased(exp.null(), "_pb_empty")])
        return sel

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
    select.set("order", exp.Order(expressions=keys))  # sqlglot's order_by wraps each key
    return select
