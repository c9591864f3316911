"""Bound plan -> Flink SQL: the shared SQL translator with Flink's types, literals and functions.

Only what Flink spells differently is overridden here; relations Flink handles like every
SQL engine go through :class:`planbridge.engines.sql.translator.SqlTranslator`. Streaming
extension relations (windowing TVFs, event time) are translated natively by
:mod:`planbridge.engines.flink.streaming` when that module is present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import sqlglot.expressions as exp

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.engines.flink.dialect import FlinkDialect
from planbridge.engines.sql import functions as F
from planbridge.engines.sql.frame import Frame, aliased, col_name, column, order_by, subquery
from planbridge.engines.sql.translator import SqlTranslator
from planbridge.engines.sql.types import SQL_SIMPLE_TYPES, nested_type
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
    "any_value",
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
        **{name: _missing(name) for name in MISSING},
    }

    def __init__(self, sources: Any = None) -> None:
        super().__init__(sources)
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
        self.rel_nodes.append((frame.query, r.path))
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
        return super().expr_literal(e)

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
        from planbridge.engines.flink.streaming import temporal_join, window_tvf

        if not streaming.is_streaming(r.detail):
            return super().rel_extension(r)
        d = streaming.describe(r)
        if isinstance(d, streaming.Watermark):
            return self.rel(r.inputs_[0])  # declared on the source (WATERMARK FOR)
        if isinstance(d, streaming.WindowTVF):
            self.windowed = True
            return window_tvf(self, r, d)
        self.windowed = True
        return temporal_join(self, r, d)

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
        """Flink wants LIMIT/OFFSET as plain integer literals, not casts."""
        frame = super().rel_fetch(r)
        for key, value in (("limit", r.count), ("offset", r.offset)):
            node = frame.query.args.get(key)
            if node is not None and isinstance(value, ir.Literal) and isinstance(value.value, int):
                node.set("expression", exp.Literal.number(value.value))
        return frame

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
