"""Substrait type helpers: display strings and nullability (used by binder, explain, engines)."""

from __future__ import annotations

import decimal
from typing import Any

from substrait import type_pb2 as stt

_NULLABLE = stt.Type.NULLABILITY_NULLABLE
_REQUIRED = stt.Type.NULLABILITY_REQUIRED
_SIMPLE = {
    "bool": "boolean",
    "i8": "i8",
    "i16": "i16",
    "i32": "i32",
    "i64": "i64",
    "fp32": "fp32",
    "fp64": "fp64",
    "string": "string",
    "binary": "binary",
    "timestamp": "timestamp",
    "date": "date",
    "time": "time",
    "interval_year": "interval_year",
    "timestamp_tz": "timestamp_tz",
    "uuid": "uuid",
}


# Decimal arithmetic wide enough for any decimal<38, s> value, unrounded (Python's default
# context keeps 28 digits and would round a 38-digit literal)
EXACT_DECIMAL = decimal.Context(prec=80, Emax=999, Emin=-999)

UNSIGNED_URN = "extension:io.substrait:unsigned_integers"
# The unsigned_integers extension's types (u8 .. u64) once bound: user-defined types at these
# reserved anchors (the binder rewrites the plan's declared anchors to them), so that the
# type alone says which unsigned integer it is.
UNSIGNED_ANCHORS = {"u8": 0xFFFFFF08, "u16": 0xFFFFFF10, "u32": 0xFFFFFF20, "u64": 0xFFFFFF40}
_UNSIGNED_NAMES = {a: n for n, a in UNSIGNED_ANCHORS.items()}


def unsigned(t: stt.Type) -> str | None:
    """``u8`` .. ``u64`` for a bound unsigned integer type, else None."""
    if t.WhichOneof("kind") != "user_defined":
        return None
    return _UNSIGNED_NAMES.get(t.user_defined.type_reference)


def unsigned_type(name: str, nullable: bool) -> stt.Type:
    """The bound type of the unsigned integer ``name`` (``u8`` .. ``u64``)."""
    out = stt.Type()
    out.user_defined.type_reference = UNSIGNED_ANCHORS[name]
    out.user_defined.nullability = _NULLABLE if nullable else stt.Type.NULLABILITY_REQUIRED
    return out


def kind(t: stt.Type) -> str:
    """The oneof name of the type (``i64``, ``decimal``...), or ``""`` when unset."""
    return t.WhichOneof("kind") or ""


def is_nullable(t: stt.Type) -> bool:
    """Whether the type is declared nullable."""
    k = kind(t)
    return bool(k) and getattr(getattr(t, k), "nullability", 0) == _NULLABLE


def with_nullability(t: stt.Type, nullable: bool) -> stt.Type:
    """``t`` with its nullability set: ``t`` itself when it already has it (types are never
    changed in place, so sharing is safe, and binding asks this for every column of an
    outer join's side), else a copy."""
    k = t.WhichOneof("kind")
    if not k:
        return t  # unknown type: nothing to set (a copy would be the same)
    body = getattr(t, k)
    want = _NULLABLE if nullable else _REQUIRED
    if getattr(body, "nullability", want) == want:
        return t  # already so, or a kind without nullability (a copy would be the same)
    out = copied(t)
    getattr(out, k).nullability = want
    return out


def copied(t: stt.Type) -> stt.Type:
    """An own copy of ``t`` (what a table shared across plans keeps: the plan's may change)."""
    out = stt.Type()
    out.CopyFrom(t)
    return out


def unknown() -> stt.Type:
    """The empty Type: a column whose type the plan did not give (old DataFusion plans)."""
    return stt.Type()


def make(name: str, nullable: bool = True) -> stt.Type:
    """A simple type by oneof name, e.g. ``make("i64")``."""
    t = stt.Type()
    getattr(t, name).nullability = _NULLABLE if nullable else _REQUIRED
    return t


def type_to_str(t: stt.Type) -> str:
    """``i64?``, ``decimal<15,2>``, ``struct<i32,string?>``: compact, as in the Substrait docs."""
    k = kind(t)
    if not k:
        return "unknown"
    body = getattr(t, k)
    q = "?" if is_nullable(t) else ""
    if k in _SIMPLE:
        return _SIMPLE[k] + q
    if k == "decimal":
        return f"decimal<{body.precision},{body.scale}>{q}"
    if k in ("fixed_char", "varchar", "fixed_binary"):
        return f"{k}<{body.length}>{q}"
    if k in (
        "precision_timestamp",
        "precision_timestamp_tz",
        "precision_time",
        "interval_day",
        "interval_compound",
    ):
        return f"{k}<{body.precision}>{q}"
    if k == "struct":
        return "struct<" + ",".join(type_to_str(x) for x in body.types) + f">{q}"
    if k == "list":
        return f"list<{type_to_str(body.type)}>{q}"
    if k == "map":
        return f"map<{type_to_str(body.key)},{type_to_str(body.value)}>{q}"
    if k == "user_defined":
        return f"u!{unsigned(t) or body.type_reference}{q}"
    return k + q


