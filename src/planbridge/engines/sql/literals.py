"""Substrait literals as typed SQL literals.

Values always go through sqlglot literal nodes (which escape them), never through string
formatting into SQL. Literals whose SQL spelling is ambiguous carry an explicit cast.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import TYPE_CHECKING

import sqlglot.expressions as exp

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.errors import UnsupportedError

if TYPE_CHECKING:
    from planbridge.engines.sql.expressions import ExpressionTranslator


def interval_text(v: ir.IntervalYearMonth | ir.IntervalDaySecond | ir.IntervalCompound) -> str:
    """A canonical interval string such as ``'14 months 3 days 5 seconds 20 microseconds'``."""
    months = days = micros = 0
    if isinstance(v, ir.IntervalCompound):
        months = v.year_month.years * 12 + v.year_month.months
        ds = v.day_second
    elif isinstance(v, ir.IntervalYearMonth):
        months, ds = v.years * 12 + v.months, None
    else:
        ds = v
    if ds is not None:
        days = ds.days
        scale = 10 ** max(0, 6 - ds.precision)
        micros = ds.seconds * 1_000_000 + (
            ds.subseconds * scale
            if ds.precision <= 6
            else ds.subseconds // 10 ** (ds.precision - 6)
        )
    parts = []
    if months:
        parts.append(f"{months} months")
    if days:
        parts.append(f"{days} days")
    if micros or not parts:
        parts.append(f"{micros} microseconds")
    return " ".join(parts)


def literal(tr: ExpressionTranslator, e: ir.Literal) -> exp.Expression:
    """The SQL for a bound literal, typed as the plan declares."""
    v, t = e.value, e.type
    k = T.kind(t)
    if v is None:
        if k in ("", "unknown"):
            return exp.null()
        return exp.Cast(this=exp.null(), to=tr.data_type(t))
    if isinstance(v, bool):
        return exp.true() if v else exp.false()
    if isinstance(v, int):
        # what ``Literal.number`` builds, without its sign check (done here)
        lit: exp.Expression = exp.Literal(this=str(abs(v)), is_string=False)
        if v < 0:
            lit = exp.Neg(this=lit)
        return lit if k in ("i32", "") else exp.Cast(this=lit, to=tr.data_type(t))
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            text = "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")
            return exp.Cast(this=exp.Literal.string(text), to=tr.data_type(t))
        lit = exp.Literal.number(repr(abs(v)))
        body = exp.Neg(this=lit) if v < 0 or (v == 0 and str(v).startswith("-")) else lit
        return body if not k else exp.Cast(this=body, to=tr.data_type(t))
    if isinstance(v, decimal.Decimal):
        return exp.Cast(this=exp.Literal.string(str(v)), to=tr.data_type(t))
    if isinstance(v, str):
        s = exp.Literal.string(v)
        return (
            s
            if k in ("string", "varchar", "fixed_char", "unknown", "")
            else exp.Cast(this=s, to=tr.data_type(t))
        )
    if isinstance(v, bytes):
        return tr.binary_literal(v)
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            text = v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ") + "+00:00"
        else:
            text = v.isoformat(sep=" ")
        return exp.Cast(this=exp.Literal.string(text), to=tr.data_type(t))
    if isinstance(v, dt.date | dt.time):
        return exp.Cast(this=exp.Literal.string(v.isoformat()), to=tr.data_type(t))
    if isinstance(v, ir.IntervalYearMonth | ir.IntervalDaySecond | ir.IntervalCompound):
        return tr.interval_literal(interval_text(v))
    if isinstance(v, uuid.UUID):
        return exp.Cast(this=exp.Literal.string(str(v)), to=tr.data_type(t))
    if k == "list":
        item = t.list.type
        return tr.make_list([literal(tr, ir.Literal(item, x)) for x in v], t)
    if k == "struct":
        return tr.make_struct(
            [literal(tr, ir.Literal(ft, x)) for ft, x in zip(t.struct.types, v, strict=True)]
        )
    if k == "map":
        entries = [
            (literal(tr, ir.Literal(t.map.key, kk)), literal(tr, ir.Literal(t.map.value, vv)))
            for kk, vv in v
        ]
        return tr.make_map(entries, t)
    raise UnsupportedError(f"literal of type {T.type_to_str(t)} is not supported")
