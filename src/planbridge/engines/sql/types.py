"""Substrait types as sqlglot data types, the vocabulary every SQL engine shares.

Engines override :meth:`SqlTypes.data_type` only where their SQL spells a type differently.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot.expressions as exp
from substrait import type_pb2 as stt

from planbridge import types as T
from planbridge.errors import UnsupportedError

_SIMPLE = {
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


def data_type(t: stt.Type) -> exp.DataType:
    """The SQL type for a Substrait type; raises UnsupportedError for types SQL cannot name."""
    k = T.kind(t)
    if k in _SIMPLE:
        return exp.DataType.build(_SIMPLE[k])
    if k == "decimal":
        return exp.DataType.build(f"DECIMAL({t.decimal.precision}, {t.decimal.scale})")
    if k == "precision_timestamp":
        return exp.DataType.build("TIMESTAMP")
    if k == "precision_timestamp_tz":
        return exp.DataType.build("TIMESTAMPTZ")
    if k == "precision_time":
        return exp.DataType.build("TIME")
    nested = nested_type(t, data_type)
    if nested is not None:
        return nested
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
    return T.kind(t) in ("i8", "i16", "i32", "i64")


def is_decimal(t: stt.Type) -> bool:
    return T.kind(t) == "decimal"


def is_float(t: stt.Type) -> bool:
    return T.kind(t) in ("fp32", "fp64")
