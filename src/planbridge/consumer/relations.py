"""Relation binding: one handler per ``Rel`` kind, dispatched by the oneof name.

Hot loops and copies take slices of repeated fields (``names[:]``): see
:mod:`planbridge.consumer.expressions` (upb's containers end iteration with an error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from substrait import algebra_pb2 as stalg
from substrait import type_pb2 as stt

from planbridge import types as T
from planbridge.compat import check_current, varint
from planbridge.consumer import ir
from planbridge.consumer.encodings import EncodingTable
from planbridge.consumer.expressions import (
    Context,
    Schema,
    bind_args,
    bind_expr,
    bind_exprs,
    call_parts,
    sort_fields,
    window_call,
)
from planbridge.consumer.messages import encoding, has, which
from planbridge.errors import PlanValidationError, UnsupportedError


def bind_rel(rel: stalg.Rel, path: str, ctx: Context) -> ir.Rel:
    """Bind one relation (and its inputs); ``path`` names it in errors."""
    k = which(rel, "rel_type")
    handler = _HANDLERS.get(k)  # type: ignore[arg-type]
    if handler is None:
        if k is None:
            raise PlanValidationError("relation is empty", path)
        raise UnsupportedError(f"relation kind {k} is not supported", path)
    out = handler(getattr(rel, k), f"{path}.{k}", ctx)
    out.source = rel
    return out


def _emit(body: Any, ncols: int, path: str) -> tuple[int, ...] | None:
    if not has(body, "common"):
        return None
    common = body.common
    if which(common, "emit_kind") != "emit":
        return None
    mapping = tuple(common.emit.output_mapping[:])
    if mapping and (min(mapping) < 0 or max(mapping) >= ncols):
        i, m = next((i, m) for i, m in enumerate(mapping) if not 0 <= m < ncols)
        raise PlanValidationError(
            f"emit output_mapping[{i}]={m} out of range: the relation has {ncols} columns",
            f"{path}.common.emit",
        )
    return mapping


def _input(body: Any, name: str, path: str, ctx: Context) -> ir.Rel:
    """Bind the input relation ``name`` of ``body`` (dispatched here, as bind_rel would)."""
    rel = getattr(body, name)  # unset: the empty relation, which has no kind
    k = which(rel, "rel_type")
    handler = _HANDLERS.get(k)  # type: ignore[arg-type]
    if handler is None:  # missing, empty or unsupported: bind_rel raises the error
        if not body.HasField(name):
            raise PlanValidationError(f"relation has no {name}", path)
        return bind_rel(rel, f"{path}.{name}", ctx)
    out = handler(getattr(rel, k), f"{path}.{name}.{k}", ctx)
    out.source = rel
    return out


def schema_columns(ns: stt.NamedStruct, path: str) -> Schema:
    """The top-level columns of a NamedStruct (names are depth-first over struct fields),
    shared with earlier schemas of the same encoding (see :data:`_SCHEMAS`)."""
    key = encoding(ns)
    cols = _SCHEMAS.get(key)
    if cols is None:
        cols = _schema_columns(ns, path)
        # own copies of the types: the remembered columns must not alias the caller's
        # plan, which it may change after binding
        _SCHEMAS.remember(key, tuple(ir.Column(c.name, T.copied(c.type)) for c in cols))
    return cols


# Reads of the same table (within a plan, and across the plans a service keeps seeing)
# declare the same base schema: its encoding (a few hundred bytes) maps to the bound
# columns, which replaces building a column and a type wrapper per column. Bounded in
# entries and key size; bound columns are never changed, so sharing them is safe.
_SCHEMAS = EncodingTable(max_entries=256, max_key=4096)  # keys: a few hundred columns


def _schema_columns(ns: stt.NamedStruct, path: str) -> Schema:
    names = ns.names
    types = ns.struct.types
    if not types:
        # Older DataFusion plans omit the types: columns of unknown type, bound from data.
        return tuple(ir.Column(n, T.unknown()) for n in names)
    if len(names) == len(types) and _STRUCT_TAG not in ns.struct.SerializeToString():
        # flat columns (the common case): one name each. A struct column (which takes more)
        # is encoded with the tag of Type.struct: where those bytes are missing there is
        # none, which one small encoding tells faster than asking every type.
        return tuple(map(ir.Column, names, types))
    cols, pos, names = [], 0, list(names)
    for t in types:
        if pos >= len(names):
            raise PlanValidationError(
                f"schema has fewer names ({len(names)}) than columns and struct fields", path
            )
        cols.append(ir.Column(names[pos], t))
        pos += T.count_names(t)
    if pos != len(names):
        raise PlanValidationError(f"schema has {len(names)} names but its types need {pos}", path)
    return tuple(cols)


# the encoded tag of Type.struct (a length-delimited field)
_STRUCT_TAG = varint(stt.Type.DESCRIPTOR.fields_by_name["struct"].number << 3 | 2)


# -- reads -----------------------------------------------------------------------------
_FORMATS = {
    "parquet": "parquet",
    "arrow": "arrow",
    "orc": "orc",
    "dwrf": "dwrf",
    "text": "text",
    "extension": "unknown",
}


def _files(lf: Any, path: str) -> tuple[ir.FileItem, ...]:
    items = []
    for i, f in enumerate(lf.items):
        kind = f.WhichOneof("path_type")
        if kind is None:
            raise PlanValidationError("file item has no path", f"{path}.items[{i}]")
        fmt = _FORMATS.get(f.WhichOneof("file_format") or "", "unknown")
        options: tuple[tuple[str, str], ...] = ()
        if fmt == "text":
            t = f.text
            options = (
                ("field_delimiter", t.field_delimiter),
                ("quote", t.quote),
                ("escape", t.escape),
                ("header_lines_to_skip", str(t.header_lines_to_skip)),
            )
            if t.HasField("value_treated_as_null"):
                options += (("value_treated_as_null", t.value_treated_as_null),)
            fmt = "csv"
        items.append(
            ir.FileItem(
                getattr(f, kind),
                kind,
                fmt,
                options,  # type: ignore[arg-type]
                f.start,
                f.length,
                f.partition_index,
            )
        )
    return tuple(items)


def _read(r: stalg.ReadRel, path: str, ctx: Context) -> ir.Rel:
    base = schema_columns(r.base_schema, f"{path}.base_schema")
    projection = None
    if has(r, "projection"):
        items = r.projection.select.struct_items[:]
        projection = tuple(it.field for it in items)
        for i, p in enumerate(projection):
            if not 0 <= p < len(base):
                raise PlanValidationError(
                    f"projection field {p} out of range: base schema has {len(base)} columns",
                    f"{path}.projection.select.struct_items[{i}]",
                )
    cols = base if projection is None else tuple(base[p] for p in projection)
    flt = bind_expr(r.filter, base, f"{path}.filter", ctx) if has(r, "filter") else None
    best = (
        bind_expr(r.best_effort_filter, base, f"{path}.best_effort_filter", ctx)
        if has(r, "best_effort_filter")
        else None
    )
    emit = _emit(r, len(cols), path)
    kind = which(r, "read_type")
    # the fields every read has, in ir.Read order
    common = (path, cols, emit, base, projection, flt, best)
    if kind == "named_table":
        names = tuple(r.named_table.names[:])
        if not names:
            raise PlanValidationError("named table has no names", f"{path}.named_table")
        return ir.NamedTableRead(*common, names)
    if kind == "local_files":
        return ir.LocalFilesRead(*common, _files(r.local_files, f"{path}.local_files"))
    if kind == "virtual_table":
        check_current(r.virtual_table)
        rows = []
        for i, row in enumerate(r.virtual_table.expressions):
            p = f"{path}.virtual_table.expressions[{i}]"
            fields = tuple(
                bind_expr(e, (), f"{p}.fields[{j}]", ctx) for j, e in enumerate(row.fields)
            )
            if not base and not r.base_schema.names and i == 0:
                # DuckDB writes inline rows without a base schema: take it from the row.
                base = tuple(ir.Column(f"col{j}", f.type) for j, f in enumerate(fields))
                common = (path, base, _emit(r, len(base), path), base, projection, flt, best)
            if len(fields) != len(base):
                raise PlanValidationError(
                    f"row has {len(fields)} values, the base schema {len(base)} columns", p
                )
            rows.append(fields)
        return ir.VirtualTableRead(*common, tuple(rows))
    if kind == "extension_table":
        return ir.ExtensionTableRead(*common, r.extension_table.detail)
    if kind is None:
        raise PlanValidationError("read has no source (named table, files, ...)", path)
    raise UnsupportedError(f"read source {kind} is not supported", path)


# -- single input ----------------------------------------------------------------------
def _filter(r: stalg.FilterRel, path: str, ctx: Context) -> ir.Rel:
    inp = _input(r, "input", path, ctx)
    if not has(r, "condition"):
        raise PlanValidationError("filter has no condition", path)
    s = inp.schema
    cond = bind_expr(r.condition, s, f"{path}.condition", ctx)
    return ir.Filter(path, s, _emit(r, len(s), path), inp, cond)


def _project(r: stalg.ProjectRel, path: str, ctx: Context) -> ir.Rel:
    inp = _input(r, "input", path, ctx)
    s = inp.schema
    exprs = bind_exprs(r.expressions, s, f"{path}.expressions", ctx)
    cols = s + tuple([ir.Column(f"expr{i}", e.type) for i, e in enumerate(exprs)])
    emit = _emit(r, len(cols), path)
    if emit is None and ctx.project_emits_expressions_only:
        emit = tuple(range(len(s), len(cols)))
    return ir.Project(path, cols, emit, inp, exprs)


def _aggregate(r: stalg.AggregateRel, path: str, ctx: Context) -> ir.Rel:
    inp = _input(r, "input", path, ctx)
    s = inp.schema
    gexprs = bind_exprs(r.grouping_expressions, s, f"{path}.grouping_expressions", ctx)
    sets: list[tuple[int, ...]] = []
    for gi, g in enumerate(r.groupings[:]):
        check_current(g)
        refs = tuple(g.expression_references[:])
        for j, ref in enumerate(refs):
            if not 0 <= ref < len(gexprs):
                raise PlanValidationError(
                    f"expression reference {ref} out of range: {len(gexprs)} grouping expressions",
                    f"{path}.groupings[{gi}].expression_references[{j}]",
                )
        sets.append(refs)
    measures = []
    for i, m in enumerate(r.measures[:]):
        p = f"{path}.measures[{i}]"
        fn = m.measure
        parts = call_parts(fn, s, f"{p}.measure", ctx)
        sorts = fn.sorts[:]  # ordered aggregates are rare: no path formatted for the others
        sorts = sort_fields(sorts, s, f"{p}.measure.sorts", ctx) if sorts else ()
        call = ir.AggregateCall(*parts, distinct=fn.invocation == 2, sorts=sorts)
        flt = bind_expr(m.filter, s, f"{p}.filter", ctx) if has(m, "filter") else None
        measures.append(ir.Measure(call, flt))
    used = sorted({i for st in sets for i in st}) if sets else []
    nullable_keys = len(sets) > 1
    cols = [
        ir.Column(
            f"group{i}",
            T.with_nullability(gexprs[i].type, True) if nullable_keys else gexprs[i].type,
        )
        for i in used
    ]
    cols += [ir.Column(f"measure{i}", m.call.type) for i, m in enumerate(measures)]
    set_column = len(sets) > 1 and ctx.grouping_set_column
    if set_column:
        cols.append(ir.Column("grouping_set", T.make("i32", False)))
    # grouping_expressions: the distinct ones referenced, in grouping_expressions order
    return ir.Aggregate(
        path,
        tuple(cols),
        _emit(r, len(cols), path),
        inp,
        tuple(gexprs[i] for i in used),
        tuple(tuple(used.index(i) for i in st) for st in sets),
        tuple(measures),
        set_column,
    )


def _sort(r: stalg.SortRel, path: str, ctx: Context) -> ir.Rel:
    inp = _input(r, "input", path, ctx)
    s = inp.schema
    sorts = sort_fields(r.sorts, s, f"{path}.sorts", ctx)
    return ir.Sort(path, s, _emit(r, len(s), path), inp, sorts)


def _fetch(r: stalg.FetchRel, path: str, ctx: Context) -> ir.Rel:
    check_current(r)
    inp = _input(r, "input", path, ctx)
    offset = count = None
    if has(r, "offset_expr"):
        offset = bind_expr(r.offset_expr, (), f"{path}.offset_expr", ctx)
    if has(r, "count_expr"):
        count = bind_expr(r.count_expr, (), f"{path}.count_expr", ctx)
        if isinstance(count, ir.Literal) and isinstance(count.value, int) and count.value < 0:
            count = None  # -1: all rows (the legacy encoding)
    s = inp.schema
    return ir.Fetch(path, s, _emit(r, len(s), path), inp, offset, count)


def _window(r: stalg.ConsistentPartitionWindowRel, path: str, ctx: Context) -> ir.Rel:
    inp = _input(r, "input", path, ctx)
    s = inp.schema
    parts = tuple(
        bind_expr(e, s, f"{path}.partition_expressions[{i}]", ctx)
        for i, e in enumerate(r.partition_expressions)
    )
    order = sort_fields(r.sorts, s, f"{path}.sorts", ctx)
    funcs = []
    for i, f in enumerate(r.window_functions):
        call = window_call(f, s, f"{path}.window_functions[{i}]", ctx, partitions=parts)
        funcs.append(ir.WindowCall(**{**_call_fields(call), "order_by": order}))
    cols = s + tuple(ir.Column(f"window{i}", f.type) for i, f in enumerate(funcs))
    return ir.Window(path, cols, _emit(r, len(cols), path), inp, tuple(funcs), parts, order)


def _call_fields(call: ir.WindowCall) -> dict[str, Any]:
    return {name: getattr(call, name) for name in ir.WindowCall.__dataclass_fields__}


# -- multi input -----------------------------------------------------------------------
_JOIN_TYPES = {
    1: "inner",
    2: "outer",
    3: "left",
    4: "right",
    5: "left_semi",
    6: "left_anti",
    7: "left_single",
    8: "right_semi",
    9: "right_anti",
    10: "right_single",
    11: "left_mark",
    12: "right_mark",
}


def _nullable(cols: Schema) -> Schema:
    return tuple(ir.Column(c.name, T.with_nullability(c.type, True)) for c in cols)


def _join(r: stalg.JoinRel, path: str, ctx: Context) -> ir.Rel:
    left = _input(r, "left", path, ctx)
    right = _input(r, "right", path, ctx)
    jt = _JOIN_TYPES.get(r.type)
    if jt is None:
        raise PlanValidationError(f"join type {r.type} is unspecified or unknown", f"{path}.type")
    both = left.schema + right.schema
    cond = (
        bind_expr(r.expression, both, f"{path}.expression", ctx) if has(r, "expression") else None
    )
    post = (
        bind_expr(r.post_join_filter, both, f"{path}.post_join_filter", ctx)
        if has(r, "post_join_filter")
        else None
    )
    cols = _join_columns(jt, left.schema, right.schema)
    return ir.Join(path, cols, _emit(r, len(cols), path), left, right, jt, cond, post)  # type: ignore[arg-type]


def _join_columns(jt: str, left: Schema, right: Schema) -> Schema:
    """The join's output columns; only this join type's are built (each nullable side is a
    copy of every column type)."""
    if jt == "inner":
        return left + right
    if jt == "outer":
        return _nullable(left) + _nullable(right)
    if jt in ("left", "left_single"):
        return left + _nullable(right)
    if jt in ("right", "right_single"):
        return _nullable(left) + right
    if jt in ("left_semi", "left_anti"):
        return left
    if jt in ("right_semi", "right_anti"):
        return right
    mark = (ir.Column("mark", T.make("bool", True)),)
    return (left if jt == "left_mark" else right) + mark


def _cross(r: stalg.CrossRel, path: str, ctx: Context) -> ir.Rel:
    left = _input(r, "left", path, ctx)
    right = _input(r, "right", path, ctx)
    cols = left.schema + right.schema
    return ir.Cross(path, cols, _emit(r, len(cols), path), left, right)


_SET_OPS = {
    1: "minus_primary",
    7: "minus_primary_all",
    2: "minus_multiset",
    3: "intersection_primary",
    4: "intersection_multiset",
    8: "intersection_multiset_all",
    5: "union_distinct",
    6: "union_all",
}


def _set(r: stalg.SetRel, path: str, ctx: Context) -> ir.Rel:
    op = _SET_OPS.get(r.op)
    if op is None:
        raise PlanValidationError(f"set operation {r.op} is unspecified or unknown", f"{path}.op")
    inputs = tuple(bind_rel(x, f"{path}.inputs[{i}]", ctx) for i, x in enumerate(r.inputs))
    if len(inputs) < 2:
        raise PlanValidationError(f"set operation has {len(inputs)} inputs, needs at least 2", path)
    n = len(inputs[0].schema)
    for i, x in enumerate(inputs[1:], 1):
        if len(x.schema) != n:
            raise PlanValidationError(
                f"set input {i} has {len(x.schema)} columns, input 0 has {n}", f"{path}.inputs[{i}]"
            )
    cols = tuple(
        ir.Column(
            c.name, T.with_nullability(c.type, any(T.is_nullable(x.schema[j].type) for x in inputs))
        )
        for j, c in enumerate(inputs[0].schema)
    )
    return ir.SetOp(path, cols, _emit(r, n, path), inputs, op)  # type: ignore[arg-type]


def _reference(r: stalg.ReferenceRel, path: str, ctx: Context) -> ir.Rel:
    n = r.subtree_ordinal
    if not 0 <= n < len(ctx.subtrees):
        raise PlanValidationError(
            f"subtree ordinal {n} out of range: the plan has {len(ctx.subtrees)} relations", path
        )
    if n not in ctx.shared:
        saved, ctx.outer = ctx.outer, []
        try:
            ctx.shared[n] = ctx.bind_rel(ctx.subtrees[n], f"relations[{n}].rel", ctx)
        finally:
            ctx.outer = saved
    target = ctx.shared[n]
    return ir.Shared(path, target.schema, None, n, target)


def _ext_schema(body: Any, inputs: tuple[ir.Rel, ...], path: str) -> Schema:
    """planbridge's streaming relations say their own schema; others pass inputs through."""
    from planbridge import streaming

    cols = tuple(c for x in inputs for c in x.schema)
    if not streaming.is_streaming(body.detail):
        return cols
    types = streaming.output_types(
        body.detail, [tuple(c.type for c in x.schema) for x in inputs], path
    )
    names = streaming.output_names(body.detail, [c.name for c in cols], f"{path}.detail")
    return tuple(ir.Column(n, t) for n, t in zip(names, types, strict=True))


