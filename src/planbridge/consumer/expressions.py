"""Expression binding: one handler per ``Expression`` kind, dispatched by the oneof name.

The hot loops run over slices of repeated fields (``fn.arguments[:]``, a list): upb's
containers have no iterator of their own, so a plain ``for`` indexes them until one
raises IndexError, and building that error's message costs more than the slice.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from substrait import algebra_pb2 as stalg
from substrait import type_pb2 as stt

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.consumer.encodings import EncodingTable
from planbridge.consumer.functions import FunctionDecl, derive_output_type
from planbridge.consumer.literals import bind_literal, literal_value
from planbridge.consumer.messages import encoding, which
from planbridge.errors import PlanError, PlanValidationError, UnsupportedError

Schema = tuple[ir.Column, ...]


@dataclass
class Context:
    """State shared while binding one plan."""

    functions: dict[int, FunctionDecl]
    bind_rel: Callable[[Any, str, Context], ir.Rel]
    subtrees: list[Any] = field(default_factory=list)  # plan-level Rel protos (ReferenceRel)
    shared: dict[int, ir.Rel] = field(default_factory=dict)
    outer: list[Schema] = field(default_factory=list)  # enclosing input records, innermost last
    lambdas: list[tuple[stt.Type, ...]] = field(default_factory=list)  # parameters, innermost last
    # DuckDB's producer writes projects whose output is only the expressions (no emit).
    project_emits_expressions_only: bool = False
    # Whether a multi-set aggregate outputs the grouping-set index column (the spec's rule).
    grouping_set_column: bool = True

    def function(self, anchor: int, path: str) -> FunctionDecl:
        decl = self.functions.get(anchor)
        if decl is None:
            raise PlanValidationError(
                f"function reference {anchor} is not declared in the plan's extensions", path
            )
        return decl


def bind_expr(e: stalg.Expression, schema: Schema, path: str, ctx: Context) -> ir.Expr:
    """Bind ``e`` against the input record ``schema``; errors carry ``path``."""
    k = which(e, "rex_type")
    if k == "selection":
        return _column(e, schema, path, ctx)
    if k is None:
        raise PlanValidationError("expression is empty", path)
    handler = _HANDLERS.get(k)
    if handler is None:
        raise UnsupportedError(f"expression kind {k} is not supported", path)
    return handler(getattr(e, k), schema, f"{path}.{k}", ctx)


# The most common expression is a plain column of the input record (a direct field
# reference: no nested segment, no outer or expression root). Its encoding is a few bytes
# that say just the column index, so the encodings seen are remembered (encoding -> index):
# one encoding and one lookup then replace walking four nested messages. The table holds
# nothing of any plan but those small encodings.
_COLUMNS = EncodingTable(max_entries=4096, max_key=64)


def _column(e: stalg.Expression, schema: Schema, path: str, ctx: Context) -> ir.Expr:
    """Bind a field-reference expression ``e``, a plain column by its encoding if known."""
    key = encoding(e)
    idx = _COLUMNS.get(key)
    if idx is not None and idx < len(schema):
        return ir.FieldRef(schema[idx].type, idx)
    out = _selection(e.selection, schema, f"{path}.selection", ctx)
    if type(out) is ir.FieldRef:  # only a plain column reference binds to a FieldRef
        _COLUMNS.remember(key, out.index)
    return out


# -- field references ------------------------------------------------------------------
def _segment(
    seg: stalg.Expression.ReferenceSegment, base: ir.Expr, path: str, ctx: Context, schema: Schema
) -> ir.Expr:
    k = seg.WhichOneof("reference_type")
    kind = T.kind(base.type)
    if k == "struct_field":
        if kind != "struct":
            raise PlanValidationError(
                f"struct field reference into a {T.type_to_str(base.type)}", path
            )
        idx = seg.struct_field.field
        types = base.type.struct.types
        if not 0 <= idx < len(types):
            raise PlanValidationError(
                f"field {idx} out of range: the struct has {len(types)} fields", path
            )
        out: ir.Expr = ir.StructField(_nullable_if(types[idx], base.type), base, idx)
        child = seg.struct_field
    elif k == "list_element":
        if kind != "list":
            raise PlanValidationError(
                f"list element reference into a {T.type_to_str(base.type)}", path
            )
        out = ir.ListElement(
            T.with_nullability(base.type.list.type, True), base, seg.list_element.offset
        )
        child = seg.list_element
    elif k == "map_key":
        if kind != "map":
            raise PlanValidationError(f"map key reference into a {T.type_to_str(base.type)}", path)
        key = ir.Literal(*reversed(_lit(seg.map_key.map_key)))
        out = ir.MapKey(T.with_nullability(base.type.map.value, True), base, key)
        child = seg.map_key
    else:
        raise PlanValidationError("reference segment is empty", path)
    if child.HasField("child"):
        return _segment(child.child, out, f"{path}.{k}.child", ctx, schema)
    return out


def _lit(lit: stalg.Expression.Literal) -> tuple[Any, stt.Type]:
    b = bind_literal(lit)
    return b.value, b.type


def _nullable_if(t: stt.Type, parent: stt.Type) -> stt.Type:
    return T.with_nullability(t, True) if T.is_nullable(parent) else t


def _selection(
    ref: stalg.Expression.FieldReference, schema: Schema, path: str, ctx: Context
) -> ir.Expr:
    if ref.WhichOneof("reference_type") != "direct_reference":
        raise UnsupportedError(
            "only direct field references are supported (masked reference)", path
        )
    seg = ref.direct_reference
    if seg.WhichOneof("reference_type") != "struct_field":
        raise PlanValidationError("a field reference must start with a struct field", path)
    first = seg.struct_field
    idx = first.field
    root = ref.WhichOneof("root_type")
    if root is None or root == "root_reference":  # a column of the input record (common)
        if not 0 <= idx < len(schema):
            raise PlanValidationError(
                f"field {idx} out of range: the input record has {len(schema)} columns",
                f"{path}.direct_reference.struct_field",
            )
        base: ir.Expr = ir.FieldRef(schema[idx].type, idx)
    elif root == "expression":
        base = bind_expr(ref.expression, schema, f"{path}.expression", ctx)
        return _segment(seg, base, f"{path}.direct_reference", ctx, schema)
    elif root == "outer_reference":
        base = _outer(ref, idx, path, ctx)
    else:
        base = _lambda_param(ref, idx, path, ctx)
    if first.HasField("child"):
        child = f"{path}.direct_reference.struct_field.child"
        return _segment(first.child, base, child, ctx, schema)
    return base


def _outer(ref: stalg.Expression.FieldReference, idx: int, path: str, ctx: Context) -> ir.Expr:
    steps = ref.outer_reference.steps_out
    if steps < 1 or steps > len(ctx.outer):
        raise PlanValidationError(
            f"outer reference steps_out={steps} but only {len(ctx.outer)} enclosing queries",
            f"{path}.outer_reference",
        )
    outer = ctx.outer[-steps]
    if not 0 <= idx < len(outer):
        raise PlanValidationError(
            f"outer field {idx} out of range: that record has {len(outer)} columns",
            f"{path}.direct_reference.struct_field",
        )
    return ir.OuterRef(outer[idx].type, steps, idx)


def _lambda_param(
    ref: stalg.Expression.FieldReference, idx: int, path: str, ctx: Context
) -> ir.Expr:
    steps = ref.lambda_parameter_reference.steps_out
    if steps >= len(ctx.lambdas):
        raise PlanValidationError(
            f"lambda parameter reference steps_out={steps} but only {len(ctx.lambdas)} "
            "enclosing lambdas",
            f"{path}.lambda_parameter_reference",
        )
    params = ctx.lambdas[-1 - steps]
    if not 0 <= idx < len(params):
        raise PlanValidationError(
            f"lambda parameter {idx} out of range: the lambda has {len(params)} parameters",
            f"{path}.direct_reference.struct_field",
        )
    return ir.LambdaParam(params[idx], steps, idx)


# -- functions -------------------------------------------------------------------------
def bind_args(args: Any, schema: Schema, path: str, ctx: Context) -> tuple[ir.FunctionArg, ...]:
    """A call's arguments; value arguments are dispatched here directly (the hot path of
    binding: most expressions are arguments), not through :func:`bind_expr`.

    An argument is asked for its value first: an enum, type or empty argument has none
    (its value is the empty expression), which saves asking every argument for its kind.
    A value's path is formatted only when its handler is called (never for a column)."""
    out: list[ir.FunctionArg] = []
    for i, a in enumerate(args[:]):  # a slice: see the module docstring
        v = a.value
        ek = which(v, "rex_type")
        if ek == "selection":  # a column (see _column), inline
            idx = _COLUMNS.get(encoding(v))
            if idx is not None and idx < len(schema):
                out.append(ir.FieldRef(schema[idx].type, idx))
            else:
                out.append(_column(v, schema, f"{path}.arguments[{i}].value", ctx))
            continue
        if ek == "literal":  # a constant seen before (see _literal), inline
            lit = v.literal
            known = _LITERALS.get(encoding(lit))
            if known is not None:
                out.append(ir.Literal(*known))
            else:
                out.append(_literal(lit, schema, f"{path}.arguments[{i}].value.literal", ctx))
            continue
        if ek == "scalar_function":  # a nested call (see _scalar), inline
            p = f"{path}.arguments[{i}].value.scalar_function"
            out.append(ir.Call(*call_parts(v.scalar_function, schema, p, ctx)))
            continue
        handler = _HANDLERS.get(ek)  # type: ignore[arg-type]
        if handler is not None:
            out.append(handler(getattr(v, ek), schema, f"{path}.arguments[{i}].value.{ek}", ctx))
        else:
            out.append(_other_arg(a, schema, f"{path}.arguments[{i}]", ctx))
    return tuple(out)


