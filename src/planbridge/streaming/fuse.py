"""A cheaper lowering for the commonest session query: an aggregate over session windows.

``Aggregate(group by window_start, window_end, keys...; measures over input columns)``
directly over a session ``WindowTableFunction`` does not need each row's window: it is
the same as numbering the sessions (lag + running sum of new-session flags) and grouping
by (keys, session number), with window_start = min(time) and window_end = max(time) + gap.
One ordering per key instead of two. Any other shape falls back to the general lowering.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from substrait import algebra_pb2 as stalg

from planbridge.streaming import relations as R
from planbridge.streaming import sbuild as B

E = stalg.Expression


def _field_index(e: E) -> int | None:
    if e.WhichOneof("rex_type") != "selection":
        return None
    sel = e.selection
    if sel.WhichOneof("root_type") != "root_reference" or not sel.HasField("direct_reference"):
        return None
    seg = sel.direct_reference
    if seg.WhichOneof("reference_type") != "struct_field" or seg.struct_field.HasField("child"):
        return None
    return seg.struct_field.field


def _max_field(msg: Message) -> int:
    """The largest struct-field ordinal referenced anywhere inside ``msg`` (-1 if none)."""
    best = -1
    for fd, value in msg.ListFields():
        if fd.type != fd.TYPE_MESSAGE:
            continue
        for item in value if fd.is_repeated else [value]:
            if isinstance(item, E.ReferenceSegment.StructField):
                best = max(best, item.field)
            best = max(best, _max_field(item))
    return best


def _grouping_refs(agg: stalg.AggregateRel) -> list[int] | None:
    if len(agg.groupings) != 1:
        return None
    if agg.grouping_expressions:
        exprs = list(agg.grouping_expressions)
        refs = list(agg.groupings[0].expression_references)
        if refs != list(range(len(exprs))):
            return None
    else:
        exprs = list(agg.groupings[0].grouping_expressions)
    out = [_field_index(e) for e in exprs]
    if any(i is None for i in out) or len(set(out)) != len(out):
        return None
    return out  # type: ignore[return-value]


def session_aggregate(lw: Any, rel: stalg.Rel, path: str) -> stalg.Rel | None:
    """The fused lowering of ``rel`` (an AggregateRel), or None when it does not apply."""
    agg = rel.aggregate
    inner = agg.input
    if inner.WhichOneof("rel_type") != "extension_single":
        return None
    ext = inner.extension_single
    if ext.detail.type_url != R.WindowTVF.type_url:
        return None
    if ext.HasField("common") and ext.common.WhichOneof("emit_kind") == "emit":
        return None
    if rel.aggregate.HasField("common") and agg.common.WhichOneof("emit_kind") == "emit":
        return None
    here = f"{path}.aggregate.input.extension_single"
    d = R.WindowTVF.from_any(ext.detail, f"{here}.detail")
    if d.kind != "session" or d.replay is not None:
        return None
    refs = _grouping_refs(agg)
    if refs is None:
        return None
    lw._walk(ext, here)  # lower the session's input first
    types = lw._types(ext.input, f"{here}.input")
    t = d.check([types], here)
    n = len(types)
    if n not in refs or n + 1 not in refs or n + 2 in refs:
        return None
    if not set(d.partition_keys) <= set(refs):
        return None
    if any(_max_field(m) >= n for m in agg.measures):
        return None
    f, units = lw.f, lw.units(R.precision(t))
    gap = units(d.gap_micros)
    keys = [B.field(k) for k in d.partition_keys]
    base = B.filter_(ext.input, f.is_not_null(B.field(d.time_column)))
    x = B.cast(B.field(d.time_column), B.i64())
    base = B.project(base, [f.millis_floor(x, R.precision(t))])
    x = B.field(n)
    # lag and row_number in one window pass (one ordering): the row number then orders the
    # running sum, a ROWS frame that agrees with lag's order on tied times (a RANGE frame
    # over the time would too, but costs DataFusion 40 % more)
    prev_and_rank = [
        f.window(B.ARITH, "lag:any", [x], B.i64(True), keys, [x]),
        f.window(B.ARITH, "row_number:", [], B.i64(True), keys, [x]),
    ]
    base = B.project(base, prev_and_rank)
    prev, rank = B.field(n + 1), B.field(n + 2)
    new = B.if_then(
        f.or_(f.is_null(prev), f.cmp("gt", f.sub(x, prev), B.lit(gap))), B.lit(1), B.lit(0)
    )
    base = B.project(base, [new])
    running = f.window(B.ARITH, "sum:i64", [B.field(n + 3)], B.i64(True), keys, [rank])
    base = B.project(base, [running])
    groups = [r for r in refs if r < n]
    measures = [*agg.measures, _measure(f, "min:i64", x), _measure(f, "max:i64", x)]
    grouped = stalg.Rel(
        aggregate=stalg.AggregateRel(
            common=stalg.RelCommon(direct=stalg.RelCommon.Direct()),
            input=base,
            grouping_expressions=[*(B.field(g) for g in groups), B.field(n + 4)],
            groupings=[
                stalg.AggregateRel.Grouping(expression_references=list(range(len(groups) + 1)))
            ],
            measures=measures,
        )
    )
    m = len(agg.measures)
    first, last = len(groups) + 1 + m, len(groups) + 2 + m
    wt = R.window_column_type(t)
    start = B.cast(B.field(first), wt)
    end = B.cast(f.add(B.field(last), B.lit(gap)), wt)
    width = last + 1
    out = []
    for r in refs:
        out.append(width if r == n else width + 1 if r == n + 1 else groups.index(r))
    out.extend(range(len(groups) + 1, len(groups) + 1 + m))
    return B.project(grouped, [start, end], emit=out)


def _measure(f: B.Functions, signature: str, x: E) -> stalg.AggregateRel.Measure:
    return stalg.AggregateRel.Measure(
        measure=stalg.AggregateFunction(
            function_reference=f.ref(B.ARITH, signature),
            arguments=[stalg.FunctionArgument(value=x)],
            output_type=B.i64(True),
            phase=stalg.AGGREGATION_PHASE_INITIAL_TO_RESULT,
            invocation=stalg.AggregateFunction.AGGREGATION_INVOCATION_ALL,
        )
    )
