"""A sqlglot dialect for Flink SQL (Calcite-based): backquoted identifiers, Flink type names.

Only the spellings that differ from sqlglot's default generator are overridden here: the
types (``STRING``, ``BYTES``, ``TIMESTAMP_LTZ``, ``ARRAY<..>``, ``ROW<..>``), intervals
(``INTERVAL '5' SECOND``), table options (``'connector' = 'filesystem'``) and a few
functions Flink names differently.
"""

from __future__ import annotations

from typing import ClassVar

import sqlglot.expressions as exp
from sqlglot import tokens
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator as BaseGenerator

_TYPES = {
    exp.DataType.Type.VARCHAR: "STRING",
    exp.DataType.Type.TEXT: "STRING",
    exp.DataType.Type.VARBINARY: "BYTES",
    exp.DataType.Type.BINARY: "BYTES",
    exp.DataType.Type.TIMESTAMPTZ: "TIMESTAMP_LTZ",
    exp.DataType.Type.TIMESTAMPLTZ: "TIMESTAMP_LTZ",
}


def _position(gen: BaseGenerator, e: exp.StrPosition) -> str:
    return f"POSITION({gen.sql(e.args.get('substr'))} IN {gen.sql(e.this)})"


def _string_agg(gen: BaseGenerator, e: exp.GroupConcat) -> str:
    return gen.func("LISTAGG", e.this, e.args.get("separator") or exp.Literal.string(","))


def _mod(gen: BaseGenerator, e: exp.Mod) -> str:
    return gen.func("MOD", e.this, e.expression)


def _pow(gen: BaseGenerator, e: exp.Pow) -> str:
    return gen.func("POWER", e.this, e.expression)


def _length(gen: BaseGenerator, e: exp.Length) -> str:
    return gen.func("CHAR_LENGTH", e.this)


class FlinkDialect(Dialect):
    """Flink SQL: backquoted identifiers, ``''`` escapes quotes in strings."""

    class Tokenizer(tokens.Tokenizer):
        IDENTIFIERS: ClassVar[list] = ["`"]
        QUOTES: ClassVar[list] = ["'"]
        STRING_ESCAPES: ClassVar[list] = ["'"]

    class Generator(BaseGenerator):
        TYPE_MAPPING: ClassVar[dict] = {**BaseGenerator.TYPE_MAPPING, **_TYPES}
        TRANSFORMS: ClassVar[dict] = {
            **BaseGenerator.TRANSFORMS,
            exp.StrPosition: _position,
            exp.GroupConcat: _string_agg,
            exp.Mod: _mod,
            exp.Pow: _pow,
            exp.Length: _length,
        }

        def datatype_sql(self, expression: exp.DataType) -> str:
            t = expression.this
            if expression.args.get("nested") and t == exp.DataType.Type.ARRAY:
                return f"ARRAY<{self.sql(expression.expressions[0])}>"
            if expression.args.get("nested") and t == exp.DataType.Type.MAP:
                key, value = expression.expressions
                return f"MAP<{self.sql(key)}, {self.sql(value)}>"
            if expression.args.get("nested") and t == exp.DataType.Type.STRUCT:
                fields = ", ".join(
                    f"{self.sql(f, 'this')} {self.sql(f, 'kind')}" for f in expression.expressions
                )
                return f"ROW<{fields}>"
            return super().datatype_sql(expression)

        def interval_sql(self, expression: exp.Interval) -> str:
            unit = expression.args.get("unit")
            value = self.sql(expression, "this")
            return f"INTERVAL {value} {self.sql(unit)}" if unit else f"INTERVAL {value}"

        def property_sql(self, expression: exp.Property) -> str:
            if type(expression) is exp.Property:
                return f"{self.sql(expression, 'this')} = {self.sql(expression, 'value')}"
            return super().property_sql(expression)

        def trim_sql(self, expression: exp.Trim) -> str:
            position = expression.args.get("position") or "BOTH"
            chars = expression.args.get("expression")
            what = f"{self.sql(chars)} " if chars is not None else ""
            return f"TRIM({position} {what}FROM {self.sql(expression, 'this')})"

        def intdiv_sql(self, expression: exp.IntDiv) -> str:
            # Flink's / on two integers already truncates toward zero (Calcite semantics).
            return self.binary(expression, "/")

        def struct_sql(self, expression: exp.Struct) -> str:
            values = [
                e.expression if isinstance(e, exp.PropertyEQ) else e for e in expression.expressions
            ]
            return self.func("ROW", *values)

        def array_sql(self, expression: exp.Array) -> str:
            return f"ARRAY[{self.expressions(expression, flat=True)}]"
