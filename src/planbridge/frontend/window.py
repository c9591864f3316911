"""Window functions: ``expr.over(group_by=..., order_by=..., rows=... | range=...)``.

Emitted as ``Expression.WindowFunction`` inside a project; the function is resolved through
the registry with substrait-python's ``window_function`` builder, then given its sort keys
and frame bounds.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from substrait import algebra_pb2 as stalg
from substrait import type_pb2 as stt
from substrait.builders import extended_expression as eb
from substrait.extension_registry import build_scoped
from substrait.extension_registry.function_entry import FunctionType
from substrait.utils import top_level_names

from planbridge.errors import PlanBuildError
from planbridge.frontend.expr import Expr, Unbound, as_expr, literal
from planbridge.frontend.functions import call_unbound
from planbridge.frontend.sorting import SortKey, sort_keys
from planbridge.frontend.types import named_struct
from planbridge.registry import registry

WF = stalg.Expression.WindowFunction
Bound = WF.Bound


def row_number() -> Expr:
    """1, 2, 3... within each window partition, in window order."""
    return _nullary("row_number")


def rank() -> Expr:
    """Rank with gaps for ties."""
    return _nullary("rank")


def dense_rank() -> Expr:
    """Rank without gaps."""
    return _nullary("dense_rank")


def percent_rank() -> Expr:
    """(rank - 1) / (rows - 1)."""
    return _nullary("percent_rank")


def cume_dist() -> Expr:
    """Cumulative distribution."""
    return _nullary("cume_dist")


def ntile(n: int) -> Expr:
    """Bucket number 1..n."""
    from planbridge.frontend.expr import literal, window_call

    return window_call("ntile", literal(n, "int32"))


def _nullary(fn: str) -> Expr:
    from planbridge.frontend.expr import window_call

    return window_call(fn)


def _bound(value: Any) -> Bound:
    """A frame bound: None = unbounded, 0 = current row, -n preceding, +n following; a
    ``datetime.timedelta`` (negative: preceding) is an interval offset for ``range=``."""
    if value is None:
        return Bound(unbounded=Bound.Unbounded())
    if isinstance(value, int | datetime.timedelta) and not value:
        return Bound(current_row=Bound.CurrentRow())
    if isinstance(value, datetime.timedelta):
        offset = literal(abs(value))._unbound(named_struct({}), registry())
        side = Bound.Preceding if value < datetime.timedelta(0) else Bound.Following
        bound = side(offset_expr=offset.referred_expr[0].expression)
        return Bound(**{"preceding" if side is Bound.Preceding else "following": bound})
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            return Bound(preceding=Bound.Preceding(offset=-value))
        return Bound(following=Bound.Following(offset=value))
    raise PlanBuildError(
        f"window frame bound {value!r}: give None (unbounded), 0 (current row), an int "
        "offset, or a datetime.timedelta (range= over a date or timestamp)"
    )


def over(
    e: Expr,
    group_by: Any = None,
    order_by: Any = None,
    rows: tuple[Any, Any] | None = None,
    range: tuple[Any, Any] | None = None,
) -> Expr:
    """``e`` (an aggregate or window function) evaluated over a window."""
    if e._fn is None:
        raise PlanBuildError(f".over() needs an aggregate or window function, got {e.name}")
    if rows is not None and range is not None:
        raise PlanBuildError(".over(): give rows= or range=, not both")
    fn, args, invocation = e._fn
    parts = [_key_expr(e, g) for g in _as_list(group_by)]
    keys: list[SortKey] = sort_keys(_as_list(order_by))
    # a key named by a string of a function reading no table: resolved by name in the input
    by_name = any(isinstance(x, str) for x in [*parts, *(k.expr for k in keys)])
    parts = [_named(x) if isinstance(x, str) else x for x in parts]
    for k in keys:
        k.expr = _key_expr(e, k.expr)
        k.expr = _named(k.expr) if isinstance(k.expr, str) else k.expr
    frame = rows if rows is not None else range
    bounds_type = WF.BOUNDS_TYPE_ROWS if rows is not None else WF.BOUNDS_TYPE_RANGE
    if frame is None:
        # Substrait's defaults are the whole partition; with an order the SQL (and Ibis)
        # default is the running frame, so say which one is meant.
        frame = (None, 0) if keys else (None, None)
    lower, upper = _bound(frame[0]), _bound(frame[1])
    n_args, n_parts = len(args), len(parts)
    wfn = fn

    def make(us: Sequence[Unbound]) -> Unbound:
        arg_us, part_us, key_us = us[:n_args], us[n_args : n_args + n_parts], us[n_args + n_parts :]

        def resolve(base_schema: Any, reg: Any) -> Any:
            bound_args = [eb.resolve_expression(a, base_schema, reg) for a in arg_us]
            plain = call_unbound(wfn, bound_args, kind=FunctionType.WINDOW)(base_schema, reg)
            wf = plain.referred_expr[0].expression.window_function
            for p in part_us:
                wf.partitions.append(
                    eb.resolve_expression(p, base_schema, reg).referred_expr[0].expression
                )
            for k, ku in zip(keys, key_us, strict=True):
                wf.sorts.append(
                    stalg.SortField(
                        expr=eb.resolve_expression(ku, base_schema, reg)
                        .referred_expr[0]
                        .expression,
                        direction=k.direction,
                    )
                )
            wf.phase = stalg.AGGREGATION_PHASE_INITIAL_TO_RESULT
            wf.invocation = invocation or stalg.AggregateFunction.AGGREGATION_INVOCATION_ALL
            wf.lower_bound.CopyFrom(lower)
            wf.upper_bound.CopyFrom(upper)
            wf.bounds_type = bounds_type
            plain.referred_expr[0].output_names[0] = f"{wfn}_over"
            return plain

        return build_scoped(resolve)

    nodes = [*args, *parts, *(k.expr for k in keys)]
    if by_name:  # the type cannot be checked before the input is known; a window's is e's
        unbound = make([a._unbound for a in nodes])
        return Expr(unbound, e.type, f"{wfn}_over", e._tables, args=nodes, make=make)
    return Expr.node(make, nodes, f"{wfn}_over")


def _key_expr(e: Expr, item: Any) -> Expr | str:
    """A partition or order key: an expression, or a column name: of the table ``e`` reads,
    or (``e`` reads none, as ``row_number()``) kept as a name for the input to resolve."""
    if not isinstance(item, str):
        return as_expr(item)
    if not e._tables:
        return item
    if len(e._tables) != 1:
        raise PlanBuildError(
            f".over(): cannot tell which table column {item!r} belongs to; pass t.{item}"
        )
    return e._tables[0][item]


def _named(name: str) -> Expr:
    """The input column called ``name``, looked up when the window is resolved."""

    def resolve(base_schema: Any, reg: Any) -> Any:
        names = top_level_names(base_schema)
        if names.count(name) != 1:
            raise PlanBuildError(
                f".over(): column {name!r} is {'ambiguous' if name in names else 'not'} in the "
                f"input (columns: {', '.join(names)})"
            )
        return eb.column(names.index(name), alias=name)(base_schema, reg)

    return Expr(build_scoped(resolve), stt.Type(), name)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]