def count_names(t: stt.Type) -> int:
    """How many root names a column of type ``t`` takes (itself plus nested struct fields)."""
    if t.WhichOneof("kind") != "struct":
        return 1
    return 1 + sum(count_names(x) for x in t.struct.types)


_TO_ARROW = {
    "bool": "bool_",
    "i8": "int8",
    "i16": "int16",
    "i32": "int32",
    "i64": "int64",
    "fp32": "float32",
    "fp64": "float64",
    "string": "large_string",
    "binary": "large_binary",
    "date": "date32",
    "varchar": "large_string",
    "fixed_char": "large_string",
}


def type_to_arrow(t: stt.Type) -> Any:
    """The pyarrow type for a Substrait type (raises UnsupportedError when there is none)."""
    import pyarrow as pa

    from planbridge.errors import UnsupportedError

    k = kind(t)
    if k in _TO_ARROW:
        return getattr(pa, _TO_ARROW[k])()
    if k == "decimal":
        return pa.decimal128(t.decimal.precision, t.decimal.scale)
    if k == "timestamp":
        return pa.timestamp("us")
    if k == "timestamp_tz":
        return pa.timestamp("us", tz="UTC")
    if k in ("precision_timestamp", "precision_timestamp_tz"):
        unit = {0: "s", 3: "ms", 6: "us", 9: "ns"}.get(getattr(t, k).precision)
        if unit is None:
            raise UnsupportedError(f"{type_to_str(t)} has no Arrow equivalent")
        return pa.timestamp(unit, tz="UTC" if k.endswith("_tz") else None)
    if k == "time":
        return pa.time64("us")
    if k == "precision_time":
        p = t.precision_time.precision
        unit = {0: "s", 3: "ms", 6: "us", 9: "ns"}.get(p)
        if unit is None:
            raise UnsupportedError(f"{type_to_str(t)} has no Arrow equivalent")
        return pa.time32(unit) if p <= 3 else pa.time64(unit)
    if k == "fixed_binary":
        return pa.binary(t.fixed_binary.length)
    if k == "interval_year":
        return pa.month_day_nano_interval()
    if k in ("interval_day", "interval_compound"):
        return pa.month_day_nano_interval()
    if k == "list":
        return pa.large_list(type_to_arrow(t.list.type))
    if k == "map":
        return pa.map_(type_to_arrow(t.map.key), type_to_arrow(t.map.value))
    if k == "struct":
        return pa.struct([(f"f{i}", type_to_arrow(x)) for i, x in enumerate(t.struct.types)])
    if unsigned(t):
        return getattr(pa, f"uint{unsigned(t)[1:]}")()  # type: ignore[index]
    raise UnsupportedError(f"{type_to_str(t)} has no Arrow equivalent")


def arrow_to_type(at: Any, nullable: bool = True) -> stt.Type:
    """The Substrait type for a pyarrow type (raises UnsupportedError when there is none)."""
    import pyarrow as pa

    from planbridge.errors import UnsupportedError

    simple = [
        (pa.types.is_boolean, "bool"),
        (pa.types.is_int8, "i8"),
        (pa.types.is_int16, "i16"),
        (pa.types.is_int32, "i32"),
        (pa.types.is_int64, "i64"),
        (pa.types.is_float32, "fp32"),
        (pa.types.is_float64, "fp64"),
        (pa.types.is_string, "string"),
        (pa.types.is_large_string, "string"),
        (pa.types.is_binary, "binary"),
        (pa.types.is_large_binary, "binary"),
        (pa.types.is_date32, "date"),
    ]
    for test, name in simple:
        if test(at):
            return make(name, nullable)
    t = stt.Type()
    null = _NULLABLE if nullable else stt.Type.NULLABILITY_REQUIRED
    if pa.types.is_decimal(at):
        t.decimal.precision, t.decimal.scale, t.decimal.nullability = at.precision, at.scale, null
        return t
    if pa.types.is_timestamp(at):
        k = "precision_timestamp_tz" if at.tz else "precision_timestamp"
        body = getattr(t, k)
        body.precision = {"s": 0, "ms": 3, "us": 6, "ns": 9}[at.unit]
        body.nullability = null
        return t
    if pa.types.is_list(at) or pa.types.is_large_list(at):
        t.list.type.CopyFrom(arrow_to_type(at.value_type))
        t.list.nullability = null
        return t
    if pa.types.is_struct(at):
        for i in range(at.num_fields):
            t.struct.types.add().CopyFrom(arrow_to_type(at.field(i).type, at.field(i).nullable))
        t.struct.nullability = null
        return t
    raise UnsupportedError(f"Arrow type {at} has no Substrait equivalent")
