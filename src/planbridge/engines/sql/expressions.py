"""Bound expressions -> sqlglot expressions, one handler per expression kind.

Field references resolve through a stack of scopes: each relation pushes the SQL of its
input record while its own expressions are translated, so outer references of correlated
subqueries (``steps_out`` levels up) find the enclosing relation's columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import sqlglot.expressions as exp

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.engines.sql import functions as F
from planbridge.engines.sql import rounding
from planbridge.engines.sql.frame import (
    Frame,
    Value,
    col_name,
    column,
    combined,
    ref,
    restrict,
    select_from,
    subquery,
    wrap,
)
from planbridge.engines.sql.literals import literal
from planbridge.engines.sql.types import data_type, sql_type
from planbridge.errors import UnsupportedError

_COMPARISON = {
    "eq": exp.EQ,
    "ne": exp.NEQ,
    "lt": exp.LT,
    "gt": exp.GT,
    "le": exp.LTE,
    "ge": exp.GTE,
}


_EPOCH_FUNCTIONS = {3: "epoch_ms", 6: "epoch_us", 9: "epoch_ns"}
_TIMESTAMPS = ("precision_timestamp", "precision_timestamp_tz")
_INTEGERS = ("i8", "i16", "i32", "i64")


def _precision(t: ir.Type) -> int:
    return getattr(t, T.kind(t)).precision


_INT_DIGITS = {"i8": 3, "i16": 5, "i32": 10, "i64": 19}
_TO_TEXT = frozenset({*_INT_DIGITS, "decimal", "fp32", "fp64", "boolean", "date", "string"})


def cannot_fail(source: ir.Type, target: ir.Type) -> bool:
    """Whether every value of ``source`` converts to ``target`` (a widening): then a cast
    that would return null on failure is a plain cast, which engines evaluate faster and
    plan through (join keys, filters)."""
    a, b = T.kind(source), T.kind(target)
    if b == "string" and a in _TO_TEXT:
        return True  # every such value has a text form
    if a in _INT_DIGITS:
        if b in _INT_DIGITS:
            return _INT_DIGITS[b] >= _INT_DIGITS[a]
        if b == "decimal":
            return target.decimal.precision - target.decimal.scale >= _INT_DIGITS[a]
        return b in ("fp32", "fp64", "string")
    if a == "decimal" and b == "decimal":
        s, t = source.decimal, target.decimal
        return t.scale >= s.scale and t.precision - t.scale >= s.precision - s.scale
    if a == "fp32":
        return b == "fp64"
    return a == b and a in ("string", "date", "boolean")


_STRING_KINDS = ("string", "varchar", "fixed_char")


def _string_literal(e: ir.Cast) -> bool:
    """A cast of a non-null string literal to a string type (whatever its length)."""
    return (
        isinstance(e.input, ir.Literal)
        and isinstance(e.input.value, str)
        and T.kind(e.input.type) in _STRING_KINDS
        and T.kind(e.type) in _STRING_KINDS
    )


def _epoch_cast(e: ir.Cast) -> str:
    """Casts between precision timestamps and integers count units since the epoch (Arrow)."""
    src, dst = T.kind(e.input.type), T.kind(e.type)
    if src in _TIMESTAMPS and dst in _INTEGERS:
        return "to_units"
    if src in _INTEGERS and dst in _TIMESTAMPS:
        return "from_units"
    return ""


def _lambda_param(depth: int, index: int) -> str:
    """The SQL name of a lambda's parameter: unlike any column name the translator writes."""
    return f"_pb_l{depth}_{index}"


def _is_column(v: Value) -> bool:
    return type(v) is tuple or isinstance(v, exp.Column)


def _passthrough(q: exp.Query) -> bool:
    """A select whose list only names columns (the rows it returns do not depend on it)."""
    return isinstance(q, exp.Select) and all(
        isinstance(e, exp.Alias) and isinstance(e.this, exp.Column) for e in q.expressions
    )


