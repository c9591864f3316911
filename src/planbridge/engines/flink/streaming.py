"""planbridge's streaming relations as native Flink SQL (not lowered).

* ``Watermark`` becomes the source's DDL: the event-time column is mirrored by a computed
  millisecond rowtime ``_pb_rt`` with ``WATERMARK FOR _pb_rt AS _pb_rt - INTERVAL ..``;
  the relation itself passes its input through.
* ``WindowTableFunction`` becomes ``TABLE(TUMBLE|HOP|CUMULATE|SESSION(TABLE src, DESCRIPTOR(_pb_rt), ..))``
  directly over that source; window aggregations, top-N, dedup and window joins above it
  are the standard relations Flink's planner recognises on the window columns. A ``Replay``
  writes the source in arrival order with the replay's watermark delay, so Flink's own
  late-row handling gives the replayed meaning.
* ``TemporalJoin`` becomes Flink's event-time temporal join, ``probe [LEFT] JOIN versioned
  FOR SYSTEM_TIME AS OF probe._pb_rt ON keys``: both sides are source tables with a
  watermark, the versioned one declared with ``PRIMARY KEY (keys) NOT ENFORCED``.

Windows read the source directly: the relations between a window and its source may only
be watermarks (Flink's time attributes start at a table's DDL).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import sqlglot.expressions as exp

from planbridge import streaming
from planbridge import types as T
from planbridge.consumer import ir
from planbridge.engines.flink.ddl import PROCTIME, ROWTIME, Watermark
from planbridge.engines.sql.frame import Frame, aliased, col_name, column, subquery
from planbridge.engines.sql.functions import RANKING_FUNCTIONS
from planbridge.errors import UnsupportedError
from planbridge.streaming import ProcessingTime, TemporalJoin, WindowTVF

_TVF = {"tumble": "TUMBLE", "hop": "HOP", "cumulate": "CUMULATE", "session": "SESSION"}


def source_of(
    rel: ir.Rel, through_proctime: bool = False
) -> tuple[ir.Read, list[streaming.Watermark]] | None:
    """The read under ``rel`` through watermark relations only (and, when asked, one
    processing-time relation), and those watermarks."""
    marks: list[streaming.Watermark] = []
    proctimes = 0
    while isinstance(rel, ir.Extension) and streaming.is_streaming(rel.detail):
        d = streaming.describe(rel)
        if isinstance(d, ProcessingTime) and through_proctime and not proctimes:
            proctimes += 1
        elif not isinstance(d, streaming.Watermark) or rel.emit is not None:
            return None
        else:
            marks.append(d)
        rel = rel.inputs_[0]
    if isinstance(rel, ir.Read) and not isinstance(rel, ir.ExtensionTableRead):
        return rel, marks
    return None


def trace_column(rel: ir.Rel, index: int) -> tuple[ir.Read, int] | None:
    """The source read and base column that output column ``index`` of ``rel`` passes
    through unchanged (watermarks, filters, projections, emits), or None."""
    found = _follow(rel, index)
    if found is None or not isinstance(found[0], ir.Read):
        return None
    return found[0], base_column(found[0], found[1])  # type: ignore[arg-type]


def is_processing_time(rel: ir.Rel, index: int) -> bool:
    """Whether output column ``index`` of ``rel`` is a processing-time column passed through
    unchanged (Flink keeps ``PROCTIME()`` a time attribute through filters and projections)."""
    found = _follow(rel, index)
    return found is not None and isinstance(found[0], ir.Extension)


def _follow(rel: ir.Rel, index: int) -> tuple[ir.Rel, int] | None:
    """Follow column ``index`` down through watermarks, processing-time relations (for
    their input columns), filters, projections and emits: the read (and its output
    column) or the processing-time relation (and its added column) it comes from."""
    while True:
        if rel.emit is not None:
            index = rel.emit[index]
        if isinstance(rel, ir.Read) and not isinstance(rel, ir.ExtensionTableRead):
            return rel, index
        if isinstance(rel, ir.Extension) and streaming.is_streaming(rel.detail):
            d = streaming.decode(rel.detail, rel.path)
            if isinstance(d, ProcessingTime) and index >= len(rel.inputs_[0].schema):
                return rel, index
        below = passed_through(rel, index)
        if below is None:
            return None
        rel, index = below


def passed_through(rel: ir.Rel, index: int) -> tuple[ir.Rel, int] | None:
    """The input and its column that direct output column ``index`` of a watermark, filter
    or projection is, unchanged; None for any other relation or a computed column."""
    if isinstance(rel, ir.Extension) and streaming.is_streaming(rel.detail):
        d = streaming.decode(rel.detail, rel.path)
        if not isinstance(d, streaming.Watermark | ProcessingTime):
            return None
        return rel.inputs_[0], index
    if isinstance(rel, ir.Filter):
        return rel.input, index
    if isinstance(rel, ir.Project):
        width = len(rel.input.schema)
        if index >= width:
            e = rel.expressions[index - width]
            if not isinstance(e, ir.FieldRef):
                return None
            index = e.index
        return rel.input, index
    return None


def base_column(read: ir.Read, index: int) -> int:
    """The base-schema column behind output column ``index`` of a read."""
    return read.projection[index] if read.projection is not None else index


def delay_interval(micros: int, path: str) -> exp.Expression:
    """A watermark delay as a Flink interval literal (whole milliseconds)."""
    from planbridge.engines.flink.translator import interval

    if micros % 1000:
        raise UnsupportedError(f"Flink watermark delays are milliseconds, not {micros} us", path)
    return interval(
        ir.IntervalDaySecond(seconds=micros // 1_000_000, subseconds=micros % 1_000_000)
    )


def relations(root: ir.Rel) -> Iterator[ir.Rel]:
    """Every relation of the tree under ``root`` once (shared subtrees included once)."""
    stack: list[ir.Rel] = [root]
    seen: set[int] = set()
    while stack:
        rel = stack.pop()
        if id(rel) in seen:
            continue
        seen.add(id(rel))
        stack.extend(rel.inputs())
        yield rel


def source_watermarks(plan: ir.BoundPlan) -> dict[int, Watermark]:
    """``id(read) -> Watermark`` for every source that carries event time in the plan."""
    marks: dict[int, Watermark] = {}
    free: set[int] = set()  # reads whose mark only a watermark relation gives
    windows: list[tuple[ir.Extension, WindowTVF]] = []
    joins: list[tuple[ir.Extension, TemporalJoin]] = []
    proctimes: list[ir.Read] = []
    for rel in relations(plan.root):
        if not (isinstance(rel, ir.Extension) and streaming.is_streaming(rel.detail)):
            continue
        d = streaming.describe(rel)
        if isinstance(d, WindowTVF):
            windows.append((rel, d))
            continue
        if isinstance(d, TemporalJoin):
            joins.append((rel, d))
            continue
        if isinstance(d, ProcessingTime):
            below = source_of(rel.inputs_[0])
            if below is not None:
                proctimes.append(below[0])
            continue
        found = source_of(rel.inputs_[0]) if rel.inputs_ else None
        if found is None:
            continue
        read, chain = found
        if isinstance(d, streaming.Watermark) and id(read) not in marks:
            if d.time_column >= len(read.schema):
                raise UnsupportedError(
                    "Flink has no watermark on a processing-time column", rel.path
                )
            col = base_column(read, d.time_column)
            marks[id(read)] = Watermark(col, delay_interval(d.delay_micros, rel.path))
            free.add(id(read))
    for rel, d in windows:
        direct = source_of(rel.inputs_[0], through_proctime=True)
        traced = trace_column(rel.inputs_[0], d.time_column)
        if traced is None:
            continue
        read, col = traced
        chain = direct[1] if direct else _watermarks_below(rel.inputs_[0])
        if d.replay is not None:
            delay = d.replay.watermark_delay_micros
            arrived = trace_column(rel.inputs_[0], d.replay.arrival_column)
            arrival = arrived[1] if arrived and arrived[0] is read else None
        else:
            delay = chain[0].delay_micros if chain else 0
            arrival = None
        wm = Watermark(col, delay_interval(delay, rel.path), arrival, on_column=direct is None)
        marks[id(read)] = wm
        free.discard(id(read))
    for rel, d in joins:
        found_marks = _temporal_join_watermarks(rel, d)
        marks.update(found_marks)
        free.difference_update(found_marks)
    for read in proctimes:
        mark = marks.get(id(read))
        marks[id(read)] = replace(mark, proctime=True) if mark else Watermark(None, proctime=True)
    return _same_table_same_watermark(plan.root, marks, free)


def processing_time(tr: Any, r: ir.Extension, d: ProcessingTime) -> Frame:
    """The input plus a processing-time column: the source's computed ``_pb_pt AS
    PROCTIME()`` when the input reads a source (through watermarks), else ``PROCTIME()``
    in a projection."""
    found = source_of(r.inputs_[0])
    if found is None:
        inp = tr.rel(r.inputs_[0])
        alias = tr.alias()
        cols = [aliased(column(alias, col_name(i)), col_name(i)) for i in range(inp.width)]
        cols.append(aliased(exp.Anonymous(this="PROCTIME"), col_name(inp.width)))
        sel = exp.Select(expressions=cols).from_(subquery(inp.plain(tr.alias()), alias))
        return Frame(sel, inp.width + 1)
    read, _ = found
    source = tr.read_table(read)
    alias = tr.alias()
    table = exp.Table(
        this=exp.to_identifier(source.name, quoted=True),
        alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)),
    )
    frame = tr.read_source(read, table, [column(alias, n) for n, _ in source.columns])
    frame.query.append("expressions", aliased(column(alias, PROCTIME), col_name(frame.width)))
    return Frame(frame.query, frame.width + 1)


def event_time_order(call: ir.WindowCall) -> tuple[ir.FieldRef, bool] | None:
    """The millisecond timestamp column a window function orders by (ascending, alone),
    directly or cast to integer units (``over_time``), and whether it is cast; else None."""
    if len(call.order_by) != 1 or not call.order_by[0].direction.startswith("asc"):
        return None
    e, cast = call.order_by[0].expr, False
    if isinstance(e, ir.Cast) and T.kind(e.type) == "i64":
        e, cast = e.input, True
    if not isinstance(e, ir.FieldRef) or T.kind(e.type) != "precision_timestamp":
        return None
    return (e, cast) if e.type.precision_timestamp.precision == 3 else None


def window_calls(e: Any) -> list[ir.WindowCall]:
    """The window function calls in an expression tree."""
    if isinstance(e, ir.WindowCall):
        return [e]
    out: list[ir.WindowCall] = []
    if isinstance(e, ir.Expr):
        for f in dataclasses.fields(e):
            v = getattr(e, f.name)
            for item in v if isinstance(v, tuple) else (v,):
                if isinstance(item, ir.Expr):
                    out.extend(window_calls(item))
    return out


def over_watermarks(plan: ir.BoundPlan, marks: dict[int, Watermark]) -> dict[int, Watermark]:
    """Streaming OVER windows ordered by a source's millisecond event time: that column
    becomes the source's time attribute itself (Flink orders streaming OVER windows by a
    time attribute, and a computed rowtime would not reach the window's projection)."""
    projects = (r for r in relations(plan.root) if isinstance(r, ir.Project))
    for rel in projects:
        for call in (c for e in rel.expressions for c in window_calls(e)):
            # aggregates over a frame; ranking (top-N, dedup) keeps its own translation
            aggregate = call.frame in ("rows", "range") and call.name not in RANKING_FUNCTIONS
            found = event_time_order(call) if aggregate else None
            traced = trace_column(rel.input, found[0].index) if found else None
            if traced is None:
                continue
            read, col = traced
            chain = _watermarks_below(rel.input)
            if id(read) not in marks and not chain:
                continue  # no event time declared for this source
            delay = marks[id(read)].delay if id(read) in marks else None
            if delay is None:
                delay = delay_interval(chain[0].delay_micros, rel.path)
            marks[id(read)] = Watermark(col, delay, on_column=True)
    return marks


