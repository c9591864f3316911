"""Literal decoding: one handler per ``Expression.Literal`` kind -> (Python value, type)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from typing import Any

from substrait import algebra_pb2 as stalg
from substrait import type_pb2 as stt

from planbridge import types as T
from planbridge.compat import check_current
from planbridge.consumer import ir
from planbridge.errors import PlanValidationError, UnsupportedError

_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DATE = dt.date(1970, 1, 1)


def _simple(
    name: str, conv: Callable[[Any], Any] | None = None
) -> Callable[..., tuple[Any, stt.Type]]:
    """A literal of a parameterless type; ``conv`` turns the protobuf value into the
    canonical Python one (none needed for numbers, strings, bytes)."""
    if conv is None:

        def plain(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
            return getattr(lit, k), T.make(name, lit.nullable)

        return plain

    def handler(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
        return conv(getattr(lit, k)), T.make(name, lit.nullable)

    return handler


def _typed(lit: stalg.Expression.Literal, name: str, **params: int) -> stt.Type:
    t = stt.Type()
    body = getattr(t, name)
    for key, value in params.items():
        setattr(body, key, value)
    body.nullability = (
        stt.Type.NULLABILITY_NULLABLE if lit.nullable else stt.Type.NULLABILITY_REQUIRED
    )
    return t


def _ts(micros: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=micros)


def _decimal(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
    d = lit.decimal
    if len(d.value) != 16:
        raise PlanValidationError(f"decimal literal has {len(d.value)} bytes, expected 16")
    unscaled = int.from_bytes(d.value, "little", signed=True)
    # exact: the default context (28 digits) would round a 38-digit value
    value = decimal.Decimal(unscaled).scaleb(-d.scale, context=T.EXACT_DECIMAL)
    return value, _typed(lit, "decimal", precision=d.precision, scale=d.scale)


def _precision_ts(tz: bool) -> Callable[..., tuple[Any, stt.Type]]:
    def handler(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
        body = getattr(lit, k)
        micros = (
            body.value * 10**6 // 10**body.precision
            if body.precision <= 6
            else body.value // 10 ** (body.precision - 6)
        )
        value = _ts(micros)
        if tz:
            value = value.replace(tzinfo=dt.UTC)
        return value, _typed(lit, k, precision=body.precision)

    return handler


def _precision_time(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
    """A time of day in 10^-precision s units since midnight (microseconds kept)."""
    body = lit.precision_time
    if not 0 <= body.precision <= 12:
        raise PlanValidationError(f"precision_time precision {body.precision} is not 0 .. 12")
    micros = body.value * 10**6 // 10**body.precision
    if not 0 <= micros < 86_400 * 10**6:
        raise PlanValidationError(f"precision_time {body.value} is not within one day")
    return (_EPOCH + dt.timedelta(microseconds=micros)).time(), _typed(
        lit, k, precision=body.precision
    )


def _interval_year(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
    v = lit.interval_year_to_month
    return ir.IntervalYearMonth(v.years, v.months), T.make("interval_year", lit.nullable)


def _day_second(v: Any) -> ir.IntervalDaySecond:
    check_current(v)
    if v.precision or v.subseconds:
        return ir.IntervalDaySecond(v.days, v.seconds, v.subseconds, v.precision)
    return ir.IntervalDaySecond(v.days, v.seconds, 0, 6)


def _interval_day(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
    value = _day_second(lit.interval_day_to_second)
    return value, _typed(lit, "interval_day", precision=value.precision)


def _interval_compound(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
    v = lit.interval_compound
    ym = ir.IntervalYearMonth(v.interval_year_to_month.years, v.interval_year_to_month.months)
    ds = _day_second(v.interval_day_to_second)
    return ir.IntervalCompound(ym, ds), _typed(lit, "interval_compound", precision=ds.precision)


def _fixed(name: str) -> Callable[..., tuple[Any, stt.Type]]:
    def handler(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
        value = getattr(lit, k)
        return value, _typed(lit, name, length=len(value))

    return handler


def _varchar(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
    return lit.var_char.value, _typed(lit, "varchar", length=lit.var_char.length)


def _null(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
    if not T.kind(lit.null):
        return None, T.unknown()  # DuckDB writes untyped NULLs: SQL's NULL takes its context's
    return None, T.with_nullability(lit.null, True)


def _struct(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
    pairs = [literal_value(x) for x in lit.struct.fields]
    t = _typed(lit, "struct")
    for _, ft in pairs:
        t.struct.types.add().CopyFrom(ft)
    return tuple(v for v, _ in pairs), t


def _list(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
    pairs = [literal_value(x) for x in lit.list.values]
    if not pairs:
        raise PlanValidationError("list literal is empty; use empty_list with a type")
    t = _typed(lit, "list")
    t.list.type.CopyFrom(pairs[0][1])
    return [v for v, _ in pairs], t


def _empty(name: str) -> Callable[..., tuple[Any, stt.Type]]:
    def handler(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
        t = stt.Type()
        getattr(t, name).CopyFrom(getattr(lit, k))
        return ([] if name in ("list", "map") else None), t

    return handler


def _map(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
    entries = [(literal_value(kv.key), literal_value(kv.value)) for kv in lit.map.key_values]
    if not entries:
        raise PlanValidationError("map literal is empty; use empty_map with a type")
    t = _typed(lit, "map")
    t.map.key.CopyFrom(entries[0][0][1])
    t.map.value.CopyFrom(entries[0][1][1])
    return [(a[0], b[0]) for a, b in entries], t


def _user_defined(lit: stalg.Expression.Literal, k: str) -> tuple[Any, stt.Type]:
    """An unsigned integer of the ``unsigned_integers`` extension: its structure
    representation is one decimal string; other user-defined literals are unsupported."""
    u = lit.user_defined
    name = T.unsigned(stt.Type(user_defined=stt.Type.UserDefined(type_reference=u.type_reference)))
    if name is None:
        raise UnsupportedError(
            f"user-defined literal of type anchor {u.type_reference} is not supported (only "
            f"the types of {T.UNSIGNED_URN})"
        )
    if u.WhichOneof("val") != "struct" or len(u.struct.fields) != 1:
        raise PlanValidationError(f"a {name} literal must be a struct of one decimal string")
    text = u.struct.fields[0].string
    if not text.isdigit() or not 0 <= int(text) < 2 ** int(name[1:]):
        raise PlanValidationError(f"{text!r} is not a {name} value (0 .. 2^{name[1:]} - 1)")
    return int(text), T.unsigned_type(name, lit.nullable)


_HANDLERS: dict[str, Callable[..., tuple[Any, stt.Type]]] = {
    "boolean": _simple("bool"),
    "i8": _simple("i8"),
    "i16": _simple("i16"),
    "i32": _simple("i32"),
    "i64": _simple("i64"),
    "fp32": _simple("fp32"),
    "fp64": _simple("fp64"),
    "string": _simple("string"),
    "binary": _simple("binary"),
    "timestamp": _simple("timestamp", _ts),
    "timestamp_tz": _simple("timestamp_tz", lambda v: _ts(v).replace(tzinfo=dt.UTC)),
    "date": _simple("date", lambda v: _EPOCH_DATE + dt.timedelta(days=v)),
    "time": _simple("time", lambda v: (_EPOCH + dt.timedelta(microseconds=v)).time()),
    "uuid": _simple("uuid", lambda v: uuid.UUID(bytes=v)),
    "interval_year_to_month": _interval_year,
    "interval_day_to_second": _interval_day,
    "interval_compound": _interval_compound,
    "fixed_char": _fixed("fixed_char"),
    "var_char": _varchar,
    "fixed_binary": _fixed("fixed_binary"),
    "decimal": _decimal,
    "precision_timestamp": _precision_ts(False),
    "precision_timestamp_tz": _precision_ts(True),
    "struct": _struct,
    "list": _list,
    "map": _map,
    "empty_list": _empty("list"),
    "empty_map": _empty("map"),
    "null": _null,
    "user_defined": _user_defined,
    "precision_time": _precision_time,
}


def literal_value(lit: stalg.Expression.Literal) -> tuple[Any, stt.Type]:
    """Decode a literal into its canonical Python value and its Substrait type."""
    k = lit.WhichOneof("literal_type")
    if k is None:
        raise PlanValidationError("literal has no value")
    handler = _HANDLERS.get(k)
    if handler is None:
        raise UnsupportedError(f"literal kind {k} is not supported")
    try:
        return handler(lit, k)
    except (ValueError, OverflowError, decimal.InvalidOperation) as exc:
        raise PlanValidationError(f"bad {k} literal: {exc}") from None


def bind_literal(lit: stalg.Expression.Literal) -> ir.Literal:
    """A bound literal (what :func:`literal_value` gives, as an IR node)."""
    value, t = literal_value(lit)
    return ir.Literal(t, value)
