"""DataFusion: plans become DataFusion SQL; data is registered as Arrow datasets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import datafusion
import pyarrow as pa
import sqlglot.expressions as exp

from planbridge.consumer import ir
from planbridge.engines.base import SqlEngine
from planbridge.engines.datafusion.dialect import DataFusionDialect
from planbridge.engines.sql import functions as F
from planbridge.engines.sql.lists import sort_list
from planbridge.engines.sql.translator import SqlTranslator
from planbridge.engines.sql.types import is_integer, sql_type
from planbridge.errors import EngineError, UnsupportedError


def _missing(name: str) -> F.Handler:
    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        raise UnsupportedError(f"DataFusion has no {name} function")

    return handler


def _is_infinite(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    (x,) = F.values(args)
    inf = exp.Cast(this=exp.Literal.string("Infinity"), to=sql_type("DOUBLE"))
    return exp.EQ(this=exp.Abs(this=x), expression=inf)


def _is_finite(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    (x,) = F.values(args)
    return exp.and_(
        exp.Not(this=exp.Anonymous(this="isnan", expressions=[x.copy()])),
        exp.Not(this=exp.Paren(this=_is_infinite(tr, call, [x]))),
    )


def _bitwise_not(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    """DataFusion's SQL has no ``~``: NOT x is x XOR -1 (all bits set) in x's type."""
    (x,) = F.values(args)
    ones = exp.Cast(this=exp.Literal.number(-1), to=tr.data_type(call.type))
    return exp.BitwiseXor(this=x, expression=ones)


_INTEGERS = ("i8", "i16", "i32", "i64")


def _checked(name: str) -> F.Handler:
    """``overflow: ERROR`` on integers: DataFusion wraps silently, so the operation runs in
    DECIMAL(38, 0) (wide enough for any i64 sum or product) and is cast back to the declared
    type, a cast that fails when the result is out of range."""
    base = F.FUNCTIONS[name]

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        if call.option("overflow") != "ERROR" or not is_integer(call.type):
            return base(tr, call, args)
        return exp.Cast(this=F.in_decimal_38(base, tr, call, args), to=tr.data_type(call.type))

    return handler


class DataFusionTranslator(SqlTranslator):
    """DataFusion spells integer division ``/`` and binary literals ``X'..'``."""

    dialect: ClassVar[Any] = DataFusionDialect
    engine_name: ClassVar[str] = "datafusion"
    native_all_sets: ClassVar[bool] = False  # its INTERSECT ALL / EXCEPT ALL miscount
    flat_joins: ClassVar[bool] = True
    share_repeats: ClassVar[bool] = True
    supports_lambdas: ClassVar[bool] = False
    sort_in_place: ClassVar[bool] = True
    grouped_selects: ClassVar[bool] = True
    exists_selects_one: ClassVar[bool] = True
    keeps_string_literal_casts: ClassVar[bool] = False
    FUNCTION_OVERRIDES: ClassVar[dict[str, F.Handler]] = {
        "or": F.or_as_in_lists,  # its optimizer keeps an OR chain of equalities
        "sort": sort_list("array_sort"),
        "string_split": F.string_split("string_to_array"),
        "regexp_string_split": _missing("regexp_string_split (regular-expression split)"),
        "sign": F.named("signum"),
        "approx_count_distinct": F.named("approx_distinct"),
        "is_infinite": _is_infinite,
        "is_finite": _is_finite,
        "product": _missing("product"),
        "mode": _missing("mode"),
        "bitwise_not": _bitwise_not,
        **{n: _checked(n) for n in ("add", "subtract", "multiply", "negate", "abs")},
    }

    def float_round(
        self, x: exp.Expression, digits: int, mode: str, call: ir.Call
    ) -> exp.Expression:
        """DataFusion's ``round(x, n)`` is ``round(x * 10^n) / 10^n``, wrong on computed ties."""
        return self.exact_float_round(x, digits, mode, call)

    def unescaped_like_pattern(self, pattern: exp.Expression) -> exp.Expression:
        """DataFusion's LIKE escapes with a backslash by default: double every backslash."""
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            return exp.Literal.string(pattern.this.replace("\\", "\\\\"))
        return exp.Anonymous(
            this="replace",
            expressions=[pattern, exp.Literal.string("\\"), exp.Literal.string("\\\\")],
        )

    def regexp_substring(
        self, s: exp.Expression, pattern: exp.Expression, group: int
    ) -> exp.Expression:
        """``regexp_match`` returns the capture groups; wrap the pattern so group 0 is one."""
        whole = exp.DPipe(
            this=exp.DPipe(this=exp.Literal.string("("), expression=pattern),
            expression=exp.Literal.string(")"),
        )
        match = exp.Anonymous(this="regexp_match", expressions=[s, exp.Paren(this=whole)])
        return exp.Bracket(this=match, expressions=[exp.Literal.number(group + 1)])

    def regexp_count(self, s: exp.Expression, pattern: exp.Expression) -> exp.Expression:
        return exp.Anonymous(this="regexp_count", expressions=[s, pattern])

    def mark(self, matches: exp.Select) -> exp.Expression:
        """DataFusion cannot run EXISTS in a select list; a correlated count it can."""
        count = matches.copy()
        count.set("expressions", [exp.Count(this=exp.Star())])
        return exp.GT(this=exp.Subquery(this=count), expression=exp.Literal.number(0))

    def integer_divide(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return exp.Div(this=a, expression=b)

    def binary_literal(self, v: bytes) -> exp.Expression:
        return exp.Cast(this=exp.HexString(this=v.hex()), to=sql_type("VARBINARY"))

    def timestamp_to_units(self, value: exp.Expression, precision: int) -> exp.Expression:
        return exp.Cast(
            this=_arrow_timestamp(value, precision, False), to=exp.DataType.build("BIGINT")
        )

    def units_to_timestamp(self, value: exp.Expression, precision: int, tz: bool) -> exp.Expression:
        return _arrow_timestamp(value, precision, tz)


_ARROW_UNITS = {0: "Second", 3: "Millisecond", 6: "Microsecond", 9: "Nanosecond"}


def _arrow_timestamp(value: exp.Expression, precision: int, tz: bool) -> exp.Expression:
    """``arrow_cast`` to a timestamp of the precision's unit: Arrow counts units since the epoch."""
    unit = _ARROW_UNITS.get(precision)
    if unit is None:
        raise UnsupportedError(f"timestamps with precision {precision} and integers do not convert")
    zone = 'Some("UTC")' if tz else "None"
    return exp.Anonymous(
        this="arrow_cast", expressions=[value, exp.Literal.string(f"Timestamp({unit}, {zone})")]
    )


def reads_in_order(rel: ir.Rel) -> bool:
    """Whether a fetch takes rows with no sort below it: its rows are then "the first N in
    table order", which DataFusion only keeps when it scans without repartitioning."""
    if isinstance(rel, ir.Fetch):
        inner = rel.input
        while isinstance(inner, ir.Project | ir.Filter):
            inner = inner.input
        if not isinstance(inner, ir.Sort):
            return True
    return any(reads_in_order(x) for x in rel.inputs())


def _conforming(stream: Any, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """The stream's batches in ``schema``: a UNION of string and large_string (or
    string_view) inputs declares one type but passes each input's batches through as is."""
    wide = [
        i for i, f in enumerate(schema) if pa.types.is_decimal(f.type) and f.type.precision == 38
    ]
    for batch in stream:
        b = batch.to_pyarrow()
        for i in wide:  # DataFusion's decimal sums overflow 38 digits silently
            try:
                b.column(i).validate(full=True)
            except pa.ArrowInvalid as exc:
                raise EngineError(
                    f"datafusion computed a decimal beyond 38 digits in column {i} (an "
                    f"overflow the engine does not report): {exc}"
                ) from None
        yield b if b.schema.equals(schema) else b.cast(schema)


class DataFusionEngine(SqlEngine):
    name: ClassVar[str] = "datafusion"
    translator: ClassVar[type[SqlTranslator]] = DataFusionTranslator
    cacheable: ClassVar[bool] = True

    def connect(self, ordered: bool = False) -> Any:
        if not ordered:
            return datafusion.SessionContext()
        config = datafusion.SessionConfig(
            {
                "datafusion.execution.target_partitions": "1",
                "datafusion.optimizer.enable_round_robin_repartition": "false",
            }
        )
        return datafusion.SessionContext(config)

    def prepare(self, plan: ir.BoundPlan) -> None:
        if self.owns_connection and reads_in_order(plan.root):
            self.connection = self.connect(ordered=True)

    def register(self, name: str, data: Any) -> None:
        if isinstance(data, pa.Table):
            batches = data.to_batches() or [pa.RecordBatch.from_pylist([], schema=data.schema)]
            self.connection.register_record_batches(name, [batches])
        else:
            self.connection.register_dataset(name, data)
        self.registered.append(name)

    def unregister(self, name: str) -> None:
        self.connection.deregister_table(name)

    def existing_schema(self, name: str) -> tuple[str, pa.Schema] | None:
        if self.owns_connection:
            return None
        try:  # the exact name first (without listing them all), then case-insensitively
            schema = self.connection.catalog().schema()
            if schema.table_exist(name):
                matches = [name]
            else:
                matches = [n for n in schema.names() if n.lower() == name.lower()]
        except Exception:
            return None
        if len(matches) != 1:
            return None
        try:  # the provider's schema: no DataFrame built (a tenth of ctx.table()'s cost)
            return matches[0], schema.table(matches[0]).schema
        except Exception:
            return None

    def run_sql(self, sql: str) -> pa.RecordBatchReader:
        df = self.connection.sql(sql)
        schema = df.schema()
        return pa.RecordBatchReader.from_batches(schema, _conforming(df.execute_stream(), schema))

    def error_types(self) -> tuple[type[BaseException], ...]:
        return (Exception,)