def bind_exprs(exprs: Any, schema: Schema, path: str, ctx: Context) -> tuple[ir.Expr, ...]:
    """The expressions of the repeated field at ``path`` (``path[i]`` names one), columns
    looked up by their encoding as in :func:`bind_args`; a path is formatted only for the
    others, which need one for their own operands."""
    out: list[ir.Expr] = []
    for i, e in enumerate(exprs[:]):
        k = which(e, "rex_type")
        if k == "selection":
            idx = _COLUMNS.get(encoding(e))
            if idx is not None and idx < len(schema):
                out.append(ir.FieldRef(schema[idx].type, idx))
                continue
        out.append(bind_expr(e, schema, f"{path}[{i}]", ctx))
    return tuple(out)


def _other_arg(a: Any, schema: Schema, path: str, ctx: Context) -> ir.FunctionArg:
    """An argument that is not a value of a known expression kind: an enum option, or an
    error (a type argument, an empty argument, an empty or unsupported value)."""
    k = a.WhichOneof("arg_type")
    if k == "value":  # empty or unsupported: bind_expr raises the error
        return bind_expr(a.value, schema, f"{path}.value", ctx)
    if k == "enum":
        return ir.EnumArg(a.enum)
    if k == "type":
        raise UnsupportedError("type arguments are not supported", path)
    raise PlanValidationError("function argument is empty", path)


