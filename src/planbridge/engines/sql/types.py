"""Substrait types as sqlglot data types, the vocabulary every SQL engine shares.

Engines override :meth:`SqlTypes.data_type` only where their SQL spells a type differently.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot.expressions as exp
from substrait import type_pb2 as stt

from planbridge import types as T
from planbridge.errors import UnsupportedError

SQL_SIMPLE_TYPES = {
    "bool": "BOOLEAN",
    "i8": "TINYINT",
    "i16": "SMALLINT",
    "i32": "INT",
    "i64": "BIGINT",
    "fp32": "FLOAT",
    "fp64": "DOUBLE",
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "fixed_char": "VARCHAR",
    "binary": "VARBINARY",
    "fixed_binary": "VARBINARY",
    "date": "DATE",
    "time": "TIME",
    "timestamp": "TIMESTAMP",
    "timestamp_tz": "TIMESTAMPTZ",
    "uuid": "UUID",
    "interval_year": "INTERVAL",
    "interval_day": "INTERVAL",
    "interval_compound": "INTERVAL",
}


_UNSIGNED_SQL = {"u8": "UTINYINT", "u16": "USMALLINT", "u32": "UINT", "u64": "UBIGINT"}


def sql_type(name: str) -> exp.DataType:
    """A simple SQL type by name, built directly (``DataType.build`` parses its argument,
    which costs a few hundred microseconds per call)."""
    return exp.DataType(this=exp.DataType.Type[name], nested=False)


def decimal_type(precision: int, scale: int) -> exp.DataType:
    # the literals ``Literal.number`` builds for counts, without its sign check
    params = [
        exp.DataTypeParam(this=exp.Literal(this=str(x), is_string=False))
        for x in (precision, scale)
    ]
    return exp.DataType(this=exp.DataType.Type.DECIMAL, expressions=params, nested=False)


def data_type(t: stt.Type) -> exp.DataType:
    """The SQL type for a Substrait type; raises UnsupportedError for types SQL cannot name."""
    k = T.kind(t)
    if k in SQL_SIMPLE_TYPES:
        return sql_type(SQL_SIMPLE_TYPES[k])
    if k == "decimal":
        return decimal_type(t.decimal.precision, t.decimal.scale)
    if k == "precision_timestamp":
        return sql_type("TIMESTAMP")
    if k == "precision_timestamp_tz":
        return sql_type("TIMESTAMPTZ")
    if k == "precision_time":
        return sql_type("TIME")
    nested = nested_type(t, data_type)
    if nested is not None:
        return nested
    if T.unsigned(t):
        return sql_type(_UNSIGNED_SQL[T.unsigned(t)])  # type: ignore[index]
    raise UnsupportedError(f"type {T.type_to_str(t)} has no SQL equivalent")


def nested_type(t: stt.Type, element: Callable[[stt.Type], exp.DataType]) -> exp.DataType | None:
    """A list, map or struct type whose element types ``element`` spells; None otherwise."""
    k = T.kind(t)
    if k == "list":
        return exp.DataType(
            this=exp.DataType.Type.ARRAY, expressions=[element(t.list.type)], nested=True
        )
    if k == "map":
        return exp.DataType(
            this=exp.DataType.Type.MAP,
            expressions=[element(t.map.key), element(t.map.value)],
            nested=True,
        )
    if k == "struct":
        fields = [
            exp.ColumnDef(this=exp.to_identifier(f"f{i}", quoted=True), kind=element(x))
            for i, x in enumerate(t.struct.types)
        ]
        return exp.DataType(this=exp.DataType.Type.STRUCT, expressions=fields, nested=True)
    return None


def is_integer(t: stt.Type) -> bool:
    """Signed integers and the ``unsigned_integers`` extension's types."""
    return T.kind(t) in ("i8", "i16", "i32", "i64") or T.unsigned(t) is not None


def is_decimal(t: stt.Type) -> bool:
    return T.kind(t) == "decimal"


def is_float(t: stt.Type) -> bool:
    return T.kind(t) in ("fp32", "fp64")


_SIGNED_BITS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64}


def integer_range(t: stt.Type) -> tuple[int, int] | None:
    """The smallest and largest value of an integer type (signed or unsigned), else None."""
    bits = _SIGNED_BITS.get(T.kind(t))
    if bits:
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    name = T.unsigned(t)
    return (0, 2 ** int(name[1:]) - 1) if name else None
