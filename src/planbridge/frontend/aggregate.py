"""``group_by(...).aggregate(...)``: an AggregateRel, plus a project for metrics that
combine aggregates (``x.sum() / y.count()``), since a Substrait measure is a single call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from substrait.builders import extended_expression as eb
from substrait.builders import plan as pb_plan

from planbridge.errors import PlanBuildError
from planbridge.frontend.expr import Expr, column, unique_names

if TYPE_CHECKING:
    from planbridge.frontend.table import Table


def is_measure(e: Expr) -> bool:
    """A single aggregate function call (a Substrait measure)."""
    return e._agg and e._fn is not None and e._make is not None and not any(a._agg for a in e._args)


def _collect(e: Expr, out: list[Expr]) -> None:
    if is_measure(e):
        if all(m is not e for m in out):
            out.append(e)
        return
    for a in e._args:
        if a._agg:
            _collect(a, out)


def aggregate(table: Table, keys: list[tuple[str, Expr]], metrics: list[tuple[str, Expr]]) -> Table:
    """Group ``table`` by ``keys`` and compute ``metrics``."""
    if not keys and not metrics:
        raise PlanBuildError("aggregate() needs at least one key or metric")
    for n, k in keys:
        if k._agg:
            raise PlanBuildError(f"group_by(): key {n} = {k.name} is an aggregate")
    for n, m in metrics:
        if not m._agg:
            raise PlanBuildError(
                f"aggregate(): metric {n} = {m.name} is not an aggregate (use sum, mean, "
                "count, ...); group by it instead if it is a key"
            )
    unique_names([n for n, _ in keys] + [n for n, _ in metrics], "aggregate()")
    direct = all(is_measure(_unaliased(m)) for _, m in metrics)
    if direct:
        measures = [(n, _unaliased(m)) for n, m in metrics]
    else:
        found: list[Expr] = []
        for _, m in metrics:
            _collect(m, found)
        measures = [(f"_m{i}", m) for i, m in enumerate(found)]
    free = table._check([e for _, e in keys] + [m for _, m in measures], "aggregate():")
    key_us = [eb.alias(k._unbound, n) for n, k in keys]
    measure_us = [eb.alias(m._unbound, n) for n, m in measures]
    unbound = table._with_scope(
        lambda reg: pb_plan.aggregate(table._unbound, key_us, measure_us)(reg)
    )
    agg = table._derive(unbound, table._lineage_through([k for _, k in keys]), free)
    if direct:
        return agg
    nk = len(keys)
    by_id = {id(m): column(agg, nk + i) for i, (_, m) in enumerate(measures)}
    key_cols = {(k._col if k._col else id(k)): column(agg, i) for i, (_, k) in enumerate(keys)}

    def replace(e: Expr) -> Expr:
        if id(e) in by_id:
            return by_id[id(e)]
        if not e._agg:
            hit = key_cols.get(e._col) if e._col else key_cols.get(id(e))
            if hit is not None:
                return hit
            if e._tables:
                raise PlanBuildError(
                    f"aggregate(): {e.name} is neither aggregated nor a grouping key"
                )
            return e
        return e.rebuild([replace(a) for a in e._args])

    outputs: list[tuple[str, Any]] = [(n, column(agg, i)) for i, (n, _) in enumerate(keys)]
    outputs += [(n, replace(m)) for n, m in metrics]
    return agg.select(**dict(outputs))


def _unaliased(e: Expr) -> Expr:
    while _is_alias(e):
        e = e._args[0]
    return e


def _is_alias(e: Expr) -> bool:
    return getattr(e._make, "__name__", "") == "_alias_make"
