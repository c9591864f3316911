"""Bound plan -> Flink SQL: the shared SQL translator with Flink's types, literals and functions.

Only what Flink spells differently is overridden here; relations Flink handles like every
SQL engine go through :class:`planbridge.engines.sql.translator.SqlTranslator`. Streaming
extension relations (windowing TVFs, event time) are translated natively by
:mod:`planbridge.engines.flink.streaming` when that module is present.
"""

from __future__ import annotations

import dataclasses
import decimal
from typing import TYPE_CHECKING, Any, ClassVar

import sqlglot.expressions as exp

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.engines.flink.dialect import FlinkDialect
from planbridge.engines.sql import functions as F
from planbridge.engines.sql.frame import Frame, aliased, col_name, column, order_by, subquery
from planbridge.engines.sql.setops import set_query
from planbridge.engines.sql.translator import SqlTranslator
from planbridge.engines.sql.types import SQL_SIMPLE_TYPES, integer_range, nested_type
from planbridge.errors import PlanError, UnsupportedError

if TYPE_CHECKING:
    from planbridge.engines.flink.window_order import WindowAggregate


def _missing(name: str) -> F.Handler:
    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        raise UnsupportedError(f"Flink SQL has no {name} function")

    return handler


def _as_double(sql_name: str) -> F.Handler:
    """Statistics Flink computes in the argument's type (integers truncate): use DOUBLE."""

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        (x,) = F.values(args)
        return exp.Anonymous(
            this=sql_name, expressions=[exp.Cast(this=x, to=exp.DataType.build("DOUBLE"))]
        )

    return handler


def _distribution(sample: str, population: str) -> F.Handler:
    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        which = call.option("distribution", "SAMPLE")
        return _as_double(population if which == "POPULATION" else sample)(tr, call, args)

    return handler