def join_side(rel: ir.Rel) -> tuple[ir.Read, list[int]] | None:
    """The source read under one side of a temporal join (through watermarks and column
    picks only) and the base column behind each of the side's output columns, or None."""
    node = rel
    while not isinstance(node, ir.Read):
        is_mark = isinstance(node, ir.Extension) and streaming.is_streaming(node.detail)
        if is_mark and not isinstance(streaming.describe(node), streaming.Watermark):
            return None
        if not (is_mark or isinstance(node, ir.Project)) or len(node.inputs()) != 1:
            return None
        node = node.inputs()[0]
    if isinstance(node, ir.ExtensionTableRead):
        return None
    traced = [trace_column(rel, i) for i in range(len(rel.schema))]
    if any(t is None or t[0] is not node for t in traced):
        return None
    return node, [t[1] for t in traced]  # type: ignore[index]


def _temporal_join_watermarks(rel: ir.Extension, d: TemporalJoin) -> dict[int, Watermark]:
    """Event time on both sides of a temporal join; the versioned side keyed by the join keys."""
    out: dict[int, Watermark] = {}
    for side, time_col, key in (
        (0, d.left_time_column, ()),
        (1, d.right_time_column, d.right_keys),
    ):
        found = join_side(rel.inputs_[side])
        if found is None:
            continue  # the translation says why
        read, cols = found
        chain = _watermarks_below(rel.inputs_[side])
        delay = chain[0].delay_micros if chain else 0
        out[id(read)] = Watermark(
            cols[time_col], delay_interval(delay, rel.path), primary_key=tuple(cols[k] for k in key)
        )
    return out


