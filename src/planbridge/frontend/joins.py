"""Joins: inner, left, right, outer, semi, anti and cross; equi, multi-key and non-equi.

Right-side columns whose names collide with the left's are renamed (``{name}_right`` by
default) so every output column keeps a unique name; expressions built from either input
still resolve, because columns are followed by table identity, not by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from substrait.builders import plan as pb_plan

from planbridge.errors import PlanBuildError
from planbridge.frontend import coerce, scope
from planbridge.frontend.expr import Expr, check_exprs
from planbridge.frontend.types import type_str

if TYPE_CHECKING:
    from planbridge.frontend.table import Table


def _condition(left: Table, right: Table, predicates: Any) -> Expr | None:
    items = predicates if isinstance(predicates, list) else [predicates]
    if (
        isinstance(predicates, tuple)
        and len(predicates) == 2
        and not isinstance(predicates[0], Expr | tuple)
    ):
        items = [predicates]
    elif isinstance(predicates, tuple):
        items = list(predicates)
    conds: list[Expr] = []
    for item in items:
        if isinstance(item, str):
            conds.append(left[item] == right[item])
        elif isinstance(item, tuple) and len(item) == 2:
            conds.append(left._expr(item[0]) == right._expr(item[1]))
        elif isinstance(item, Expr):
            conds.append(item)
        else:
            raise PlanBuildError(
                f"join(): cannot use {item!r} as a join predicate; give an expression, a "
                "column name present on both sides, or a (left, right) pair"
            )
    if not conds:
        return None
    cond = conds[0]
    for c in conds[1:]:
        cond = cond & c
    if coerce.kind(cond.type) != "bool":
        raise PlanBuildError(f"join(): predicate {cond.name} is {type_str(cond.type)}, not boolean")
    if cond._agg:
        raise PlanBuildError(f"join(): predicate {cond.name} contains an aggregate")
    return cond


def join(left: Table, right: Table, predicates: Any, how: str, rname: str) -> Table:
    """``left`` joined with ``right`` (see :meth:`Table.join`)."""
    from planbridge.frontend.table import JOIN_TYPES, Table

    if not isinstance(right, Table):
        raise PlanBuildError(f"join(): the right side must be a table, got {type(right).__name__}")
    if how not in (*JOIN_TYPES, "cross"):
        raise PlanBuildError(
            f"join(how={how!r}): expected one of {', '.join([*JOIN_TYPES, 'cross'])}"
        )
    cond = _condition(left, right, predicates)
    if how not in ("semi", "anti"):
        clash = {n: rname.format(name=n) for n in right.schema if n in left.schema}
        if clash:
            right = right.rename(clash)
    n_left = len(left.schema)
    lineage = scope.merged(left._lineage, scope.shifted(right._lineage, n_left))
    free = [*left._free_tables, *right._free_tables]
    if cond is not None:
        free = list(check_exprs([left, right], free, [cond], "join(): predicate"))
    if how == "cross" or cond is None:
        if how not in ("cross", "inner"):
            raise PlanBuildError(f"join(how={how!r}) needs a predicate")

        def build(reg: Any) -> Any:
            return pb_plan.cross(left._unbound, right._unbound)(reg)

        out_lineage = lineage
    else:
        jtype = JOIN_TYPES[how]
        cond_u = cond._unbound

        def build(reg: Any) -> Any:
            return pb_plan.join(left._unbound, right._unbound, cond_u, jtype)(reg)

        out_lineage = left._lineage if how in ("semi", "anti") else lineage
    unbound = left._with_scope(build, lineage)
    return left._derive(unbound, out_lineage, free)