def call_parts(fn: Any, schema: Schema, path: str, ctx: Context) -> CallParts:
    """Fields shared by scalar, aggregate and window calls, in :class:`ir.Call` field order
    (type, name, URN, args, options, signature), so a call is built positionally."""
    decl = ctx.functions.get(fn.function_reference)
    if decl is None:
        decl = ctx.function(fn.function_reference, f"{path}.function_reference")  # raises
    args = bind_args(fn.arguments, schema, path, ctx)
    out_type = fn.output_type
    if not which(out_type, "kind"):  # T.kind, inline: (nearly) every call has one
        types = [a.type for a in args if isinstance(a, ir.Expr)]
        out_type = derive_output_type(decl, types, path)
    # most calls have no options: testing the container first skips a generator per call
    options = fn.options
    if options:
        options = tuple((o.name, o.preference[0] if o.preference else "") for o in options[:])
    else:
        options = ()
    return out_type, decl.name, decl.urn, args, options, decl.compound


# type, name, URN, args, options, signature: the leading fields of every ir.Call
CallParts = tuple[stt.Type, str, str, tuple[ir.FunctionArg, ...], tuple[tuple[str, str], ...], str]


def _scalar(
    fn: stalg.Expression.ScalarFunction, schema: Schema, path: str, ctx: Context
) -> ir.Expr:
    return ir.Call(*call_parts(fn, schema, path, ctx))


