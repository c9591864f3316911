"""``explain_plan``: the bound relation tree, indented, with output columns, types and calls."""

from __future__ import annotations

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.consumer.bind import bind_plan
from planbridge.plan import Plan


def explain_plan(plan: Plan | ir.BoundPlan) -> str:
    """A readable tree of the plan; functions appear by name, never by anchor."""
    bound = plan if isinstance(plan, ir.BoundPlan) else bind_plan(plan)
    lines = [
        "Root " + _cols(zip(bound.output_names, (c.type for c in bound.root.schema), strict=True))
    ]
    _rel(bound.root, 1, lines)
    return "\n".join(lines)


def _cols(pairs: object) -> str:
    return "[" + ", ".join(f"{n}: {T.type_to_str(t)}" for n, t in pairs) + "]"  # type: ignore[attr-defined]


def _rel(rel: ir.Rel, depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    detail = _detail(rel)
    lines.append(
        f"{pad}{type(rel).__name__}{(' ' + detail) if detail else ''} "
        + _cols((c.name, c.type) for c in rel.schema)
    )
    for child in rel.inputs():
        _rel(child, depth + 1, lines)


def _detail(rel: ir.Rel) -> str:
    parts: list[str] = []
    if isinstance(rel, ir.NamedTableRead):
        parts.append(".".join(rel.names))
    if isinstance(rel, ir.Join):
        parts.append(rel.type)
    if isinstance(rel, ir.SetOp):
        parts.append(rel.op)
    for name in ("condition", "filter", "post_join_filter"):
        e = getattr(rel, name, None)
        if isinstance(e, ir.Expr):
            parts.append(f"{name}={expr_str(e)}")
    if isinstance(rel, ir.Project):
        parts.append("exprs=[" + ", ".join(expr_str(e) for e in rel.expressions) + "]")
    if isinstance(rel, ir.Aggregate):
        parts.append("keys=[" + ", ".join(expr_str(e) for e in rel.grouping_expressions) + "]")
        parts.append("measures=[" + ", ".join(expr_str(m.call) for m in rel.measures) + "]")
    if isinstance(rel, ir.Sort):
        parts.append(
            "by=[" + ", ".join(f"{expr_str(s.expr)} {s.direction}" for s in rel.sorts) + "]"
        )
    if isinstance(rel, ir.Fetch):
        parts.append(
            f"offset={expr_str(rel.offset) if rel.offset else 0} "
            f"count={expr_str(rel.count) if rel.count else 'all'}"
        )
    if rel.emit is not None:
        parts.append(f"emit={list(rel.emit)}")
    return " ".join(parts)


def expr_str(e: ir.Expr) -> str:
    """A compact rendering: ``$0`` fields, ``name(args)`` calls, literals as values."""
    if isinstance(e, ir.FieldRef):
        return f"${e.index}"
    if isinstance(e, ir.OuterRef):
        return f"$outer{e.steps_out}.{e.index}"
    if isinstance(e, ir.Literal):
        return repr(e.value)
    if isinstance(e, ir.Call):
        args = ", ".join(a.value if isinstance(a, ir.EnumArg) else expr_str(a) for a in e.args)
        prefix = "DISTINCT " if getattr(e, "distinct", False) else ""
        return f"{e.name}({prefix}{args})"
    if isinstance(e, ir.Cast):
        return f"cast({expr_str(e.input)} as {T.type_to_str(e.type)})"
    if isinstance(e, ir.StructField):
        return f"{expr_str(e.input)}.{e.index}"
    if isinstance(e, ir.Lambda):  # parameters as $pN (inner lambdas' references step out)
        params = ", ".join(f"$p{i}" for i in range(len(e.params)))
        return f"({params}) -> {expr_str(e.body)}"
    if isinstance(e, ir.LambdaParam):
        return f"$p{e.index}" if not e.steps_out else f"$outer_lambda{e.steps_out}.p{e.index}"
    if isinstance(e, (ir.ScalarSubquery, ir.InSubquery, ir.SetPredicate, ir.SetComparison)):
        return f"{type(e).__name__}(...)"
    return type(e).__name__