def temporal_join(tr: Any, r: ir.Extension, d: TemporalJoin) -> Frame:
    """``SELECT p.., v.. FROM probe p [LEFT] JOIN versioned FOR SYSTEM_TIME AS OF p._pb_rt AS v
    ON keys AND p.time IS NOT NULL`` (a null probe time matches no version)."""
    sides = [join_side(i) for i in r.inputs_]
    if sides[0] is None or sides[1] is None:
        raise UnsupportedError(
            "Flink temporal joins need both sides to read a source table directly (through "
            "watermarks and column picks only): FOR SYSTEM_TIME AS OF applies to a declared versioned table",
            r.path,
        )
    (probe, pbase), (versioned, vbase) = sides[0], sides[1]
    if versioned.filter is not None:
        raise UnsupportedError("a temporal join over a filtered versioned table", r.path)
    scopes = []
    tables = []
    for read, base, version in ((probe, pbase, None), (versioned, vbase, probe)):
        source = tr.read_table(read)
        alias = tr.alias()
        cols = [column(alias, n) for n, _ in source.columns]
        scopes.append((alias, cols, [cols[i] for i in base]))
        table = exp.Table(
            this=exp.to_identifier(source.name, quoted=True),
            alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)),
        )
        if version is not None:
            table.set(
                "version",
                exp.Version(
                    this="SYSTEM_TIME", kind="AS OF", expression=column(scopes[0][0], ROWTIME)
                ),
            )
        tables.append(table)
    (_, pcols, left), (_, _, right) = scopes
    conds: list[exp.Expression] = [
        exp.EQ(this=left[a].copy(), expression=right[b].copy())
        for a, b in zip(d.left_keys, d.right_keys, strict=True)
    ]
    conds.append(exp.Not(this=exp.Is(this=left[d.left_time_column].copy(), expression=exp.null())))
    sel = exp.Select(expressions=tr.passthrough(r, [c.copy() for c in left + right]))
    sel = sel.from_(tables[0], copy=False).join(
        tables[1],
        on=exp.and_(*conds),
        join_type="left" if d.type == "left" else None,
        copy=False,
    )
    if probe.filter is not None:
        sel = sel.where(tr.expr_in(probe.filter, pcols), copy=False)
    return Frame(sel, len(left) + len(right))


