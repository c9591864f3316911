"""Literal typing and numeric unification for operators.

Substrait has no implicit casts: ``lt`` takes two operands of one type and ``add`` has one
overload per type. Operators therefore type a bare Python value after its peer column
(``l_quantity < 24`` compares against a ``decimal(15,2)`` 24) and insert explicit casts
when two numeric operands differ, so the emitted plan says exactly what is computed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from substrait import type_pb2 as stt
from substrait.builders import type as tb
from substrait.dataframe.expr import infer_literal_type

from planbridge.errors import PlanBuildError
from planbridge.types import EXACT_DECIMAL

INTS = ("i8", "i16", "i32", "i64")
FLOATS = ("fp32", "fp64")
_INT_DIGITS = {"i8": 3, "i16": 5, "i32": 10, "i64": 19}


def kind(t: stt.Type) -> str:
    """The oneof name of a type."""
    return t.WhichOneof("kind") or ""


def nullable(t: stt.Type) -> bool:
    """Whether a type is nullable."""
    k = kind(t)
    return bool(k) and getattr(getattr(t, k), "nullability", 0) == stt.Type.NULLABILITY_NULLABLE


def with_null(t: stt.Type, null: bool) -> stt.Type:
    """A copy of ``t`` with nullability ``null``."""
    out = stt.Type()
    out.CopyFrom(t)
    k = kind(out)
    if k and hasattr(getattr(out, k), "nullability"):
        getattr(out, k).nullability = (
            stt.Type.NULLABILITY_NULLABLE if null else stt.Type.NULLABILITY_REQUIRED
        )
    return out


def is_numeric(t: stt.Type) -> bool:
    """Integer, floating point or decimal."""
    return kind(t) in INTS + FLOATS + ("decimal",)


def _natural_decimal(value: Decimal) -> stt.Type:
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        raise PlanBuildError(f"{value} cannot be a decimal literal")
    scale = max(-exponent, 0)
    precision = max(len(digits) + max(exponent, 0), scale, 1)
    return tb.decimal(scale, precision, nullable=False)


def _fits(value: Decimal, peer: stt.Type) -> bool:
    scale, precision = peer.decimal.scale, peer.decimal.precision
    q = value.scaleb(scale, context=EXACT_DECIMAL)
    return q == q.to_integral_value() and abs(q) < Decimal(10) ** precision


def literal_type(value: Any, peer: stt.Type | None, compare: bool) -> stt.Type:
    """The type a bare Python ``value`` takes next to an operand of type ``peer``."""
    if value is None:
        if peer is None:
            raise PlanBuildError("a bare None needs a type: use pb.null(type)")
        return with_null(peer, True)
    pk = kind(peer) if peer is not None else ""
    if isinstance(value, bool) or peer is None:
        return _default_type(value)
    if isinstance(value, int | float | Decimal):
        if pk in INTS and isinstance(value, int):
            return getattr(tb, pk)(nullable=False)
        if pk in FLOATS:
            return getattr(tb, pk)(nullable=False)
        if pk == "decimal":
            dec = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            if compare and _fits(dec, peer):
                return with_null(peer, False)
            return _natural_decimal(dec)
    if isinstance(value, str) and pk in ("date", "precision_timestamp", "precision_timestamp_tz"):
        return with_null(peer, False)
    return _default_type(value)


def literal_value(value: Any, t: stt.Type) -> Any:
    """``value`` converted to what substrait-python's literal builder wants for ``t``."""
    k = kind(t)
    if value is None:
        return None
    if k == "decimal" and isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str) and k == "date":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise PlanBuildError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None
    if isinstance(value, str) and k in ("precision_timestamp", "precision_timestamp_tz"):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            raise PlanBuildError(f"{value!r} is not an ISO timestamp") from None
    if k == "interval_day" and isinstance(value, int | float):
        return dt.timedelta(seconds=value)
    return value


def _default_type(value: Any) -> stt.Type:
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise PlanBuildError(f"integer literal {value} does not fit in i64")
    if isinstance(value, dt.timedelta):
        return tb.interval_day(6, nullable=False)
    try:
        return with_null(infer_literal_type(value), False)
    except (TypeError, ValueError) as exc:
        raise PlanBuildError(str(exc)) from None


def common_numeric(a: stt.Type, b: stt.Type, compare: bool) -> tuple[stt.Type, stt.Type]:
    """Target types for two numeric operands (unchanged when the extensions accept them)."""
    ka, kb = kind(a), kind(b)
    if ka == kb and (ka != "decimal" or not compare or _same_decimal(a, b)):
        return a, b
    if ka == "decimal" and kb == "decimal":
        scale = max(a.decimal.scale, b.decimal.scale)
        whole = max(a.decimal.precision - a.decimal.scale, b.decimal.precision - b.decimal.scale)
        target = tb.decimal(scale, min(38, whole + scale))
        return with_null(target, nullable(a)), with_null(target, nullable(b))
    if ka in FLOATS or kb in FLOATS:
        wide = "fp64" if "fp64" in (ka, kb) or "decimal" in (ka, kb) else "fp32"
        target = getattr(tb, wide)()
        return with_null(target, nullable(a)), with_null(target, nullable(b))
    if ka == "decimal" or kb == "decimal":
        dec, other = (a, b) if ka == "decimal" else (b, a)
        as_dec = tb.decimal(0, _INT_DIGITS[kind(other)])
        if compare:
            scale = dec.decimal.scale
            whole = max(dec.decimal.precision - scale, _INT_DIGITS[kind(other)])
            target = tb.decimal(scale, min(38, whole + scale))
            return with_null(target, nullable(a)), with_null(target, nullable(b))
        if ka == "decimal":
            return a, with_null(as_dec, nullable(b))
        return with_null(as_dec, nullable(a)), b
    wide = max(ka, kb, key=INTS.index)
    target = getattr(tb, wide)()
    return with_null(target, nullable(a)), with_null(target, nullable(b))


def _same_decimal(a: stt.Type, b: stt.Type) -> bool:
    return a.decimal.precision == b.decimal.precision and a.decimal.scale == b.decimal.scale


def same_type(a: stt.Type, b: stt.Type) -> bool:
    """Equal ignoring nullability."""
    return with_null(a, True) == with_null(b, True)