def _like(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    if call.option("case_sensitivity") == "CASE_INSENSITIVE":
        a, b, *rest = F.values(args)
        return F._like(tr, call, [exp.Lower(this=a), exp.Lower(this=b), *rest])
    return F._like(tr, call, args)


def _int_args(sql_name: str, *positions: int) -> F.Handler:
    """Flink's code generator wants INT (not BIGINT) lengths and positions."""

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        vals = F.values(args)
        vals = [F.as_int(v) if i in positions else v for i, v in enumerate(vals)]
        return exp.Anonymous(this=sql_name, expressions=vals)

    return handler


def _is_nan(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    (x,) = F.values(args)
    # Flink compares NaN equal to itself, so test the text form.
    text = exp.Cast(this=x, to=exp.DataType.build("VARCHAR"))
    return exp.EQ(this=text, expression=exp.Literal.string("NaN"))


_INTEGERS = {"i8": 2**7, "i16": 2**15, "i32": 2**31, "i64": 2**63}


def _avg(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    """``AVG`` of integers over DOUBLE: Flink's integer AVG truncates, DuckDB and DataFusion
    return the exact mean (as a double, though the plan declares the argument's type)."""
    (x,) = F.values(args)
    if T.kind(call.args[0].type) in _INTEGERS:  # type: ignore[union-attr]
        inner = x.expressions[0] if isinstance(x, exp.Distinct) else x
        wide = exp.Cast(this=inner, to=exp.DataType.build("DOUBLE"))
        x = exp.Distinct(expressions=[wide]) if isinstance(x, exp.Distinct) else wide
    return exp.Avg(this=x)


def _checked(name: str) -> F.Handler:
    """``overflow: ERROR`` on integers: Flink wraps silently, so the operation runs in
    DECIMAL(38, 0) (exact for any i64 sum or product) and a result outside the declared
    type fails the job (a cast of the text ``integer overflow: <value>`` to BIGINT)."""
    base = F.FUNCTIONS[name]

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        k = T.kind(call.type)
        bounds = integer_range(call.type)
        if call.option("overflow") != "ERROR" or bounds is None:
            return base(tr, call, args)
        wide = F.in_decimal_38(base, tr, call, args)
        fits = exp.Between(
            this=exp.Paren(this=wide),
            low=F.decimal_literal(bounds[0]),
            high=F.decimal_literal(bounds[1]),
        )
        text = exp.Concat(
            expressions=[
                exp.Literal.string(f"{k} overflow in {name}: "),
                exp.Cast(this=wide.copy(), to=exp.DataType.build("VARCHAR")),
            ]
        )
        failure = exp.Cast(this=text, to=exp.DataType.build("BIGINT"))
        value = exp.Cast(this=wide.copy(), to=tr.data_type(call.type))
        return exp.Case(ifs=[exp.If(this=fits, true=value)], default=failure)

    return handler


MISSING = (
    "octet_length",
    "bit_length",
    "acosh",
    "asinh",
    "atanh",
    "nth_value",
    "is_finite",
    "is_infinite",
    "factorial",
    "log1p",
    "product",
    "mode",
    "median",
    "corr",
    "strftime",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "shift_left",
    "shift_right",
)


class FlinkTranslator(SqlTranslator):
    """Flink SQL: ``STRING``/``BYTES``/``TIMESTAMP_LTZ`` types, ``INTERVAL 'n' UNIT``, a few
    functions spelled the Flink way, and typed empty relations that select from ``VALUES``."""

    dialect: ClassVar[Any] = FlinkDialect
    engine_name: ClassVar[str] = "flink"
    supports_lambdas: ClassVar[bool] = False
    FUNCTION_OVERRIDES: ClassVar[dict[str, F.Handler]] = {
        "starts_with": F.named("STARTSWITH"),
        "ends_with": F.named("ENDSWITH"),
        "log10": F.named("LOG10"),
        "log2": F.named("LOG2"),
        "sign": F.named("SIGN"),
        "like": _like,
        "left": _int_args("LEFT", 1),
        "right": _int_args("RIGHT", 1),
        "repeat": _int_args("REPEAT", 1),
        "substring": _int_args("SUBSTR", 1, 2),
        "is_nan": _is_nan,
        "bool_and": F.unary(exp.Min),
        "bool_or": F.unary(exp.Max),
        "std_dev": _distribution("STDDEV_SAMP", "STDDEV_POP"),
        "variance": _distribution("VAR_SAMP", "VAR_POP"),
        "approx_count_distinct": F.named("APPROX_COUNT_DISTINCT"),
        "any_value": F.named("FIRST_VALUE"),  # any value of the group: the first one
        "avg": _avg,
        **{n: _checked(n) for n in ("add", "subtract", "multiply", "negate", "abs")},
        **{name: _missing(name) for name in MISSING},
    }

    def __init__(self, sources: Any = None, streaming: bool = False) -> None:
        super().__init__(sources)
        #: Translating for streaming mode (OVER windows then order by event time).
        self.streaming = streaming
        #: Every relation's SQL node and its plan path (to name the relation that failed).
        self.rel_nodes: list[tuple[exp.Expression, str]] = []
        #: Trailing sort-key columns of the translated query that are not the plan's.
        self.hidden = 0
        #: Whether the plan uses windowing table functions (time attributes in the output).
        self.windowed = False
        #: Window aggregations, put in Flink's output order once the query is complete.
        self.window_aggregates: list[WindowAggregate] = []

    def rel(self, r: ir.Rel) -> Frame:
        try:
            frame = super().rel(r)
        except PlanError as exc:
            if exc.path:
                raise
            raise type(exc)(exc.reason, r.path) from None  # an expression of this relation
        self.rel_nodes.append((frame.node, r.path))  # its select list may be built later
        return frame

    def sql_paths(self, statement: str) -> dict[str, str]:
        """SQL fragment -> plan path for each relation, as they appear in ``statement``.

        A relation may extend its input's SELECT in place (a filter adding a WHERE to a
        read); both then print the same text, and the outermost one, translated last, names
        the fragment, since its part is what the input's SQL did not have."""
        out: dict[str, str] = {}
        for node, path in self.rel_nodes:
            text = node.sql(dialect=self.dialect)
            if text in statement:
                out[text] = path
        return out

    def translate(self, plan: ir.BoundPlan) -> exp.Query:
        """As the base, but a final sort keeps its key columns in the output (after the
        plan's columns; the engine drops them): Flink's optimizer removes a sort whose
        keys a projection above it drops."""
        root = plan.root.input if isinstance(plan.root, ir.Write) else plan.root
        frame = self.rel(root)
        self.hidden = len(frame.ordering)
        for agg in self.window_aggregates:
            agg.reorder(self.dialect)
        query: exp.Query = frame.query
        if self.windowed:
            frame = self.plain_times(frame, root)
            query = frame.query
        if frame.ordering:
            alias = self.alias()
            cols = [aliased(column(alias, col_name(i)), col_name(i)) for i in range(frame.width)]
            cols += [aliased(column(alias, o.name), o.name) for o in frame.ordering]
            sel = exp.Select(expressions=cols).from_(subquery(frame.query, alias), copy=False)
            query = order_by(sel, None, frame.ordering)
        for name, body in self._ctes.values():
            query = query.with_(exp.to_identifier(name, quoted=True), as_=body, copy=False)
        return query

    def plain_times(self, frame: Frame, root: ir.Rel) -> Frame:
        """Cast timestamp outputs to their plan type: a result may hold one time attribute
        (rowtime) at most, and a window join's output holds two ``window_time``s."""
        alias = self.alias()
        cols: list[exp.Expression] = []
        for i, c in enumerate(root.schema):
            ref: exp.Expression = column(alias, col_name(i))
            if T.kind(c.type) in ("precision_timestamp", "precision_timestamp_tz"):
                ref = exp.Cast(this=ref, to=self.data_type(c.type))
            cols.append(aliased(ref, col_name(i)))
        cols += [aliased(column(alias, o.name), o.name) for o in frame.ordering]
        sel = exp.Select(expressions=cols).from_(subquery(frame.query, alias), copy=False)
        return Frame(sel, frame.width, frame.ordering)

    # -- types and literals --------------------------------------------------------------
    def data_type(self, t: ir.Type) -> exp.DataType:
        return flink_type(t)

    def binary_literal(self, v: bytes) -> exp.Expression:
        return exp.Cast(this=exp.HexString(this=v.hex()), to=exp.DataType.build("VARBINARY"))

    def expr_literal(self, e: ir.Literal) -> exp.Expression:
        v = e.value
        if isinstance(v, ir.IntervalYearMonth | ir.IntervalDaySecond | ir.IntervalCompound):
            return interval(v)
        if isinstance(v, decimal.Decimal) and v.is_finite():
            # Flink's string-to-decimal cast overflows when precision == scale ('0.5' as
            # DECIMAL(1, 1)): cast an exact numeric literal instead.
            text = exp.Literal.number(format(abs(v), "f"))
            body = exp.Neg(this=text) if v.is_signed() else text
            return exp.Cast(this=body, to=self.data_type(e.type))
        return super().expr_literal(e)

    def float_round(
        self, x: exp.Expression, digits: int, mode: str, call: ir.Call
    ) -> exp.Expression:
        """Flink's ``ROUND(double)`` rounds the shortest decimal text (``1.005`` to ``1.01``,
        where the double is below 1.005) and fails on NaN and infinities: use the exact form."""
        return self.exact_float_round(x, digits, mode, call)

    def integer_divide(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return exp.Div(this=a, expression=b)  # Flink's / truncates integers toward zero

    def timestamp_to_units(self, value: exp.Expression, precision: int) -> exp.Expression:
        """Units since the epoch: ``EXTRACT(EPOCH ..) * 10^P + sub-second part`` (both
        truncate toward zero, so their sum is exact before 1970 too)."""
        if precision not in (0, 3, 6):
            raise UnsupportedError(f"cast of a timestamp with precision {precision} to i64")
        epoch = exp.Extract(this=exp.var("EPOCH"), expression=value)
        total: exp.Expression = exp.Mul(
            this=exp.Cast(this=epoch, to=exp.DataType.build("BIGINT")),
            expression=exp.Literal.number(10**precision),
        )
        if precision:
            part = exp.Extract(this=exp.var("MICROSECOND"), expression=value.copy())
            if precision == 3:
                part = exp.Div(this=part, expression=exp.Literal.number(1000))
            total = exp.Add(this=total, expression=part)
        return exp.Paren(this=total)

    def units_to_timestamp(self, value: exp.Expression, precision: int, tz: bool) -> exp.Expression:
        """``TO_TIMESTAMP_LTZ(units, P)`` (as a zone-less timestamp in the UTC session)."""
        ltz = exp.Anonymous(
            this="TO_TIMESTAMP_LTZ", expressions=[value, exp.Literal.number(precision)]
        )
        return ltz if tz else exp.Cast(this=ltz, to=exp.DataType.build(f"TIMESTAMP({precision})"))

    def regexp_substring(
        self, s: exp.Expression, pattern: exp.Expression, group: int
    ) -> exp.Expression:
        """``REGEXP_EXTRACT(s, pattern, group)``: Flink's is already null without a match."""
        return exp.Anonymous(
            this="REGEXP_EXTRACT", expressions=[s, pattern, exp.Literal.number(group)]
        )

    def expr_window(self, e: ir.WindowCall) -> exp.Expression:
        """In streaming mode a RANGE window over event time cast to integer units
        (``over_time``) orders by the time itself with interval bounds: Flink orders
        streaming OVER windows by a time attribute only."""
        from planbridge.engines.flink.streaming import event_time_order

        found = event_time_order(e) if self.streaming and e.frame == "range" else None
        if found is None or not found[1]:
            return super().expr_window(e)
        ref = found[0]
        plain = dataclasses.replace(
            e,
            order_by=(ir.SortField(ref, e.order_by[0].direction),),
            lower=_ms_bound(e.lower),
            upper=_ms_bound(e.upper),
        )
        return super().expr_window(plain)

    def bound(self, b: ir.WindowBound, unbounded_side: str) -> tuple[Any, str | None]:
        if isinstance(b.offset, ir.Literal) and isinstance(b.offset.value, ir.IntervalDaySecond):
            return interval(b.offset.value), "PRECEDING" if b.kind == "preceding" else "FOLLOWING"
        return super().bound(b, unbounded_side)

    def expr_struct_field(self, e: ir.StructField) -> exp.Expression:
        return exp.Dot(this=self.expr(e.input), expression=exp.to_identifier(f"f{e.index}", True))

    # -- relations -----------------------------------------------------------------------
    def read_table(self, r: ir.Read) -> Any:
        """The registered source table of a read (its name and column names)."""
        if isinstance(r, ir.NamedTableRead):
            return self.sources.named_table(r)
        if isinstance(r, ir.LocalFilesRead):
            return self.sources.local_files(r)
        if isinstance(r, ir.VirtualTableRead):
            source = self.sources.virtual_table(r)
            if source is not None:
                return source
        raise UnsupportedError(f"{type(r).__name__} cannot carry Flink event time", r.path)

    def rel_extension(self, r: ir.Extension) -> Frame:
        """planbridge's streaming relations, natively (see :mod:`.streaming`)."""
        from planbridge import streaming
        from planbridge.engines.flink.streaming import processing_time, temporal_join, window_tvf

        if not streaming.is_streaming(r.detail):
            return super().rel_extension(r)
        d = streaming.describe(r)
        if isinstance(d, streaming.Watermark):
            return self.rel(r.inputs_[0])  # declared on the source (WATERMARK FOR)
        if isinstance(d, streaming.ProcessingTime):
            return processing_time(self, r, d)  # declared on the source (PROCTIME())
        if isinstance(d, streaming.WindowTVF):
            self.windowed = True
            return window_tvf(self, r, d)
        self.windowed = True
        return temporal_join(self, r, d)

    def ordered_aggregate(self, agg: exp.Expression, keys: list[exp.Ordered]) -> exp.Expression:
        """Flink's aggregates take no ORDER BY (``LISTAGG`` has no ``WITHIN GROUP``)."""
        name = agg.sql(dialect=self.dialect)
        raise UnsupportedError(f"Flink SQL cannot order the input of an aggregate ({name})")

    def rel_set(self, r: ir.SetOp) -> Frame:
        """``minus_multiset`` as an anti join through ``LEFT JOIN .. IS NOT DISTINCT FROM``:
        Flink decorrelates the shared ``NOT EXISTS`` form into a join that lets NULLs pass."""
        if r.op != "minus_multiset":
            return super().rel_set(r)
        frames = [self.rel(x) for x in r.inputs_]
        queries = [f.visible(self.alias()) for f in frames]
        width = frames[0].width
        other = set_query("intersection_multiset", queries[1:], width, self.alias, True)
        a, b, m = self.alias(), self.alias(), self.alias()
        marked = exp.Select(
            expressions=[
                *[aliased(column(m, col_name(i)), col_name(i)) for i in range(width)],
                aliased(exp.Literal.number(1), "_pb_hit"),
            ],
            distinct=exp.Distinct(),
        ).from_(subquery(other, m), copy=False)
        match = exp.and_(
            *(
                exp.NullSafeEQ(this=column(a, col_name(i)), expression=column(b, col_name(i)))
                for i in range(width)
            )
        )
        cols = [aliased(column(a, col_name(i)), col_name(i)) for i in range(width)]
        sel = exp.Select(expressions=cols).from_(subquery(queries[0], a), copy=False)
        sel = sel.join(subquery(marked, b), on=match, join_type="left", copy=False)
        sel = sel.where(exp.Is(this=column(b, "_pb_hit"), expression=exp.null()), copy=False)
        return Frame(sel, width)

    def rel_aggregate(self, r: ir.Aggregate) -> Frame:
        """As the base; a window aggregation's columns are later put in Flink's order (see
        :mod:`.window_order`; the outermost select, by name, restores the plan's)."""
        from planbridge.engines.flink.window_order import window_aggregate

        frame = super().rel_aggregate(r)
        agg = window_aggregate(r, frame.query, self.dialect)
        if agg is not None:
            self.window_aggregates.append(agg)
        return frame

    def rel_fetch(self, r: ir.Fetch) -> Frame:
        """Flink wants LIMIT/OFFSET as plain integer literals, not casts; an OFFSET without
        a LIMIT (which Flink's sort-limit refuses) numbers the sorted rows instead."""
        skip_only = r.count is None and not (
            r.offset is None or (isinstance(r.offset, ir.Literal) and r.offset.value == 0)
        )
        if skip_only:
            return self.skip_rows(r)
        frame = super().rel_fetch(r)
        for key, value in (("limit", r.count), ("offset", r.offset)):
            node = frame.node.args.get(key)
            if node is not None and isinstance(value, ir.Literal) and isinstance(value.value, int):
                node.set("expression", exp.Literal.number(value.value))
        return frame

    def skip_rows(self, r: ir.Fetch) -> Frame:
        """``OFFSET n`` alone: the rows whose ``ROW_NUMBER()`` in the input's order is past n."""
        inp = self.rel(r.input)
        if not inp.ordering:
            raise UnsupportedError(
                "Flink SQL cannot skip rows (OFFSET without LIMIT) of an unsorted input", r.path
            )
        alias, scope = self.input_scope(inp)
        cols = self.passthrough(r, scope) + self.carry(alias, inp.ordering)
        names = [c.alias_or_name for c in cols]
        keys = [
            exp.Ordered(this=column(alias, o.name), desc=o.desc, nulls_first=o.nulls_first)
            for o in inp.ordering
        ]
        number = exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=keys))
        inner = exp.Select(expressions=[*cols, aliased(number, "_pb_rn")])
        inner = inner.from_(subquery(inp.query, alias), copy=False)
        outer = self.alias()
        sel = exp.Select(expressions=[aliased(column(outer, n), n) for n in names])
        sel = sel.from_(subquery(inner, outer), copy=False)
        past = exp.GT(this=column(outer, "_pb_rn"), expression=self.expr_in(r.offset, []))
        sel = order_by(sel.where(past, copy=False), outer, inp.ordering)
        return Frame(sel, inp.width, inp.ordering)

    def values(self, r: ir.VirtualTableRead) -> Frame:
        """No rows: Flink has no ``SELECT .. WHERE FALSE`` without FROM; select from VALUES."""
        if r.rows:
            return super().values(r)
        width = len(r.base_schema)
        one = self.alias()
        dummy = exp.Values(
            expressions=[exp.Tuple(expressions=[exp.Literal.number(1)])],
            alias=exp.TableAlias(
                this=exp.to_identifier(one, quoted=True),
                columns=[exp.to_identifier("_pb_one", quoted=True)],
            ),
        )
        nulls = [exp.Cast(this=exp.null(), to=self.data_type(c.type)) for c in r.base_schema]
        inner = exp.Select(expressions=[aliased(n, col_name(i)) for i, n in enumerate(nulls)])
        inner = inner.from_(dummy, copy=False).where(exp.false(), copy=False)
        alias = self.alias()
        cols: list[exp.Expression] = [column(alias, col_name(i)) for i in range(width)]
        return self.read_source(r, subquery(inner, alias), cols)


def _ms_bound(b: ir.WindowBound) -> ir.WindowBound:
    """A RANGE bound in milliseconds as an interval bound (0 is the current row)."""
    if b.kind not in ("preceding", "following"):
        return b
    offset = b.offset.value if isinstance(b.offset, ir.Literal) else b.offset
    if not isinstance(offset, int):
        return b
    if offset == 0:
        return ir.WindowBound("current_row")
    ms = abs(offset)
    value = ir.IntervalDaySecond(seconds=ms // 1000, subseconds=ms % 1000, precision=3)
    return ir.WindowBound(b.kind, ir.Literal(T.make("interval_day"), value))


# Flink spells the simple types as the shared SQL table does, except times and intervals;
# it has no UUID or compound interval type (those stay UnsupportedError).
_SIMPLE = {
    **{k: v for k, v in SQL_SIMPLE_TYPES.items() if k not in ("uuid", "interval_compound")},
    "time": "TIME(3)",
    "precision_time": "TIME(3)",
    "timestamp": "TIMESTAMP(6)",
    "timestamp_tz": "TIMESTAMPLTZ(6)",
    "interval_year": "INTERVAL YEAR TO MONTH",
    "interval_day": "INTERVAL DAY TO SECOND(3)",
}


def flink_type(t: ir.Type) -> exp.DataType:
    """The Flink SQL type for a Substrait type (UnsupportedError where Flink has none)."""
    k = T.kind(t)
    if k in _SIMPLE:
        return exp.DataType.build(_SIMPLE[k])
    if k == "decimal":
        return exp.DataType.build(f"DECIMAL({t.decimal.precision}, {t.decimal.scale})")
    if k == "precision_timestamp":
        return exp.DataType.build(f"TIMESTAMP({min(t.precision_timestamp.precision, 9)})")
    if k == "precision_timestamp_tz":
        p = min(t.precision_timestamp_tz.precision, 9)
        return exp.DataType.build(f"TIMESTAMPLTZ({p})")
    nested = nested_type(t, flink_type)
    if nested is not None:
        return nested
    raise UnsupportedError(f"type {T.type_to_str(t)} has no Flink SQL equivalent")


def interval(
    v: ir.IntervalYearMonth | ir.IntervalDaySecond | ir.IntervalCompound,
) -> exp.Expression:
    """A Flink interval literal: ``INTERVAL 'y-m' YEAR TO MONTH`` or
    ``INTERVAL 'd hh:mm:ss.fff' DAY TO SECOND(3)`` (Flink intervals hold milliseconds)."""
    if isinstance(v, ir.IntervalCompound):
        ym, ds = v.year_month, v.day_second
        if ym.years or ym.months:
            if ds.days or ds.seconds or ds.subseconds:
                raise UnsupportedError("Flink has no interval mixing months and days")
            v = ym
        else:
            v = ds
    if isinstance(v, ir.IntervalYearMonth):
        months = v.years * 12 + v.months
        sign = "-" if months < 0 else ""
        text = f"{sign}{abs(months) // 12}-{abs(months) % 12}"
        return exp.Interval(this=exp.Literal.string(text), unit=exp.var("YEAR TO MONTH"))
    nanos = v.subseconds * 10 ** (9 - v.precision) if v.precision <= 9 else 0
    total_ns = (v.days * 86400 + v.seconds) * 10**9 + nanos
    if total_ns % 1_000_000:
        raise UnsupportedError("Flink intervals hold milliseconds; this one has finer parts")
    ms = abs(total_ns) // 1_000_000
    sign = "-" if total_ns < 0 else ""
    days, rest = divmod(ms, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    text = f"{sign}{days} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
    digits = max(2, len(str(days)))
    return exp.Interval(this=exp.Literal.string(text), unit=exp.var(f"DAY({digits}) TO SECOND(3)"))