def _extension(kind: str) -> Callable[[Any, str, Context], ir.Rel]:
    def handler(r: Any, path: str, ctx: Context) -> ir.Rel:
        if kind == "single":
            inputs: tuple[ir.Rel, ...] = (_input(r, "input", path, ctx),)
        elif kind == "multi":
            inputs = tuple(bind_rel(x, f"{path}.inputs[{i}]", ctx) for i, x in enumerate(r.inputs))
        else:
            inputs = ()
        cols = _ext_schema(r, inputs, path)
        emit = None
        if r.HasField("common") and r.common.WhichOneof("emit_kind") == "emit":
            emit = tuple(r.common.emit.output_mapping)
        return ir.Extension(path, cols, emit, kind, r.detail, inputs)  # type: ignore[arg-type]

    return handler


_WRITE_OPS = {1: "insert", 2: "delete", 3: "update", 4: "ctas"}


def _write(r: stalg.WriteRel, path: str, ctx: Context) -> ir.Rel:
    inp = _input(r, "input", path, ctx)
    table = schema_columns(r.table_schema, f"{path}.table_schema")
    op = _WRITE_OPS.get(r.op)
    if op is None:
        raise PlanValidationError(f"write operation {r.op} is unspecified", f"{path}.op")
    if r.WhichOneof("write_type") != "named_table":
        raise UnsupportedError("only writes to named tables are supported", path)
    return ir.Write(path, inp.schema, None, inp, tuple(r.named_table.names), op, table)


_HANDLERS: dict[str, Callable[[Any, str, Context], ir.Rel]] = {
    "read": _read,
    "filter": _filter,
    "project": _project,
    "aggregate": _aggregate,
    "sort": _sort,
    "fetch": _fetch,
    "window": _window,
    "join": _join,
    "cross": _cross,
    "set": _set,
    "reference": _reference,
    "extension_leaf": _extension("leaf"),
    "extension_single": _extension("single"),
    "extension_multi": _extension("multi"),
    "write": _write,
}

__all__ = ["bind_args", "bind_rel", "schema_columns"]
