"""Type spellings for schemas: ``"int64"``, ``"decimal(15,2)"``, pyarrow types, Substrait types.

Everything becomes a ``substrait.type_pb2.Type`` built with ``substrait.builders.type``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from substrait import type_pb2 as stt
from substrait.builders import type as tb

from planbridge import types as T
from planbridge.errors import PlanBuildError

_SIMPLE = {
    "bool": tb.boolean,
    "boolean": tb.boolean,
    "int8": tb.i8,
    "i8": tb.i8,
    "tinyint": tb.i8,
    "int16": tb.i16,
    "i16": tb.i16,
    "smallint": tb.i16,
    "int32": tb.i32,
    "i32": tb.i32,
    "int": tb.i32,
    "integer": tb.i32,
    "int64": tb.i64,
    "i64": tb.i64,
    "bigint": tb.i64,
    "float32": tb.fp32,
    "fp32": tb.fp32,
    "float": tb.fp32,
    "float64": tb.fp64,
    "fp64": tb.fp64,
    "double": tb.fp64,
    "string": tb.string,
    "str": tb.string,
    "utf8": tb.string,
    "binary": tb.binary,
    "bytes": tb.binary,
    "date": tb.date,
    "uuid": tb.uuid,
    "interval_year": tb.interval_year,
}
_PRECISION = {
    "timestamp": tb.precision_timestamp,
    "timestamp_tz": tb.precision_timestamp_tz,
    "time": tb.precision_time,
    "interval_day": tb.interval_day,
    "interval_compound": tb.interval_compound,
}
_PARAMS = re.compile(r"^([a-z_0-9]+)\s*(?:[(<]\s*([0-9 ,]*)\s*[)>])?$")


def parse_type(spec: Any, nullable: bool = True) -> stt.Type:
    """A Substrait type from a string spelling, a pyarrow type or a Substrait Type."""
    if isinstance(spec, stt.Type):
        return spec
    if isinstance(spec, str):
        return _parse_string(spec, nullable)
    try:
        import pyarrow as pa

        if isinstance(spec, pa.DataType):
            return T.arrow_to_type(spec, nullable)
    except PlanBuildError:
        raise
    except Exception as exc:  # UnsupportedError from arrow_to_type
        raise PlanBuildError(f"type {spec}: {exc}") from None
    raise PlanBuildError(f"cannot use {spec!r} as a column type; give e.g. 'int64' or 'date'")


def _parse_string(spec: str, nullable: bool) -> stt.Type:
    text = spec.strip().lower()
    if text.endswith("?"):
        text = text[:-1]
    if text.endswith("!"):
        text, nullable = text[:-1], False
    m = _PARAMS.match(text)
    if not m:
        raise PlanBuildError(f"cannot parse type {spec!r}")
    name, params = m.group(1), [int(p) for p in (m.group(2) or "").split(",") if p.strip()]
    if name in _SIMPLE and not params:
        return _SIMPLE[name](nullable=nullable)
    if name in _PRECISION:
        return _PRECISION[name](params[0] if params else 6, nullable=nullable)
    if name == "decimal":
        precision, scale = (params + [38, 0][len(params) :])[:2] if params else (38, 0)
        if not (1 <= precision <= 38 and 0 <= scale <= precision):
            raise PlanBuildError(f"decimal({precision},{scale}) is out of range in {spec!r}")
        return tb.decimal(scale, precision, nullable=nullable)
    if name in ("varchar", "fixed_char", "char", "fixed_binary") and len(params) == 1:
        builder = {"varchar": tb.var_char, "char": tb.fixed_char}.get(name) or getattr(tb, name)
        return builder(params[0], nullable=nullable)
    raise PlanBuildError(f"unknown type {spec!r}")


def parse_schema(schema: Any) -> dict[str, stt.Type]:
    """An ordered ``{name: Type}`` from a dict of spellings, a pyarrow schema or a NamedStruct."""
    if isinstance(schema, stt.NamedStruct):
        return dict(zip(schema.names, schema.struct.types, strict=False))
    try:
        import pyarrow as pa

        if isinstance(schema, pa.Schema):
            return {f.name: parse_type(f.type, f.nullable) for f in schema}
    except ImportError:  # pragma: no cover
        pass
    if isinstance(schema, Mapping):
        out = {}
        for name, spec in schema.items():
            if not isinstance(name, str) or not name:
                raise PlanBuildError(f"column names must be non-empty strings, got {name!r}")
            out[name] = parse_type(spec)
        return out
    if isinstance(schema, list | tuple):
        return parse_schema(dict(schema))
    raise PlanBuildError(
        f"cannot read a schema from a {type(schema).__name__}; give a dict of column types "
        "or a pyarrow schema"
    )


def named_struct(schema: Mapping[str, stt.Type]) -> stt.NamedStruct:
    """The NamedStruct for a flat schema."""
    return tb.named_struct(list(schema), tb.struct(list(schema.values()), nullable=False))


def type_str(t: stt.Type) -> str:
    """Compact display string for error messages."""
    return T.type_to_str(t)