def _same_table_same_watermark(
    root: ir.Rel, marks: dict[int, Watermark], free: set[int]
) -> dict[int, Watermark]:
    """Every read of a named table with event time gets one watermark for that table, so
    all its reads share one declared source (Flink then scans it once and reuses it).

    Reads without a mark take the table's. A *free* read (its mark comes only from a
    watermark relation: its SQL does not refer to the computed rowtime) takes the mark a
    window over a derived relation put on the column itself, when column and delay agree:
    the same ``WATERMARK FOR col`` a hand-written table declares."""
    reads = [r for r in relations(root) if isinstance(r, ir.NamedTableRead)]

    def table(r: ir.NamedTableRead) -> Any:
        return (r.names, tuple(T.type_to_str(c.type) for c in r.base_schema))

    by_table = {table(r): marks[id(r)] for r in reads if id(r) in marks}
    on_column = {table(r): marks[id(r)] for r in reads if id(r) in marks and marks[id(r)].on_column}
    for r in reads:
        key = table(r)
        if id(r) not in marks and key in by_table:
            marks[id(r)] = by_table[key]
        own, shared = marks.get(id(r)), on_column.get(key)
        if id(r) in free and own is not None and shared is not None and _compatible(own, shared):
            marks[id(r)] = shared
    return marks


def _compatible(own: Watermark, shared: Watermark) -> bool:
    """Whether a watermark relation's mark means what ``shared`` (on the column) declares."""
    plain = own.arrival is None and not own.primary_key and not own.on_column
    same = own.column == shared.column and own.delay == shared.delay
    return plain and same and shared.arrival is None


def _watermarks_below(rel: ir.Rel) -> list[streaming.Watermark]:
    """The watermark relations on the single-input path under ``rel``, nearest first."""
    out = []
    while rel.inputs():
        if isinstance(rel, ir.Extension) and streaming.is_streaming(rel.detail):
            d = streaming.decode(rel.detail, rel.path)
            if isinstance(d, streaming.Watermark):
                out.append(d)
        if len(rel.inputs()) != 1:
            break
        rel = rel.inputs()[0]
    return out


