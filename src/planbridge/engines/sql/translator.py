"""Bound plan -> one SQL query (a sqlglot AST), one handler per relation kind.

Every relation becomes a frame (see :mod:`.frame`) whose columns are ``c0 ..``; a parent
either reuses its input's select with a new select list (the input's list, still pending,
is never built) or wraps it as an aliased subquery and refers to ``alias.cN``. A handler
translates its expressions over a *scope*, the values of its input's columns. Engines subclass
:class:`SqlTranslator` and override only what their SQL does differently (the dialect, a
few functions, a relation they spell differently).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, ClassVar

import sqlglot.expressions as exp

from planbridge.consumer import ir
from planbridge.engines.respell import sql_text
from planbridge.engines.sql.expressions import ExpressionTranslator
from planbridge.engines.sql.frame import (
    Frame,
    LazyColumns,
    Ordering,
    Value,
    aliased,
    col_name,
    column,
    columns_of,
    combined,
    copied,
    holds,
    node,
    order_by,
    quoted,
    ref,
    restrict,
    select_from,
    source_alias,
    subquery,
    taking,
    walk,
)
from planbridge.engines.sql.needed import Needed, needed_columns
from planbridge.engines.sql.repeats import share_repeats
from planbridge.engines.sql.session_replay import replayed_session, session_replay
from planbridge.engines.sql.setops import set_query
from planbridge.engines.sql.sorting import kept, order_by_keys, order_in_place, sort_keys
from planbridge.engines.sql.sources import PlaceholderSources, Sources
from planbridge.engines.sql.types import data_type, sql_type
from planbridge.errors import PlanError, UnsupportedError

_JOIN_SIDES = {"inner": None, "left": "LEFT", "right": "RIGHT", "outer": "FULL"}
# Join types that keep the left rows as they are: a WHERE on the left input may apply after
_LEFT_ROWS_KEPT = frozenset({"inner", "left", "left_single"})


def non_empty(frame: Frame) -> Frame:
    """SQL has no zero-column SELECT: give such frames a hidden placeholder column (a
    pending select list gets it when it is built)."""
    q = frame.node
    if frame.values is None and isinstance(q, exp.Select) and not q.expressions:
        q.set("expressions", [aliased(exp.null(), "_pb_empty")])
    return frame


def _plain(
    frame: Frame,
    over_aggregate: bool = False,
    grouped_joins: bool = False,
    computed: bool = False,
) -> list[Value | None] | None:
    """The select list's values when the frame is a select that only joins, filters and
    renames the columns of aliased sources (or, with ``over_aggregate``, one that groups
    one source, or with ``grouped_joins`` one that groups several, HAVING included: a
    projection's expressions, sort keys and a filter as HAVING can be computed in the same
    select as the aggregates they use; with ``computed``, one whose columns are expressions
    of the sources' columns, which an aggregate on top may compute in its arguments and
    keys), else None. WHERE applies after the FROM clause's joins, outer ones included,
    so a filter on top can share the select."""
    q = frame.node
    if frame.ordering or not isinstance(q, exp.Select):
        return None
    args = q.args
    grouped = args.get("group")
    allowed = "having" if over_aggregate and grouped_joins and grouped else ""
    for k in _CLAUSES.intersection(args):  # the few args a select has, not every clause
        if k != allowed and args[k]:
            return None
    from_ = args.get("from_")
    if not isinstance(from_, exp.From):
        return None
    sources = [from_.this] + [j.this for j in args.get("joins") or ()]
    aliases = set()
    for x in sources:
        alias = source_alias(x) if isinstance(x, _SOURCES) else ""
        if not alias:
            return None
        aliases.add(alias)
    listed = frame.listed()
    if listed is None:
        return None
    values = [v for v in listed if v is not None]
    if not values:
        return None
    if over_aggregate and (grouped or any(_is_aggregate(v) for v in values)):
        if (grouped_joins or len(sources) == 1) and not any(
            type(v) is not tuple and holds(v, exp.Window)  # type: ignore[arg-type]
            for v in values
        ):
            return listed
        return None
    if grouped:
        return None
    if computed:
        return listed if all(_computed(v, aliases) for v in values) else None
    for v in values:
        if type(v) is tuple:
            if v[0] not in aliases:
                return None
        elif not isinstance(v, exp.Column) or v.table not in aliases:
            return None
    return listed


def _computed(v: Value, aliases: set[str]) -> bool:
    """An expression of the columns of ``aliases`` that may be evaluated again where it is
    used (no aggregate, window, subquery or random value; not a constant, which GROUP BY
    would read as a column position)."""
    if type(v) is tuple:
        return v[0] in aliases
    found = False
    for n in walk(v):  # type: ignore[arg-type]
        if isinstance(n, exp.Column):
            if n.table not in aliases:
                return False
            found = True
        elif isinstance(n, _NOT_REPEATED):
            return False
    return found


_NOT_REPEATED = (exp.AggFunc, exp.Window, exp.Select, exp.Rand)
_SOURCES = (exp.Subquery, exp.Table)


def _reused_scope(frame: Frame, listed: list[Value | None]) -> tuple[str, list[Value]]:
    """The first source's alias and the values of a plain select's ``c0 ..`` (pruned
    columns, which nothing reads, as a placeholder). The select is reused with a new
    select list, so the values move over as they are (each is placed at most once; field
    references build or copy their own)."""
    q = frame.node
    alias = source_alias(q.args["from_"].this)
    if frame.values is None:
        q.set("expressions", [])  # a built list: dropped
    pruned = (alias, "_pb_pruned")
    return alias, [pruned if v is None else v for v in listed[: frame.width]]


def _is_aggregate(e: Value) -> bool:
    """Whether ``e`` holds an aggregate call."""
    return type(e) is not tuple and holds(e, exp.AggFunc)  # type: ignore[arg-type]


_CLAUSES = frozenset({"having", "order", "limit", "offset", "distinct", "qualify", "with"})


class SqlTranslator(ExpressionTranslator):
    """Translate a :class:`ir.BoundPlan` into a sqlglot query for ``dialect``."""

    dialect: ClassVar[str] = "duckdb"
    engine_name: ClassVar[str] = "sql"
    # Whether EXCEPT ALL / INTERSECT ALL count duplicates right (else they are emulated)
    native_all_sets: ClassVar[bool] = True
    # Whether joins share one select with their inputs' filters (semi joins as EXISTS in
    # the kept side's WHERE, inner joins' inputs' WHERE in the join's): the shape engines
    # reorder joins in. Off, every join input stays a derived table.
    flat_joins: ClassVar[bool] = False
    # Whether semi and anti joins are spelled ``SEMI JOIN`` / ``ANTI JOIN`` (else EXISTS)
    semi_join_syntax: ClassVar[bool] = False
    # Whether sub-plans spelled twice are computed once, as a CTE (see .repeats)
    share_repeats: ClassVar[bool] = False
    # Whether sort keys, ORDER BY and LIMIT go into the select they order (the input's own
    # when it is a plain filter, join or aggregate) instead of selects wrapped around it
    sort_in_place: ClassVar[bool] = False
    # Whether a filter (as HAVING), projection or sort over an aggregate of joined sources
    # is computed in the aggregate's own select (else only over an aggregate of one source)
    grouped_selects: ClassVar[bool] = False

    def __init__(self, sources: Sources | None = None) -> None:
        super().__init__()
        self.sources: Sources = sources or PlaceholderSources()
        self._aliases = itertools.count()
        self._ctes: dict[int, tuple[str, exp.Query]] = {}
        self._needed: dict[int, Needed] = {}
        self._root: ir.Rel | None = None  # the relation whose frame becomes the query

    # -- entry points ------------------------------------------------------------------
    def translate(self, plan: ir.BoundPlan) -> exp.Query:
        """The whole plan as one query whose columns are ``c0 ..`` in output order."""
        root = plan.root
        if isinstance(root, ir.Write):
            root = root.input  # batch engines return the rows a sink would receive
        if self.share_repeats:
            root = share_repeats(root)
        self._needed = needed_columns(root)
        self._root = root
        frame = self.rel(root)
        if frame.ordering and self.sort_in_place and order_in_place(frame):
            query = frame.query
        elif frame.ordering:
            alias = self.alias()
            query: exp.Query = order_by(frame.visible(alias), alias, frame.ordering)
        else:
            query = frame.query
        if self._ctes:
            for name, body in self._ctes.values():
                query = query.with_(exp.to_identifier(name, quoted=True), as_=body, copy=False)
        return query

    def sql(self, plan: ir.BoundPlan, pretty: bool = False) -> str:
        """The plan as SQL text in this engine's dialect."""
        return sql_text(self.translate(plan), self.dialect, pretty)

    def alias(self) -> str:
        return f"_pb_s{next(self._aliases)}"

    # -- dispatch ----------------------------------------------------------------------
    def rel(self, r: ir.Rel) -> Frame:
        name = self._REL_HANDLERS.get(type(r))
        if name is None:
            raise UnsupportedError(
                f"{type(r).__name__} relations are not supported by {self.engine_name}", r.path
            )
        try:
            frame = non_empty(getattr(self, name)(r))
        except PlanError as exc:
            if exc.path:
                raise
            raise exc.at(r.path) from exc.__cause__  # an expression's error: name the relation
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise PlanError(f"cannot translate: {exc}", r.path) from None
        return self.apply_emit(frame, r)

    def apply_emit(self, frame: Frame, r: ir.Rel) -> Frame:
        """Pick the output columns ``r.emit`` names: in the select list when the frame is a
        select (its values move, then copy), else in a select around it."""
        if r.emit is None:
            return frame
        q = frame.node
        listed = frame.listed() if isinstance(q, exp.Select) else None
        if listed is not None and not q.args.get("distinct"):
            picked: list[Value | None] = []
            seen = set()
            for i in r.emit:  # a pruned column stays pruned: nothing reads output n
                v = listed[i]
                picked.append(ref(v) if i in seen and v is not None else v)
                seen.add(i)
            if frame.values is None:
                q.set("expressions", [])  # a built list: replaced
            hidden = listed[frame.width :]
            return Frame(q, len(r.emit), frame.ordering, picked + hidden)
        alias = self.alias()
        values = [(alias, col_name(i)) for i in r.emit]
        sel = select_from(subquery(frame.query, alias))
        return Frame(sel, len(r.emit), frame.ordering, values + self.carried(alias, frame.ordering))

    def needed(self, r: ir.Rel) -> Needed:
        """The direct output columns of ``r`` that anything reads (None: all); at most the
        ones its emit picks."""
        need = self._needed.get(id(r))
        if need is None and r.emit is not None:
            return frozenset(r.emit)
        return need

    def passed(self, r: ir.Rel, values: list[Value]) -> list[Value | None]:
        """The pending values of ``r``'s direct output: ``values``, None where not read."""
        need = self.needed(r)
        if need is None:
            return list(values)
        out: list[Value | None] = [None] * len(values)
        for i in need:  # a plan reads few of a join's many columns: visit only those
            if i < len(out):
                out[i] = values[i]
        return out

    def passthrough(self, r: ir.Rel, values: list[Value]) -> list[exp.Expression]:
        """``value AS cI`` for the columns of ``r``'s direct output that are read (for a
        select list built at once)."""
        need = self.needed(r)
        return [
            aliased(node(v), col_name(i)) for i, v in enumerate(values) if need is None or i in need
        ]

    def open_input(
        self,
        frame: Frame,
        over_aggregate: bool = False,
        join_left: bool = False,
        computed: bool = False,
    ) -> tuple[str, list[Value], exp.Select]:
        """A select over ``frame`` (its select list to be given) and the scope of its columns.

        When the frame is a plain filter or renaming of one source (``SELECT x.a AS c0 ..
        FROM src x WHERE ..``, no sort keys), its FROM and WHERE are reused instead of being
        nested again: shorter SQL, and the shape engines decorrelate subqueries in. As the
        left side of a join whose type would change what a WHERE means (``join_left``: a
        right or full join null-extends the left rows) only a select without WHERE is
        reused."""
        q = frame.node
        if not (join_left and q.args.get("where")):
            listed = _plain(frame, over_aggregate, self.grouped_selects, computed)
            if listed is not None:
                alias, scope = _reused_scope(frame, listed)
                return alias, scope, q  # type: ignore[return-value]
        alias, scope = self.input_scope(frame)
        return alias, scope, select_from(subquery(frame.query, alias))

    def join_source(
        self, frame: Frame, inline: bool
    ) -> tuple[exp.Expression, list[Value], exp.Expression | None]:
        """The right side of a join: the FROM item, the scope of its columns, and the
        filter the FROM item no longer applies. With ``inline`` a plain filter or renaming
        of one source joins that source directly and returns its WHERE, which the caller
        puts in the join's WHERE (inner and cross joins) or its ON (left, semi and anti
        joins): the engine then sees every join and filter of the query in one select and
        orders them freely (a nested derived table keeps its semi joins beneath)."""
        q = frame.node
        if inline and self.flat_joins and not q.args.get("joins"):
            listed = _plain(frame)
            if listed is not None:
                _, scope = _reused_scope(frame, listed)
                where = q.args.get("where")
                source = q.args["from_"]
                source.parent = None  # the select is dropped: no cycle left for the collector
                if where is None:
                    return source.this, scope, None
                where.parent = None
                return source.this, scope, where.this
        alias, scope = self.input_scope(frame)
        return subquery(frame.plain(self.alias()), alias), scope, None

    def input_scope(self, frame: Frame) -> tuple[str, list[Value]]:
        """A new alias for ``frame`` as a derived table, and the scope of its columns."""
        alias = self.alias()
        return alias, columns_of(alias, frame.width)

    def carried(self, alias: str, ordering: tuple[Ordering, ...]) -> list[Value | None]:
        """Pending values that pass an input's hidden sort keys through."""
        return [(alias, o.name) for o in ordering]

    def carry(self, alias: str, ordering: tuple[Ordering, ...]) -> list[exp.Expression]:
        """Select-list entries that pass an input's hidden sort keys through."""
        return [aliased(column(alias, o.name), o.name) for o in ordering]

    # -- reads -------------------------------------------------------------------------
    def read_source(
        self, r: ir.Read, table: exp.Expression, columns: Sequence[exp.Expression]
    ) -> Frame:
        """``SELECT <projected columns> FROM table WHERE filter`` over base-schema columns."""
        picked = range(len(columns)) if r.projection is None else r.projection
        need = self.needed(r)
        n = len(picked)
        values: list[Value | None] = [None] * n
        seen = set()
        # only the outputs read (``columns`` may be lazy, and a plan reads few of a wide
        # table's columns); ``columns`` is fresh: each value used once as is, then copied
        for i in range(n) if need is None else sorted(i for i in need if i < n):
            p = picked[i]
            values[i] = ref(columns[p]) if p in seen else columns[p]
            seen.add(p)
        sel = select_from(table)
        if r.filter is not None:
            sel = restrict(sel, self.expr_in(r.filter, columns))
        return Frame(sel, len(picked), values=values)

    def registered(self, source: Any, r: ir.Read) -> Frame:
        alias = self.alias()
        table = exp.Table(this=quoted(source.name), alias=exp.TableAlias(this=quoted(alias)))
        spec = source.columns
        types = [None if t is None else self.data_type(t) for _, t in spec]  # errors now

        def value(i: int) -> Value:
            name = spec[i][0]
            return (
                (alias, name)
                if types[i] is None
                else exp.Cast(this=column(alias, name), to=types[i])
            )

        return self.read_source(r, table, LazyColumns(value, len(spec)))

    def rel_named_table(self, r: ir.NamedTableRead) -> Frame:
        return self.registered(self.sources.named_table(r), r)

    def rel_local_files(self, r: ir.LocalFilesRead) -> Frame:
        return self.registered(self.sources.local_files(r), r)

    def rel_virtual_table(self, r: ir.VirtualTableRead) -> Frame:
        source = self.sources.virtual_table(r)
        if source is not None:
            return self.registered(source, r)
        return self.values(r)

    def values(self, r: ir.VirtualTableRead) -> Frame:
        """Inline rows: ``SELECT .. FROM (VALUES ..)``; no rows: a typed empty select."""
        width = len(r.base_schema)
        if not r.rows:
            nulls = [exp.Cast(this=exp.null(), to=self.data_type(c.type)) for c in r.base_schema]
            alias = self.alias()
            inner = exp.Select(
                expressions=[aliased(n, col_name(i)) for i, n in enumerate(nulls)]
                or [aliased(exp.null(), "_pb_empty")]
            )
            inner = restrict(inner, exp.false())
            table: exp.Expression = subquery(inner, alias)
        else:
            alias = self.alias()
            rows = [
                exp.Tuple(
                    expressions=[
                        exp.Cast(this=self.expr_in(v, []), to=self.data_type(c.type))
                        for v, c in zip(row, r.base_schema, strict=True)
                    ]
                )
                for row in r.rows
            ]
            table = exp.Values(
                expressions=rows,
                alias=exp.TableAlias(
                    this=exp.to_identifier(alias, quoted=True),
                    columns=[exp.to_identifier(col_name(i), quoted=True) for i in range(width)],
                ),
            )
        return self.read_source(r, table, columns_of(alias, width))

    def rel_extension_table(self, r: ir.ExtensionTableRead) -> Frame:
        raise UnsupportedError(
            f"extension table reads ({r.detail.type_url or 'no type'}) are not supported by "
            f"{self.engine_name}",
            r.path,
        )

    # -- single input ------------------------------------------------------------------
    def rel_filter(self, r: ir.Filter) -> Frame:
        inp = self.rel(r.input)
        q = inp.node
        # a filter over a grouping select is its HAVING (``grouped_selects``)
        having = self.grouped_selects and isinstance(q, exp.Select) and bool(q.args.get("group"))
        alias, scope, sel = self.open_input(inp, over_aggregate=having)
        cond = self.expr_in(r.condition, taking(scope, self.needed(r)))
        values = self.passed(r, scope) + self.carried(alias, inp.ordering)
        restrict(sel, cond, "having" if having and sel is q else "where")
        return Frame(sel, inp.width, inp.ordering, values)

    def rel_project(self, r: ir.Project) -> Frame:
        inp = self.rel(r.input)
        alias, scope, sel = self.open_input(inp, over_aggregate=True)
        need, width = self.needed(r), len(scope)
        refs = taking(scope, need)
        values: list[Value] = list(scope)
        for j, e in enumerate(r.expressions):
            if need is not None and width + j not in need:
                values.append(exp.null())
            elif type(e) is ir.FieldRef and type(scope[e.index]) is tuple:
                values.append(scope[e.index])  # a column: built where it is placed
            else:
                values.append(self.expr_in(e, refs))
        kept = self.passed(r, values) + self.carried(alias, inp.ordering)
        return Frame(sel, len(values), inp.ordering, kept)

    def rel_sort(self, r: ir.Sort) -> Frame:
        """The input's columns and the sort keys as hidden columns ``_o0 ..``, in the input's
        own select when it is a plain filter, join or aggregate (an input's order is lost)."""
        inp = self.rel(r.input)
        if inp.ordering or not self.sort_in_place:
            alias, scope = self.input_scope(inp)
            sel = select_from(subquery(inp.query, alias))
        else:
            _, scope, sel = self.open_input(inp, over_aggregate=True)
        ordering = []
        keys: list[Value | None] = []
        refs = taking(scope, self.needed(r))
        for i, s in enumerate(r.sorts):
            keys.append(self.expr_in(s.expr, refs))
            ordering.append(
                Ordering(f"_o{i}", s.direction.startswith("desc"), s.direction.endswith("first"))
            )
        return Frame(sel, inp.width, tuple(ordering), self.passed(r, scope) + keys)

    def rel_fetch(self, r: ir.Fetch) -> Frame:
        inp = self.rel(r.input)
        q = inp.node
        keys = sort_keys(inp) if self.sort_in_place and inp.ordering else None
        if (
            keys is not None
            and isinstance(q, exp.Select)
            and not any(q.args.get(k) for k in _CLAUSES if k != "having")
        ):
            # ORDER BY .. LIMIT in the select that computes the sort keys, by the keys'
            # expressions (a hidden column may then be dropped: see ``translate``)
            sel, ordering = q, inp.ordering
            values = kept(inp, self.needed(r))
            # at the query's root the hidden columns then leave the select list (as
            # ``order_in_place`` would drop them): ORDER BY takes the keys, no copies
            last = r is self._root and any(v is not None for v in values[: inp.width])
            order_by_keys(sel, inp, keys, take=last)
            if last:
                values, ordering = values[: inp.width], ()
        else:
            ordering = inp.ordering
            alias, scope = self.input_scope(inp)
            values = self.passed(r, scope) + self.carried(alias, inp.ordering)
            sel = select_from(subquery(inp.query, alias))
            sel = order_by(sel, alias, inp.ordering)
        if r.count is not None:
            sel.set("limit", exp.Limit(expression=self.expr_in(r.count, [])))
        if r.offset is not None and not (isinstance(r.offset, ir.Literal) and r.offset.value == 0):
            sel.set("offset", exp.Offset(expression=self.expr_in(r.offset, [])))
        return Frame(sel, inp.width, ordering, values)

    def rel_aggregate(self, r: ir.Aggregate) -> Frame:
        inp = self.rel(r.input)
        # with ``grouped_selects``, the input's computed columns go into the aggregates'
        # arguments and the keys (``SUM(a * b) .. GROUP BY f(x)``, as written by hand)
        _, scope, sel = self.open_input(inp, computed=self.grouped_selects)
        scope = taking(scope)  # an aggregate passes no input column through
        keys = [self.expr_in(g, scope) for g in r.grouping_expressions]
        measures = [self.measure(m, scope) for m in r.measures]
        values: list[Value | None] = [*keys, *measures]  # GROUP BY and GROUPING() copy keys
        sets = r.grouping_sets
        if len(sets) > 1 and r.set_column:
            values.append(self.grouping_set_ordinal(keys, sets))
        if len(sets) > 1:
            grouping = exp.GroupingSets(
                expressions=[exp.Tuple(expressions=[keys[i].copy() for i in s]) for s in sets]
            )
            sel.set("group", exp.Group(expressions=[grouping]))
        elif sets and sets[0]:
            sel.set("group", exp.Group(expressions=[copied(keys[i]) for i in sets[0]]))
        elif not sets and keys:
            sel.set("group", exp.Group(expressions=[copied(k) for k in keys]))
        return Frame(sel, len(values), values=values)

    def grouping_set_ordinal(
        self, keys: list[exp.Expression], sets: tuple[tuple[int, ...], ...]
    ) -> exp.Expression:
        """The i32 column saying which grouping set produced a row (``GROUPING()`` bits)."""
        mask = exp.Anonymous(this="GROUPING", expressions=[k.copy() for k in keys])
        n = len(keys)
        case = exp.Case(this=mask)
        for i, s in enumerate(sets):
            bits = sum(1 << (n - 1 - k) for k in range(n) if k not in s)
            case = case.when(exp.Literal.number(bits), exp.Literal.number(i), copy=False)
        return exp.Cast(this=case, to=sql_type("INT"))

    def rel_window(self, r: ir.Window) -> Frame:
        inp = self.rel(r.input)
        alias, scope = self.input_scope(inp)
        values: list[Value] = list(scope)
        refs = taking(scope, self.needed(r))
        for f in r.functions:
            call = ir.WindowCall(
                f.type,
                f.name,
                f.urn,
                f.args,
                f.options,
                f.signature,
                partition_by=r.partition_by,
                order_by=r.order_by,
                frame=f.frame,
                lower=f.lower,
                upper=f.upper,
                distinct=f.distinct,
            )
            values.append(self.expr_in(call, refs))
        sel = select_from(subquery(inp.query, alias))
        kept = self.passed(r, values) + self.carried(alias, inp.ordering)
        return Frame(sel, len(values), inp.ordering, kept)

    # -- joins and sets ----------------------------------------------------------------
    def rel_join(self, r: ir.Join) -> Frame:
        if r.type in (
            "left_semi",
            "left_anti",
            "left_mark",
            "right_semi",
            "right_anti",
            "right_mark",
        ):
            return self.semi_join(r)
        left, right = self.rel(r.left), self.rel(r.right)
        keeps_left = self.flat_joins and r.type in _LEFT_ROWS_KEPT
        _, lscope, sel = self.open_input(left, join_left=not keeps_left)
        # a LEFT JOIN's right side joins directly too, its filter going into ON: the rows
        # of ``a LEFT JOIN (b WHERE p) ON c`` are those of ``a LEFT JOIN b ON c AND p``
        rsource, rscope, rwhere = self.join_source(right, inline=r.type in ("inner", "left"))
        scope = lscope + rscope
        refs = taking(scope, self.needed(r))
        cond = self.expr_in(r.condition, refs) if r.condition is not None else exp.true()
        if rwhere is not None and r.type == "left":
            cond, rwhere = combined(exp.And, (cond, rwhere)), None
        side = _JOIN_SIDES.get(r.type)
        if r.type in ("left_single", "right_single"):
            side = "LEFT" if r.type == "left_single" else "RIGHT"
        join = exp.Join(this=rsource, on=cond)
        if side:
            join.set("side", side)
        sel.append("joins", join)
        if rwhere is not None:
            sel = restrict(sel, rwhere)
        if r.post_join_filter is not None:
            sel = restrict(sel, self.expr_in(r.post_join_filter, refs))
        return Frame(sel, len(scope), values=self.passed(r, scope))

    def semi_join(self, r: ir.Join) -> Frame:
        """Semi, anti and mark joins as ``[NOT] EXISTS`` over the other side, in the kept
        side's own select (as hand-written SQL puts them: the engine can then plan the semi
        join after joins above it that make the kept side smaller)."""
        keep, other = (r.left, r.right) if r.type.startswith("left") else (r.right, r.left)
        kf, of = self.rel(keep), self.rel(other)
        if self.semi_join_syntax and not r.type.endswith("mark"):
            return self.semi_join_clause(r, kf, of)
        if self.flat_joins:
            _, kscope, sel = self.open_input(kf)
            _, oscope, inner = self.open_input(of)
        else:
            ka, kscope = self.input_scope(kf)
            sel = select_from(subquery(kf.plain(self.alias()), ka))
            oa, oscope = self.input_scope(of)
            inner = select_from(subquery(of.plain(self.alias()), oa))
        scope = self.semi_scope(r, kscope, oscope)
        conds = [self.expr_in(c, scope) for c in (r.condition, r.post_join_filter) if c is not None]
        inner.set("expressions", [exp.Literal.number(1)])
        if conds:
            inner = restrict(inner, combined(exp.And, conds))
        exists: exp.Expression = exp.Exists(this=inner)
        values = self.passed(r, kscope)
        if r.type.endswith("mark"):
            values.append(self.mark(inner))
            return Frame(sel, len(kscope) + 1, values=values)
        if r.type.endswith("anti"):
            exists = exp.Not(this=exists)
        return Frame(restrict(sel, exists), len(kscope), values=values)

    def semi_join_clause(self, r: ir.Join, kf: Frame, of: Frame) -> Frame:
        """``kept SEMI JOIN other ON ..`` (``ANTI JOIN``), appended to the kept side's joins;
        a filter of the other side joins the condition (a semi or anti join over filtered
        rows is one whose condition also requires the filter)."""
        _, kscope, sel = self.open_input(kf)
        osource, oscope, owhere = self.join_source(of, inline=True)
        scope = self.semi_scope(r, kscope, oscope)
        conds = [self.expr_in(c, scope) for c in (r.condition, r.post_join_filter) if c is not None]
        if owhere is not None:
            conds.append(owhere)
        on = combined(exp.And, conds) if conds else exp.true()
        kind = "ANTI" if r.type.endswith("anti") else "SEMI"
        sel.append("joins", exp.Join(this=osource, on=on, kind=kind))
        return Frame(sel, len(kscope), values=self.passed(r, kscope))

    def semi_scope(self, r: ir.Join, kscope: list[Value], oscope: list[Value]) -> list:
        """The scope of a semi, anti or mark join's condition: both sides' columns in the
        plan's order (the other side's and the unread kept ones taken by a reference)."""
        kept, other = taking(kscope, self.needed(r)), taking(oscope)
        return kept + other if r.type.startswith("left") else other + kept

    def mark(self, matches: exp.Select) -> exp.Expression:
        """A mark join's column: whether ``matches`` (the other side, filtered) has a row."""
        return exp.Exists(this=matches)

    def rel_cross(self, r: ir.Cross) -> Frame:
        left, right = self.rel(r.left), self.rel(r.right)
        _, lscope, sel = self.open_input(left, join_left=not self.flat_joins)
        rsource, rscope, rwhere = self.join_source(right, inline=True)
        sel.append("joins", exp.Join(this=rsource, kind="CROSS"))
        if rwhere is not None:
            sel = restrict(sel, rwhere)
        return Frame(sel, len(lscope) + len(rscope), values=self.passed(r, lscope + rscope))

    def rel_set(self, r: ir.SetOp) -> Frame:
        frames = [self.rel(x) for x in r.inputs_]
        queries = [f.visible(self.alias()) for f in frames]
        width = frames[0].width
        return Frame(set_query(r.op, queries, width, self.alias, self.native_all_sets), width)

    def rel_shared(self, r: ir.Shared) -> Frame:
        key = id(r.rel)
        if key not in self._ctes:
            frame = self.rel(r.rel)
            self._ctes[key] = (f"_pb_cte{len(self._ctes)}", frame.plain(self.alias()))
        name, _ = self._ctes[key]
        width = len(r.rel.schema)
        sel = exp.Select(
            expressions=[exp.column(col_name(i), quoted=True) for i in range(width)]
        ).from_(exp.Table(this=exp.to_identifier(name, quoted=True)), copy=False)
        return Frame(sel, width)

    def rel_extension(self, r: ir.Extension) -> Frame:
        replayed = replayed_session(r)
        if replayed is not None:
            return session_replay(self, r, replayed)
        raise UnsupportedError(
            f"extension relation {r.detail.type_url or '(no detail)'} is not supported by "
            f"{self.engine_name}; lower it to standard Substrait first (planbridge lower)",
            r.path,
        )

    def rel_write(self, r: ir.Write) -> Frame:
        raise UnsupportedError(
            f"writes inside a plan (to {'.'.join(r.names)}) are not supported by "
            f"{self.engine_name}",
            r.path,
        )

    def data_type(self, t: ir.Type) -> exp.DataType:
        return data_type(t)

    _REL_HANDLERS: ClassVar[dict[type, str]] = {
        ir.NamedTableRead: "rel_named_table",
        ir.LocalFilesRead: "rel_local_files",
        ir.VirtualTableRead: "rel_virtual_table",
        ir.ExtensionTableRead: "rel_extension_table",
        ir.Filter: "rel_filter",
        ir.Project: "rel_project",
        ir.Sort: "rel_sort",
        ir.Fetch: "rel_fetch",
        ir.Aggregate: "rel_aggregate",
        ir.Window: "rel_window",
        ir.Join: "rel_join",
        ir.Cross: "rel_cross",
        ir.SetOp: "rel_set",
        ir.Shared: "rel_shared",
        ir.Extension: "rel_extension",
        ir.Write: "rel_write",
    }
