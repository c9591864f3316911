"""Structural validation: bind the plan, then check what binding tolerates.

Binding already checks anchors, URN references, field/emit ranges and root-name arity
(and stops at the first problem); validation adds the checks the binder is lenient about:
function signatures against the standard extensions and undeclared URN references.
"""

from __future__ import annotations

from planbridge.consumer import ir
from planbridge.consumer.bind import bind_plan
from planbridge.consumer.functions import (
    MISSING_URN_REFERENCE,
    FunctionDecl,
    signature_problem,
)
from planbridge.errors import PlanError, PlanValidationError
from planbridge.plan import Plan


def validate_plan(plan: Plan) -> list[PlanError]:
    """Every problem found (empty when valid); each carries the plan path."""
    problems: list[PlanError] = []
    declared = {u.extension_urn_anchor for u in plan.proto.extension_urns}
    for i, decl in enumerate(plan.proto.extensions):
        kind = decl.WhichOneof("mapping_type")
        if kind is None:
            continue
        ref = getattr(decl, kind).extension_urn_reference
        if ref == MISSING_URN_REFERENCE or (ref and ref not in declared):
            problems.append(
                PlanValidationError(
                    f"extension URN reference {ref} is not declared in extension_urns",
                    f"extensions[{i}].{kind}",
                )
            )
    try:
        bound = bind_plan(plan)
    except PlanError as exc:
        problems.append(exc)
        return problems
    for rel in _walk(bound.root):
        for expr in _exprs(rel):
            for call in _calls(expr):
                types = [
                    a.type if isinstance(a, ir.Expr) else a.value
                    for a in call.args
                    if isinstance(a, ir.Expr | ir.EnumArg)
                ]
                why = signature_problem(FunctionDecl(call.name, call.signature, call.urn), types)
                if why:
                    problems.append(PlanValidationError(why, rel.path))
    return problems


def _walk(rel: ir.Rel) -> list[ir.Rel]:
    seen: list[ir.Rel] = []
    stack = [rel]
    while stack:
        r = stack.pop()
        seen.append(r)
        stack.extend(r.inputs())
        for e in _exprs(r):
            stack.extend(_subrels(e))
    return seen


_REL_EXPR_FIELDS = (
    "condition",
    "post_join_filter",
    "filter",
    "best_effort_filter",
    "offset",
    "count",
)


def _exprs(rel: ir.Rel) -> list[ir.Expr]:
    out: list[ir.Expr] = []
    for name in _REL_EXPR_FIELDS:
        value = getattr(rel, name, None)
        if isinstance(value, ir.Expr):
            out.append(value)
    out.extend(getattr(rel, "expressions", ()))
    out.extend(getattr(rel, "grouping_expressions", ()))
    for m in getattr(rel, "measures", ()):
        out.append(m.call)
        if m.filter is not None:
            out.append(m.filter)
    out.extend(getattr(rel, "functions", ()))
    out.extend(s.expr for s in getattr(rel, "sorts", ()))
    for row in getattr(rel, "rows", ()):
        out.extend(row)
    return out


def _children(e: ir.Expr) -> list[ir.Expr]:
    out: list[ir.Expr] = []
    for value in vars(e).values():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, ir.Expr):
                out.append(item)
            elif isinstance(item, tuple):
                out.extend(x for x in item if isinstance(x, ir.Expr))
            elif isinstance(item, ir.SortField):
                out.append(item.expr)
    return out


def _calls(e: ir.Expr) -> list[ir.Call]:
    out, stack = [], [e]
    while stack:
        x = stack.pop()
        if isinstance(x, ir.Call):
            out.append(x)
        stack.extend(_children(x))
    return out


def _subrels(e: ir.Expr) -> list[ir.Rel]:
    out, stack = [], [e]
    while stack:
        x = stack.pop()
        rel = getattr(x, "rel", None)
        if isinstance(rel, ir.Rel):
            out.append(rel)
        stack.extend(_children(x))
    return out