def sort_fields(sorts: Any, schema: Schema, path: str, ctx: Context) -> tuple[ir.SortField, ...]:
    out = []
    for i, s in enumerate(sorts[:]):
        p = f"{path}[{i}]"
        expr = bind_expr(s.expr, schema, f"{p}.expr", ctx)
        if which(s, "sort_kind") == "comparison_function_reference":
            raise UnsupportedError("custom sort comparison functions are not supported", p)
        direction = _DIRECTIONS.get(s.direction)
        if direction is None:
            raise PlanValidationError(f"sort direction {s.direction} is not a known direction", p)
        out.append(ir.SortField(expr, direction))  # type: ignore[arg-type]
    return tuple(out)


_DIRECTIONS = {
    0: "asc_nulls_last",  # unspecified: the common default
    1: "asc_nulls_first",
    2: "asc_nulls_last",
    3: "desc_nulls_first",
    4: "desc_nulls_last",
}


def _bound(
    b: stalg.Expression.WindowFunction.Bound, schema: Schema, path: str, ctx: Context
) -> ir.WindowBound:
    k = b.WhichOneof("kind")
    if k in ("preceding", "following"):
        side = getattr(b, k)
        # offset_expr (an expression: an interval for a RANGE frame over dates) wins over
        # the older integer offset
        if side.HasField("offset_expr"):
            offset = bind_expr(side.offset_expr, schema, f"{path}.{k}.offset_expr", ctx)
            return ir.WindowBound(k, offset)
        return ir.WindowBound(k, side.offset)
    if k == "current_row":
        return ir.WindowBound("current_row")
    return ir.WindowBound("unbounded")


_FRAMES = {0: "unspecified", 1: "rows", 2: "range"}


def window_call(
    fn: Any, schema: Schema, path: str, ctx: Context, partitions: Any = None
) -> ir.WindowCall:
    parts = call_parts(fn, schema, path, ctx)
    partition_by = (
        tuple(
            bind_expr(e, schema, f"{path}.partitions[{i}]", ctx)
            for i, e in enumerate(fn.partitions)
        )
        if partitions is None
        else partitions
    )
    # A missing bound is the partition's start (lower) or end (upper), as the spec says.
    lower = (
        _bound(fn.lower_bound, schema, f"{path}.lower_bound", ctx)
        if fn.HasField("lower_bound")
        else ir.WindowBound("unbounded")
    )
    upper = (
        _bound(fn.upper_bound, schema, f"{path}.upper_bound", ctx)
        if fn.HasField("upper_bound")
        else ir.WindowBound("unbounded")
    )
    frame = _FRAMES.get(fn.bounds_type, "unspecified")
    order_by = sort_fields(fn.sorts, schema, f"{path}.sorts", ctx) if hasattr(fn, "sorts") else ()
    return ir.WindowCall(
        *parts,
        partition_by=partition_by,
        order_by=order_by,
        frame=frame,  # type: ignore[arg-type]
        lower=lower,
        upper=upper,
        distinct=fn.invocation == 2,
    )


def _window(
    fn: stalg.Expression.WindowFunction, schema: Schema, path: str, ctx: Context
) -> ir.Expr:
    return window_call(fn, schema, path, ctx)


# -- conditionals, casts, lists --------------------------------------------------------
def _if_then(e: stalg.Expression.IfThen, schema: Schema, path: str, ctx: Context) -> ir.Expr:
    clauses = tuple(
        (
            bind_expr(c.__getattribute__("if"), schema, f"{path}.ifs[{i}].if", ctx),
            bind_expr(c.then, schema, f"{path}.ifs[{i}].then", ctx),
        )
        for i, c in enumerate(e.ifs)
    )
    if not clauses:
        raise PlanValidationError("if-then has no clauses", path)
    otherwise = (
        bind_expr(getattr(e, "else"), schema, f"{path}.else", ctx) if e.HasField("else") else None
    )
    t = clauses[0][1].type
    if (
        otherwise is None
        or any(T.is_nullable(c[1].type) for c in clauses)
        or T.is_nullable(otherwise.type)
    ):
        t = T.with_nullability(t, True)
    return ir.IfThen(t, clauses, otherwise)