class ExpressionTranslator:
    """Expression half of the SQL translator (mixed into :class:`SqlTranslator`)."""

    engine_name: ClassVar[str]
    # Whether ``EXISTS`` over a select of plain columns selects ``1`` instead
    exists_selects_one: ClassVar[bool] = False
    #: Function handlers that differ from :data:`functions.FUNCTIONS` in this engine.
    FUNCTION_OVERRIDES: ClassVar[dict[str, F.Handler]] = {}
    #: The integer type decimal bitwise operations run in (the widest the engine has)
    bitwise_integer: ClassVar[str] = "BIGINT"
    #: Whether the engine's SQL has lambdas (list functions such as ``transform`` need them)
    supports_lambdas: ClassVar[bool] = True
    #: Whether a plan's cast of a string literal to a string type stays a CAST. DataFusion's
    #: VARCHAR is Utf8View: the cast literal made it cast the column it meets on every row
    #: (``CAST(o_comment AS Utf8View) NOT LIKE ..``), where the bare literal is coerced once.
    keeps_string_literal_casts: ClassVar[bool] = True

    # Per class: the handler function of each expression class (from _EXPR_HANDLERS, taken
    # when the subclass is created, so its overrides are its entries) and each function
    # name's handler once resolved (only names that resolve: a bounded set); a dispatch by
    # name, then a bound method, then three lookups per call cost more than many handlers'
    # own work
    _expr_functions: ClassVar[dict[type, Callable[..., exp.Expression]]] = {}
    _function_handlers: ClassVar[dict[str, F.Handler]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._expr_functions = {t: getattr(cls, name) for t, name in cls._EXPR_HANDLERS.items()}
        cls._function_handlers = {}

    def __init__(self) -> None:
        self._scopes: list[Sequence[Value]] = []
        self._lambda_depth = 0  # lambdas enclosing the expression being translated

    # provided by SqlTranslator
    def rel(self, r: ir.Rel) -> Frame:  # pragma: no cover - overridden
        raise NotImplementedError

    def alias(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def data_type(self, t: ir.Type) -> exp.DataType:
        return data_type(t)

    # -- scopes ------------------------------------------------------------------------
    def expr_in(self, e: ir.Expr, scope: Sequence[Value]) -> exp.Expression:
        """Translate ``e`` whose field references index ``scope``."""
        self._scopes.append(scope)
        try:
            return self.expr(e)
        finally:
            self._scopes.pop()

    def expr(self, e: ir.Expr) -> exp.Expression:
        handler = self._expr_functions.get(type(e))
        if handler is None:
            raise UnsupportedError(
                f"{type(e).__name__} expressions are not supported by {self.engine_name}"
            )
        return handler(self, e)

    # -- references --------------------------------------------------------------------
    def expr_field(self, e: ir.FieldRef) -> exp.Expression:
        return ref(self._scopes[-1][e.index])

    def expr_outer(self, e: ir.OuterRef) -> exp.Expression:
        depth = len(self._scopes) - 1 - e.steps_out
        if depth < 0:
            raise UnsupportedError(f"outer reference {e.steps_out} levels out has no scope")
        return ref(self._scopes[depth][e.index])

    def expr_lambda(self, e: ir.Lambda) -> exp.Expression:
        """``LAMBDA p0, p1 : body``; parameters are named by nesting depth and position."""
        if not self.supports_lambdas:
            raise UnsupportedError(
                f"lambda expressions are not supported by {self.engine_name} (its SQL has no "
                "lambdas: the list functions transform, filter, any_match and all_match need them)"
            )
        names = [
            exp.to_identifier(_lambda_param(self._lambda_depth, i)) for i in range(len(e.params))
        ]
        self._lambda_depth += 1
        try:
            body = self.expr(e.body)
        finally:
            self._lambda_depth -= 1
        return exp.Lambda(this=body, expressions=names)

    def expr_lambda_param(self, e: ir.LambdaParam) -> exp.Expression:
        depth = self._lambda_depth - 1 - e.steps_out
        if depth < 0:
            raise UnsupportedError(f"lambda parameter {e.steps_out} lambdas out has no lambda")
        return exp.column(_lambda_param(depth, e.index))

    def expr_struct_field(self, e: ir.StructField) -> exp.Expression:
        return exp.Anonymous(
            this="struct_extract_at",
            expressions=[self.expr(e.input), exp.Literal.number(e.index + 1)],
        )

    def expr_list_element(self, e: ir.ListElement) -> exp.Expression:
        return exp.Bracket(this=self.expr(e.input), expressions=[exp.Literal.number(e.offset + 1)])

    def expr_map_key(self, e: ir.MapKey) -> exp.Expression:
        return exp.Bracket(this=self.expr(e.input), expressions=[self.expr(e.key)])

    # -- values ------------------------------------------------------------------------
    def expr_literal(self, e: ir.Literal) -> exp.Expression:
        return literal(self, e)

    def binary_literal(self, v: bytes) -> exp.Expression:
        return exp.Unhex(this=exp.Literal.string(v.hex()))

    def interval_literal(self, text: str) -> exp.Expression:
        return exp.Interval(this=exp.Literal.string(text))

    def integer_divide(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        """Integer division truncating toward zero (Substrait's ``divide`` on integers)."""
        return exp.IntDiv(this=a, expression=b)

    def float_round(
        self, x: exp.Expression, digits: int, mode: str, call: ir.Call
    ) -> exp.Expression:
        """``round`` of a float to ``digits`` places: the engine's own ``round`` rounds ties
        away from zero exactly (DuckDB); other modes use the exact formulation."""
        if mode == "TIE_AWAY_FROM_ZERO":
            return exp.Round(this=x, decimals=exp.Literal.number(digits) if digits else None)
        return self.exact_float_round(x, digits, mode, call)

    def exact_float_round(
        self, x: exp.Expression, digits: int, mode: str, call: ir.Call
    ) -> exp.Expression:
        """Exact rounding of a float (see :mod:`.rounding`), computed in DOUBLE."""
        if abs(digits) > rounding.MAX_EXACT_SCALE or mode not in rounding.MODES:
            raise UnsupportedError(
                f"round of a float to {digits} places with rounding {mode} is not supported "
                f"by {self.engine_name}"
            )
        double = sql_type("DOUBLE")
        value = rounding.exact_round(exp.Cast(this=x, to=double), digits, mode)
        if not T.kind(call.type):
            return value
        return exp.Cast(this=value, to=self.data_type(call.type))

    def unescaped_like_pattern(self, pattern: exp.Expression) -> exp.Expression:
        """A LIKE pattern with no escape character (Substrait's and DuckDB's default)."""
        return pattern

    def regexp_substring(
        self, s: exp.Expression, pattern: exp.Expression, group: int
    ) -> exp.Expression:
        """The first match of ``pattern`` in ``s`` (or its capture ``group``); NULL if none."""
        found = exp.Anonymous(this="regexp_matches", expressions=[s.copy(), pattern.copy()])
        value = exp.Anonymous(
            this="regexp_extract", expressions=[s, pattern, exp.Literal.number(group)]
        )
        return exp.Case(ifs=[exp.If(this=found, true=value)])

    def regexp_count(self, s: exp.Expression, pattern: exp.Expression) -> exp.Expression:
        return exp.Anonymous(
            this="len",
            expressions=[exp.Anonymous(this="regexp_extract_all", expressions=[s, pattern])],
        )

    def extract(self, part: str, value: exp.Expression, call: ir.Call) -> exp.Expression:
        return exp.Extract(this=exp.var(part), expression=value)

    def timestamp_to_units(self, value: exp.Expression, precision: int) -> exp.Expression:
        """``cast(precision_timestamp<P> as i64)``: whole 10^-P s units since the epoch."""
        fn = _EPOCH_FUNCTIONS.get(precision)
        if fn is None:
            raise UnsupportedError(f"cast of a timestamp with precision {precision} to i64")
        return exp.Anonymous(this=fn, expressions=[value])

    def units_to_timestamp(self, value: exp.Expression, precision: int, tz: bool) -> exp.Expression:
        """``cast(i64 as precision_timestamp<P>)``: the inverse of :meth:`timestamp_to_units`."""
        if precision == 9:
            ts: exp.Expression = exp.Anonymous(this="make_timestamp_ns", expressions=[value])
        elif precision in (3, 6):
            scale = 10 ** (6 - precision)
            micros = (
                value
                if scale == 1
                else exp.Mul(this=wrap(value), expression=exp.Literal.number(scale))
            )
            ts = exp.Anonymous(this="make_timestamp", expressions=[micros])
        else:
            raise UnsupportedError(f"cast of i64 to a timestamp with precision {precision}")
        return exp.AtTimeZone(this=ts, zone=exp.Literal.string("UTC")) if tz else ts

    def make_list(self, values: list[exp.Expression], t: ir.Type) -> exp.Expression:
        if not values:
            return exp.Cast(this=exp.Array(expressions=[]), to=self.data_type(t))
        return exp.Array(expressions=values)

    def make_struct(self, values: list[exp.Expression]) -> exp.Expression:
        return exp.Struct(
            expressions=[
                exp.PropertyEQ(this=exp.to_identifier(f"f{i}", quoted=True), expression=v)
                for i, v in enumerate(values)
            ]
        )

    def make_map(
        self, entries: list[tuple[exp.Expression, exp.Expression]], t: ir.Type
    ) -> exp.Expression:
        return exp.Map(
            keys=exp.Array(expressions=[k for k, _ in entries]),
            values=exp.Array(expressions=[v for _, v in entries]),
        )

    def expr_make_struct(self, e: ir.MakeStruct) -> exp.Expression:
        return self.make_struct([self.expr(f) for f in e.fields])

    def expr_make_list(self, e: ir.MakeList) -> exp.Expression:
        return self.make_list([self.expr(v) for v in e.values], e.type)

    def expr_make_map(self, e: ir.MakeMap) -> exp.Expression:
        return self.make_map([(self.expr(k), self.expr(v)) for k, v in e.entries], e.type)

    # -- control flow ------------------------------------------------------------------
    def expr_cast(self, e: ir.Cast) -> exp.Expression:
        if T.kind(e.type) in ("", "unknown"):
            return self.expr(e.input)
        epoch = _epoch_cast(e)
        if epoch == "to_units":
            return self.timestamp_to_units(self.expr(e.input), _precision(e.input.type))
        if epoch == "from_units":
            tz = T.kind(e.type) == "precision_timestamp_tz"
            return self.units_to_timestamp(self.expr(e.input), _precision(e.type), tz)
        if not self.keeps_string_literal_casts and _string_literal(e):
            return self.expr(e.input)  # the same characters; a string needs no cast
        to = self.data_type(e.type)
        if e.failure == "return_null" and not cannot_fail(e.input.type, e.type):
            return exp.TryCast(this=self.expr(e.input), to=to)
        return exp.Cast(this=self.expr(e.input), to=to)

    def expr_if_then(self, e: ir.IfThen) -> exp.Expression:
        case = exp.Case()
        for cond, value in e.clauses:
            case = case.when(self.expr(cond), self.expr(value), copy=False)
        if e.otherwise is not None:
            case = case.else_(self.expr(e.otherwise), copy=False)
        return case

    def expr_switch(self, e: ir.Switch) -> exp.Expression:
        case = exp.Case(this=self.expr(e.match))
        for match, value in e.clauses:
            case = case.when(self.expr(match), self.expr(value), copy=False)
        if e.otherwise is not None:
            case = case.else_(self.expr(e.otherwise), copy=False)
        return case

    def expr_singular_or_list(self, e: ir.SingularOrList) -> exp.Expression:
        return exp.In(this=wrap(self.expr(e.value)), expressions=[self.expr(o) for o in e.options])

    def expr_multi_or_list(self, e: ir.MultiOrList) -> exp.Expression:
        values = [self.expr(v) for v in e.values]
        alternatives = [
            exp.and_(
                *[
                    exp.EQ(this=v.copy(), expression=self.expr(o))
                    for v, o in zip(values, opt, strict=True)
                ],
                copy=False,
            )
            for opt in e.options
        ]
        return combined(exp.Or, alternatives) if alternatives else exp.false()

    # -- functions ---------------------------------------------------------------------
    def function_handler(self, call: ir.Call) -> F.Handler:
        handler = self._function_handlers.get(call.name)
        if handler is None:
            handler = self._function_handlers[call.name] = self.resolve_function(call)
        return handler

    def resolve_function(self, call: ir.Call) -> F.Handler:
        """The handler of ``call``'s function in this engine (an override, the shared one,
        or the one of the name it is an alias of)."""
        name = call.name if call.name in F.FUNCTIONS else F.ALIASES.get(call.name, call.name)
        handler = self.FUNCTION_OVERRIDES.get(name) or F.FUNCTIONS.get(name)
        if handler is None:
            kind = (
                "aggregate"
                if isinstance(call, ir.AggregateCall)
                else ("window" if isinstance(call, ir.WindowCall) else "scalar")
            )
            raise UnsupportedError(
                f"{kind} function {call.name} ({call.urn or 'no extension'}) is not supported "
                f"by {self.engine_name}"
            )
        return handler

    def call_args(self, call: ir.Call) -> list[Any]:
        return [a.value if type(a) is ir.EnumArg else wrap(self.expr(a)) for a in call.args]

    def expr_call(self, e: ir.Call) -> exp.Expression:
        handler = self.function_handler(e)
        if handler in F.OWN_ARGUMENTS:  # it translates its arguments itself
            return handler(self, e, [])
        return handler(self, e, self.call_args(e))

    def measure(self, m: ir.Measure, scope: Sequence[Value]) -> exp.Expression:
        """An aggregate measure (with DISTINCT, ORDER BY and FILTER) over ``scope``."""
        self._scopes.append(scope)
        try:
            agg = self.expr_aggregate(m.call)
            if m.filter is not None:
                agg = exp.Filter(this=agg, expression=exp.Where(this=self.expr(m.filter)))
            return agg
        finally:
            self._scopes.pop()

    def expr_aggregate(self, e: ir.AggregateCall) -> exp.Expression:
        args = self.call_args(e)
        if e.distinct:
            args = [
                exp.Distinct(expressions=[a]) if isinstance(a, exp.Expression) else a
                for a in args[:1]
            ] + args[1:]
        agg = self.function_handler(e)(self, e, args)
        if e.sorts:
            agg = self.ordered_aggregate(agg, [self.ordered(s) for s in e.sorts])
        return agg

    def ordered_aggregate(self, agg: exp.Expression, keys: list[exp.Ordered]) -> exp.Expression:
        """Attach ``ORDER BY`` inside an aggregate's argument list."""
        target = agg.this if isinstance(agg, exp.Filter) else agg
        first = target.this if isinstance(target, exp.Func) and "this" in target.arg_types else None
        if isinstance(first, exp.Expression):
            target.set("this", exp.Order(this=first, expressions=keys))
            return agg
        raise UnsupportedError(f"ordered aggregate {target.sql()} is not supported")

    def ordered(self, s: ir.SortField) -> exp.Ordered:
        return exp.Ordered(
            this=self.expr(s.expr),
            desc=s.direction.startswith("desc"),
            nulls_first=s.direction.endswith("first"),
        )

    def expr_window(self, e: ir.WindowCall) -> exp.Expression:
        args = self.call_args(e)
        func = self.function_handler(e)(self, e, args)
        if e.distinct and isinstance(func, exp.Func) and isinstance(func.this, exp.Expression):
            func.set("this", exp.Distinct(expressions=[func.this]))
        spec = None
        if e.frame in ("rows", "range", "groups") and e.name not in F.RANKING_FUNCTIONS:
            start, start_side = self.bound(e.lower, "PRECEDING")
            end, end_side = self.bound(e.upper, "FOLLOWING")
            spec = exp.WindowSpec(
                kind=e.frame.upper(), start=start, start_side=start_side, end=end, end_side=end_side
            )
        return exp.Window(
            this=func,
            partition_by=[self.expr(p) for p in e.partition_by] or None,
            order=exp.Order(expressions=[self.ordered(s) for s in e.order_by])
            if e.order_by
            else None,
            spec=spec,
            over="OVER",
        )

    def bound(self, b: ir.WindowBound, unbounded_side: str) -> tuple[Any, str | None]:
        """An unbounded lower end is UNBOUNDED PRECEDING, an upper one UNBOUNDED FOLLOWING."""
        if b.kind == "unbounded":
            return "UNBOUNDED", unbounded_side
        if b.kind == "current_row":
            return "CURRENT ROW", None
        side = "PRECEDING" if b.kind == "preceding" else "FOLLOWING"
        offset = b.offset
        value = (
            self.expr(offset) if isinstance(offset, ir.Expr) else exp.Literal.number(offset or 0)
        )
        return value, side

    # -- subqueries --------------------------------------------------------------------
    def subquery_select(self, rel: ir.Rel) -> tuple[exp.Select, list[exp.Expression]]:
        frame = self.rel(rel)
        alias = self.alias()
        cols: list[exp.Expression] = [column(alias, col_name(i)) for i in range(frame.width)]
        sel = select_from(subquery(frame.query, alias))
        sel.set("expressions", cols)
        return sel, cols

    def subquery_query(self, rel: ir.Rel, exists: bool = False) -> exp.Query:
        """The relation as a query whose select list is exactly its columns, named apart from
        the enclosing query's ``cN`` (DataFusion's decorrelation trips over equal names).
        For ``exists`` with :attr:`exists_selects_one`, a list of plain columns is ``1``:
        which columns do not matter, only whether a row does (as in ``SELECT *``), and the
        engine then binds no list of the table's columns on every execution."""
        frame = self.rel(rel)
        alias = self.alias()

        def renamed(_: str) -> str:
            return f"_pb_v{self.alias()[5:]}"

        if frame.values is not None and not frame.ordering:
            values = [v for v in frame.values if v is not None]
            if exists and self.exists_selects_one and values and all(map(_is_column, values)):
                for _ in values:  # the names the list would have had: aliases stay numbered alike
                    renamed("")
                frame.values = None
                frame.node.set("expressions", [exp.Literal.number(1)])
                return frame.node
            return frame.build(renamed)
        query = frame.plain(alias)
        if isinstance(query, exp.Select):
            for e in query.expressions:
                if isinstance(e, exp.Alias):
                    e.set("alias", exp.to_identifier(renamed(""), quoted=True))
        if exists and self.exists_selects_one and _passthrough(query):
            query.set("expressions", [exp.Literal.number(1)])
        return query

    def expr_scalar_subquery(self, e: ir.ScalarSubquery) -> exp.Expression:
        return exp.Subquery(this=self.subquery_query(e.rel))

    def expr_in_subquery(self, e: ir.InSubquery) -> exp.Expression:
        needles = [self.expr(n) for n in e.needles]
        if len(needles) == 1:
            query = self.subquery_query(e.rel)
            return exp.In(this=needles[0], query=exp.Subquery(this=query))
        sel, cols = self.subquery_select(e.rel)
        sel.set("expressions", [exp.Literal.number(1)])
        conds = [exp.EQ(this=c, expression=n) for c, n in zip(cols, needles, strict=True)]
        return exp.Exists(this=restrict(sel, combined(exp.And, conds)))

    def expr_set_predicate(self, e: ir.SetPredicate) -> exp.Expression:
        if e.op != "exists":
            raise UnsupportedError(
                f"set predicate {e.op.upper()} is not supported by {self.engine_name}"
            )
        return exp.Exists(this=self.subquery_query(e.rel, exists=True))

    def expr_set_comparison(self, e: ir.SetComparison) -> exp.Expression:
        left = self.expr(e.left)
        query = self.subquery_query(e.rel)
        wrapper = exp.Any if e.reduction == "any" else exp.All
        return _COMPARISON[e.op](this=left, expression=wrapper(this=exp.Subquery(this=query)))

    _EXPR_HANDLERS: ClassVar[dict[type, str]] = {
        ir.FieldRef: "expr_field",
        ir.OuterRef: "expr_outer",
        ir.StructField: "expr_struct_field",
        ir.ListElement: "expr_list_element",
        ir.MapKey: "expr_map_key",
        ir.Literal: "expr_literal",
        ir.Cast: "expr_cast",
        ir.IfThen: "expr_if_then",
        ir.Switch: "expr_switch",
        ir.SingularOrList: "expr_singular_or_list",
        ir.MultiOrList: "expr_multi_or_list",
        ir.MakeStruct: "expr_make_struct",
        ir.MakeList: "expr_make_list",
        ir.Lambda: "expr_lambda",
        ir.LambdaParam: "expr_lambda_param",
        ir.MakeMap: "expr_make_map",
        ir.Call: "expr_call",
        ir.AggregateCall: "expr_aggregate",
        ir.WindowCall: "expr_window",
        ir.ScalarSubquery: "expr_scalar_subquery",
        ir.InSubquery: "expr_in_subquery",
        ir.SetPredicate: "expr_set_predicate",
        ir.SetComparison: "expr_set_comparison",
    }