def window_tvf(tr: Any, r: ir.Extension, d: WindowTVF) -> Frame:
    """``SELECT cols, window_start, window_end, window_time FROM TABLE(<KIND>(TABLE src ..))``."""
    found = source_of(r.inputs_[0], through_proctime=True)
    if found is None:
        return derived_window_tvf(tr, r, d)
    read, _ = found
    width = len(read.schema)
    has_pt = len(r.inputs_[0].schema) > width  # a processing-time column follows the read's
    on_pt = has_pt and d.time_column == width
    if d.kind == "session" and read.filter is not None:
        raise UnsupportedError("a session window over a filtered read", r.path)
    source = tr.read_table(read)
    names = [name for name, _ in source.columns]
    dialect = tr.dialect
    table_arg = "TABLE " + exp.to_identifier(source.name, quoted=True).sql(dialect=dialect)
    if d.kind == "session" and d.partition_keys:
        keys = [
            exp.to_identifier(names[base_column(read, k)], quoted=True).sql(dialect=dialect)
            for k in d.partition_keys
        ]
        table_arg += f" PARTITION BY ({', '.join(keys)})"
    args: list[exp.Expression] = [
        exp.Var(this=table_arg),
        exp.Anonymous(
            this="DESCRIPTOR",
            expressions=[exp.column(PROCTIME if on_pt else ROWTIME, quoted=True)],
        ),
        *_sizes(d, r.path),
    ]
    alias = tr.alias()
    cols: list[exp.Expression] = [column(alias, n) for n in names]
    frame = tr.read_source(read, _tvf_table(d, args, alias), cols)
    sel = frame.query
    if has_pt:
        sel.append("expressions", aliased(column(alias, PROCTIME), col_name(frame.width)))
    if not on_pt:
        time_col = column(alias, names[base_column(read, d.time_column)])
        sel = sel.where(exp.Not(this=exp.Is(this=time_col, expression=exp.null())), copy=False)
    return _with_window_columns(sel, alias, frame.width + has_pt)


def derived_window_tvf(tr: Any, r: ir.Extension, d: WindowTVF) -> Frame:
    """A window over a derived relation (filters, projections of a source): the TVF reads
    the translated input as a subquery; the event-time column is the source's own column,
    declared the time attribute (millisecond precision, not null) in its DDL, or a
    processing-time column (``PROCTIME()``, a time attribute wherever it is added)."""
    proctime = is_processing_time(r.inputs_[0], d.time_column)
    if not proctime and trace_column(r.inputs_[0], d.time_column) is None:
        raise UnsupportedError(
            "Flink windows need their time column to come unchanged from a source table "
            "or a processing-time column (through filters and projections)",
            r.path,
        )
    inp = tr.rel(r.inputs_[0])
    table_arg: exp.Expression = exp.Subquery(this=inp.plain(tr.alias()))
    if d.kind == "session" and d.partition_keys:
        # ``(SELECT ..) PARTITION BY (keys)``: sqlglot has no node for a partitioned table
        # argument; the text is generated from the subquery and quoted identifiers.
        keys = ", ".join(
            exp.to_identifier(col_name(k), quoted=True).sql(dialect=tr.dialect)
            for k in d.partition_keys
        )
        text = table_arg.sql(dialect=tr.dialect)
        table_arg = exp.Var(this=f"{text} PARTITION BY ({keys})")
    args: list[exp.Expression] = [
        table_arg,
        exp.Anonymous(
            this="DESCRIPTOR", expressions=[exp.column(col_name(d.time_column), quoted=True)]
        ),
        *_sizes(d, r.path),
    ]
    alias = tr.alias()
    cols = [aliased(column(alias, col_name(i)), col_name(i)) for i in range(inp.width)]
    sel = exp.Select(expressions=cols).from_(_tvf_table(d, args, alias), copy=False)
    return _with_window_columns(sel, alias, inp.width)


def _sizes(d: WindowTVF, path: str) -> list[exp.Expression]:
    if d.kind == "tumble":
        sizes = [d.size_micros]
    elif d.kind in ("hop", "cumulate"):
        sizes = [d.slide_micros, d.size_micros]
    else:
        sizes = [d.gap_micros]
    out = [delay_interval(s, path) for s in sizes]
    if d.offset_micros and d.kind != "session":
        out.append(delay_interval(d.offset_micros, path))
    return out


def _tvf_table(d: WindowTVF, args: list[exp.Expression], alias: str) -> exp.Table:
    return exp.Table(
        this=exp.Anonymous(
            this="TABLE", expressions=[exp.Anonymous(this=_TVF[d.kind], expressions=args)]
        ),
        alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)),
    )


def _with_window_columns(sel: exp.Select, alias: str, width: int) -> Frame:
    for i, name in enumerate(streaming.WINDOW_COLUMNS):
        sel.append("expressions", aliased(column(alias, name), col_name(width + i)))
    return Frame(sel, width + 3)