def _switch(
    e: stalg.Expression.SwitchExpression, schema: Schema, path: str, ctx: Context
) -> ir.Expr:
    match = bind_expr(e.match, schema, f"{path}.match", ctx)
    clauses = tuple(
        (
            bind_literal(c.__getattribute__("if")),
            bind_expr(c.then, schema, f"{path}.ifs[{i}].then", ctx),
        )
        for i, c in enumerate(e.ifs)
    )
    if not clauses:
        raise PlanValidationError("switch has no clauses", path)
    otherwise = (
        bind_expr(getattr(e, "else"), schema, f"{path}.else", ctx) if e.HasField("else") else None
    )
    t = clauses[0][1].type
    if otherwise is None:
        t = T.with_nullability(t, True)
    return ir.Switch(t, match, clauses, otherwise)


_CAST_FAILURES = {0: "unspecified", 1: "return_null", 2: "throw"}


def _cast(e: stalg.Expression.Cast, schema: Schema, path: str, ctx: Context) -> ir.Expr:
    target = e.type
    if not target.WhichOneof("kind"):
        raise PlanValidationError("cast has no target type", f"{path}.type")
    inner = bind_expr(e.input, schema, f"{path}.input", ctx)
    failure = _CAST_FAILURES.get(e.failure_behavior, "unspecified")
    return ir.Cast(target, inner, failure)  # type: ignore[arg-type]


def _bool(nullable: bool) -> stt.Type:
    return T.make("bool", nullable)


def _singular_or_list(e: Any, schema: Schema, path: str, ctx: Context) -> ir.Expr:
    value = bind_expr(e.value, schema, f"{path}.value", ctx)
    options = tuple(
        bind_expr(o, schema, f"{path}.options[{i}]", ctx) for i, o in enumerate(e.options)
    )
    return ir.SingularOrList(_bool(True), value, options)


def _multi_or_list(e: Any, schema: Schema, path: str, ctx: Context) -> ir.Expr:
    values = tuple(bind_expr(v, schema, f"{path}.value[{i}]", ctx) for i, v in enumerate(e.value))
    options = tuple(
        tuple(
            bind_expr(f, schema, f"{path}.options[{i}].fields[{j}]", ctx)
            for j, f in enumerate(rec.fields)
        )
        for i, rec in enumerate(e.options)
    )
    return ir.MultiOrList(_bool(True), values, options)


def _nested(e: stalg.Expression.Nested, schema: Schema, path: str, ctx: Context) -> ir.Expr:
    k = e.WhichOneof("nested_type")
    t = stt.Type()
    null = stt.Type.NULLABILITY_NULLABLE if e.nullable else stt.Type.NULLABILITY_REQUIRED
    if k == "struct":
        fields = tuple(
            bind_expr(f, schema, f"{path}.struct.fields[{i}]", ctx)
            for i, f in enumerate(e.struct.fields)
        )
        t.struct.nullability = null
        for f in fields:
            t.struct.types.add().CopyFrom(f.type)
        return ir.MakeStruct(t, fields)
    if k == "list":
        values = tuple(
            bind_expr(v, schema, f"{path}.list.values[{i}]", ctx)
            for i, v in enumerate(e.list.values)
        )
        if not values:
            raise PlanValidationError("nested list has no values", f"{path}.list")
        t.list.nullability = null
        t.list.type.CopyFrom(values[0].type)
        return ir.MakeList(t, values)
    if k == "map":
        entries = tuple(
            (
                bind_expr(kv.key, schema, f"{path}.map.key_values[{i}].key", ctx),
                bind_expr(kv.value, schema, f"{path}.map.key_values[{i}].value", ctx),
            )
            for i, kv in enumerate(e.map.key_values)
        )
        if not entries:
            raise PlanValidationError("nested map has no entries", f"{path}.map")
        t.map.nullability = null
        t.map.key.CopyFrom(entries[0][0].type)
        t.map.value.CopyFrom(entries[0][1].type)
        return ir.MakeMap(t, entries)
    raise PlanValidationError("nested expression is empty", path)


# -- lambdas ---------------------------------------------------------------------------
def _lambda(e: stalg.Expression.Lambda, schema: Schema, path: str, ctx: Context) -> ir.Expr:
    """A lambda: its body sees the parameters (lambda parameter references) and, as any
    expression, the input record."""
    params = tuple(e.parameters.types)
    if not params:
        raise PlanValidationError("lambda has no parameters", f"{path}.parameters")
    if not e.HasField("body"):
        raise PlanValidationError("lambda has no body", f"{path}.body")
    ctx.lambdas.append(params)
    try:
        body = bind_expr(e.body, schema, f"{path}.body", ctx)
    finally:
        ctx.lambdas.pop()
    t = stt.Type()
    t.func.parameter_types.extend(params)
    t.func.return_type.CopyFrom(body.type)
    t.func.nullability = stt.Type.NULLABILITY_REQUIRED
    return ir.Lambda(t, params, body)


