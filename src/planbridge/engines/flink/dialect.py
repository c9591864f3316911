"""A sqlglot dialect for Flink SQL (Calcite-based): backquoted identifiers, Flink type names.

Printed by sqlglot's own generator; only the spellings that differ from it are rewritten
as they are printed (see :mod:`planbridge.engines.respell`): the types (``STRING``, ``BYTES``,
``TIMESTAMP_LTZ``, ``ROW<..>``), table options (``WITH ('connector' = 'filesystem')``),
``ROW(..)`` and ``ARRAY[..]`` values, ``TRIM(BOTH .. FROM ..)``, ``POSITION(.. IN ..)`` and
a few functions Flink names differently.
"""

from __future__ import annotations

from typing import ClassVar

import sqlglot.expressions as exp
from sqlglot import tokens

from planbridge.engines.respell import RespellingDialect, Rule, call, renamed_type

_T = exp.DataType.Type

_TYPES = renamed_type(
    {
        _T.VARCHAR: "STRING",
        _T.TEXT: "STRING",
        _T.VARBINARY: "BYTES",
        _T.BINARY: "BYTES",
        _T.TIMESTAMPTZ: "TIMESTAMP_LTZ",
        _T.TIMESTAMPLTZ: "TIMESTAMP_LTZ",
    }
)
_ROW = renamed_type({_T.STRUCT: "ROW"})


def _type(t: exp.DataType) -> exp.DataType:
    """Flink's type names; a struct type is ``ROW<name type, ..>``."""
    return _ROW(t) if t.args.get("nested") else _TYPES(t)


def _words(*parts: exp.Expression) -> exp.Expression:
    """The parts side by side, separated by spaces (``BOTH 'x' FROM s``)."""
    out = parts[0]
    for p in parts[1:]:
        out = exp.Opclass(this=out, expression=p)
    return out


def _trim(e: exp.Trim) -> exp.Expression:
    """``TRIM(BOTH|LEADING|TRAILING [chars] FROM s)``."""
    position = exp.var(e.args.get("position") or "BOTH")
    chars = e.args.get("expression")
    head = position if chars is None else _words(position, chars)
    return call("TRIM", _words(head, exp.var("FROM"), e.this))


def _table_options(props: exp.Properties) -> exp.Properties:
    """``WITH ('key' = 'value', ..)``: the table's connector options."""
    options = [p for p in props.expressions if type(p) is exp.Property]
    if not options:
        return props
    pairs = [exp.EQ(this=p.this, expression=p.args["value"]) for p in options]
    rest = [p for p in props.expressions if type(p) is not exp.Property]
    with_options = exp.WithProcedureOptions(expressions=[exp.Schema(expressions=pairs)])
    return exp.Properties(expressions=[*rest, with_options])


def _row(e: exp.Struct) -> exp.Expression:
    values = [v.expression if isinstance(v, exp.PropertyEQ) else v for v in e.expressions]
    return call("ROW", *values)


class FlinkDialect(RespellingDialect):
    """Flink SQL: backquoted identifiers, ``''`` escapes quotes in strings."""

    class Tokenizer(tokens.Tokenizer):
        IDENTIFIERS: ClassVar[list] = ["`"]
        QUOTES: ClassVar[list] = ["'"]
        STRING_ESCAPES: ClassVar[list] = ["'"]

    RULES: ClassVar[dict[type, Rule]] = {
        exp.DataType: _type,
        exp.Properties: _table_options,
        exp.StrPosition: lambda e: call(
            "POSITION", exp.In(this=e.args.get("substr"), field=e.this)
        ),
        exp.GroupConcat: lambda e: call(
            "LISTAGG", e.this, e.args.get("separator") or exp.Literal.string(",")
        ),
        exp.Mod: lambda e: call("MOD", e.this, e.expression),
        exp.Pow: lambda e: call("POWER", e.this, e.expression),
        exp.Length: lambda e: call("CHAR_LENGTH", e.this),
        exp.Trim: _trim,
        # Flink's / on two integers already truncates toward zero (Calcite semantics).
        exp.IntDiv: lambda e: exp.Div(this=e.this, expression=e.expression),
        exp.Struct: _row,
        exp.Array: lambda e: exp.Bracket(this=exp.var("ARRAY"), expressions=e.expressions),
    }