# -- subqueries ------------------------------------------------------------------------
def _sub_rel(rel: Any, schema: Schema, path: str, ctx: Context) -> ir.Rel:
    ctx.outer.append(schema)
    try:
        return ctx.bind_rel(rel, path, ctx)
    finally:
        ctx.outer.pop()


def _subquery(e: stalg.Expression.Subquery, schema: Schema, path: str, ctx: Context) -> ir.Expr:
    k = e.WhichOneof("subquery_type")
    p = f"{path}.{k}"
    if k == "scalar":
        rel = _sub_rel(e.scalar.input, schema, f"{p}.input", ctx)
        if len(rel.schema) != 1:
            raise PlanValidationError(
                f"scalar subquery returns {len(rel.schema)} columns, expected 1", f"{p}.input"
            )
        return ir.ScalarSubquery(T.with_nullability(rel.schema[0].type, True), rel)
    if k == "in_predicate":
        needles = tuple(
            bind_expr(n, schema, f"{p}.needles[{i}]", ctx)
            for i, n in enumerate(e.in_predicate.needles)
        )
        rel = _sub_rel(e.in_predicate.haystack, schema, f"{p}.haystack", ctx)
        return ir.InSubquery(_bool(True), needles, rel)
    if k == "set_predicate":
        op = {1: "exists", 2: "unique"}.get(e.set_predicate.predicate_op)
        if op is None:
            raise PlanValidationError("set predicate operation is unspecified", p)
        rel = _sub_rel(e.set_predicate.tuples, schema, f"{p}.tuples", ctx)
        return ir.SetPredicate(_bool(False), op, rel)  # type: ignore[arg-type]
    if k == "set_comparison":
        sc = e.set_comparison
        op = {1: "eq", 2: "ne", 3: "lt", 4: "gt", 5: "le", 6: "ge"}.get(sc.comparison_op)
        red = {1: "any", 2: "all"}.get(sc.reduction_op)
        if op is None or red is None:
            raise PlanValidationError("set comparison operation or reduction is unspecified", p)
        left = bind_expr(sc.left, schema, f"{p}.left", ctx)
        rel = _sub_rel(sc.right, schema, f"{p}.right", ctx)
        return ir.SetComparison(_bool(True), left, op, red, rel)  # type: ignore[arg-type]
    raise PlanValidationError("subquery is empty", path)


def _literal(lit: stalg.Expression.Literal, schema: Schema, path: str, ctx: Context) -> ir.Expr:
    key = encoding(lit)
    known = _LITERALS.get(key)
    if known is not None:
        return ir.Literal(*known)
    try:
        value, t = literal_value(lit)
    except PlanError as exc:
        raise exc.at(path) from None
    if type(value) in _IMMUTABLE:
        _LITERALS.remember(key, (T.copied(t), value))
    return ir.Literal(t, value)


# Literals by encoding (a few bytes each; plans repeat the same constants, and decoding a
# decimal or date costs several times the lookup): type and value, for values that cannot
# change (not lists, maps or structs).
_LITERALS = EncodingTable(max_entries=4096, max_key=256)
_IMMUTABLE = frozenset(
    {
        bool,
        int,
        float,
        str,
        bytes,
        type(None),
        decimal.Decimal,
        dt.date,
        dt.time,
        dt.datetime,
        uuid.UUID,
        ir.IntervalYearMonth,
        ir.IntervalDaySecond,
        ir.IntervalCompound,
    }
)


_HANDLERS: dict[str, Callable[[Any, Schema, str, Context], ir.Expr]] = {
    "literal": _literal,
    "selection": _selection,
    "scalar_function": _scalar,
    "window_function": _window,
    "if_then": _if_then,
    "switch_expression": _switch,
    "singular_or_list": _singular_or_list,
    "multi_or_list": _multi_or_list,
    "cast": _cast,
    "subquery": _subquery,
    "nested": _nested,
    "lambda": _lambda,
}
