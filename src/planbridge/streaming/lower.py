"""Rewrite planbridge's streaming extension relations into standard Substrait.

``lower_plan(plan)`` returns a plan with the same batch meaning (bounded input; with a
``Replay``, the replayed streaming meaning) that any Substrait consumer can run. Times are
handled as whole units of the time column's precision (``cast`` to ``i64`` and back, the
Arrow meaning of that cast), so window arithmetic is plain integer arithmetic.
See docs/streaming-semantics.md for what each rewrite computes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from google.protobuf.message import Message
from substrait import algebra_pb2 as stalg
from substrait import type_pb2 as stt

from planbridge.consumer.expressions import Context
from planbridge.consumer.functions import resolve_functions
from planbridge.consumer.relations import bind_rel
from planbridge.errors import PlanError, PlanValidationError, UnsupportedError
from planbridge.plan import Plan
from planbridge.streaming import relations as R
from planbridge.streaming import sbuild as B
from planbridge.streaming.fuse import session_aggregate
from planbridge.streaming.relations import ProcessingTime, TemporalJoin, Watermark, WindowTVF

E = stalg.Expression
_EXTENSIONS = ("extension_leaf", "extension_single", "extension_multi")


def lower_plan(
    plan: Plan, now: dt.datetime | None = None, *, keep_replayed_sessions: bool = False
) -> Plan:
    """A copy of ``plan`` with every streaming extension relation rewritten to standard rels.

    ``now`` is the bounded meaning of processing time (default: the wall clock now, when
    the plan is lowered, i.e. when ``planbridge.execute`` starts the query), truncated to
    milliseconds; every row of every processing-time column gets it. Session windows with
    a Replay have no standard form: they are refused, or with ``keep_replayed_sessions``
    (for planbridge's SQL engines, which run them) kept as they are over lowered inputs.
    """
    proto = type(plan.proto)()
    proto.CopyFrom(plan.proto)
    try:
        _Lowering(proto, now_millis(now), keep_replayed_sessions).run()
    except PlanError:
        raise
    except RecursionError:
        raise PlanValidationError("plan nests relations too deeply to lower") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise PlanValidationError(f"plan is malformed: {type(exc).__name__}: {exc}") from None
    return Plan(proto)


def now_millis(now: dt.datetime | None = None) -> int:
    """Milliseconds since the epoch of ``now`` (default: the wall clock), rounded down."""
    if now is None:
        now = dt.datetime.now(dt.UTC)
    elif now.tzinfo is None:
        raise PlanValidationError("processing time 'now' must be a zone-aware datetime")
    return (now - _EPOCH) // dt.timedelta(milliseconds=1)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def has_streaming_relations(plan: Plan) -> bool:
    """Whether any relation of ``plan`` is a planbridge streaming extension relation."""
    found: list[bool] = []

    def visit(msg: Message) -> None:
        for fd, value in msg.ListFields():
            if fd.type != fd.TYPE_MESSAGE:
                continue
            for item in value if fd.is_repeated else [value]:
                if isinstance(item, stalg.Rel):
                    kind = item.WhichOneof("rel_type")
                    if kind in _EXTENSIONS and getattr(item, kind).detail.type_url in R.DETAILS:
                        found.append(True)
                        return
                visit(item)

    visit(plan.proto)
    return bool(found)


class _Lowering:
    def __init__(self, proto: Any, now_ms: int, keep_replayed_sessions: bool = False) -> None:
        self.proto = proto
        self.now_ms = now_ms
        self.keep_replayed_sessions = keep_replayed_sessions
        self.ctx = Context(functions=resolve_functions(proto), bind_rel=bind_rel)
        self.ctx.subtrees = [r.rel for r in proto.relations]
        self.f = B.Functions(proto, self.ctx.functions)

    def run(self) -> None:
        for i, prel in enumerate(self.proto.relations):
            self._walk(prel, f"relations[{i}]")

    def _walk(self, msg: Message, path: str) -> None:
        for fd, value in msg.ListFields():
            if fd.type != fd.TYPE_MESSAGE:
                continue
            if fd.is_repeated:
                for i, item in enumerate(value):
                    self._visit(item, f"{path}.{fd.name}[{i}]")
            else:
                self._visit(value, f"{path}.{fd.name}")

    def _visit(self, msg: Message, path: str) -> None:
        if not isinstance(msg, stalg.Rel):
            self._walk(msg, path)
            return
        kind = msg.WhichOneof("rel_type")
        if kind == "aggregate":
            fused = session_aggregate(self, msg, path)
            if fused is not None:
                msg.CopyFrom(fused)
                return
        body = getattr(msg, kind) if kind else None
        if kind not in _EXTENSIONS or body.detail.type_url not in R.DETAILS:
            self._walk(msg, path)
            return
        here = f"{path}.{kind}"
        self._walk(body, here)  # lower the inputs first
        detail = R.DETAILS[body.detail.type_url].from_any(body.detail, f"{here}.detail")
        inputs = [body.input] if kind == "extension_single" else list(getattr(body, "inputs", []))
        types = [self._types(x, f"{here}.input") for x in inputs]
        detail.check(types, here)  # type: ignore[arg-type]
        if self.keep_replayed_sessions and R.is_replayed_session(detail):
            return  # the engine runs it (engines/sql/session_replay.py) over lowered inputs
        new = _HANDLERS[type(detail)](self, detail, inputs, types, here)
        if body.HasField("common") and body.common.WhichOneof("emit_kind") == "emit":
            new = B.project(new, [], list(body.common.emit.output_mapping))
        msg.CopyFrom(new)

    def units(self, precision: int) -> _Units:
        return _Units(precision)

    def _types(self, rel: stalg.Rel, path: str) -> tuple[stt.Type, ...]:
        return tuple(c.type for c in bind_rel(rel, path, self.ctx).schema)

    # -- handlers ---------------------------------------------------------------------
    def watermark(
        self, d: Watermark, inputs: list[stalg.Rel], types: list[tuple[stt.Type, ...]], path: str
    ) -> stalg.Rel:
        """Bounded input: a watermark changes nothing; the relation is its input."""
        return inputs[0]

    def processing_time(
        self,
        d: ProcessingTime,
        inputs: list[stalg.Rel],
        types: list[tuple[stt.Type, ...]],
        path: str,
    ) -> stalg.Rel:
        """Bounded input: one instant (the query's start) for every row."""
        lit = E(
            literal=E.Literal(
                precision_timestamp_tz=E.Literal.PrecisionTimestamp(precision=3, value=self.now_ms)
            )
        )
        return B.project(inputs[0], [lit])

    def window(
        self, d: WindowTVF, inputs: list[stalg.Rel], types: list[tuple[stt.Type, ...]], path: str
    ) -> stalg.Rel:
        f = self.f
        cols = types[0]
        n = len(cols)
        t = cols[d.time_column]
        if d.kind == "session" and d.replay is not None:
            raise UnsupportedError(
                "session windows with a Replay (arrival order, late rows dropped) have no "
                "standard-Substrait lowering: whether a late row is kept depends on which "
                "sessions are still open, a sequential merge with no relational form (see "
                "docs/streaming-semantics.md); run the plan itself (planbridge.execute on "
                "DuckDB, DataFusion or Flink), or drop the replay for the bounded meaning",
                path,
            )
        units = _Units(R.precision(t))
        rel = B.filter_(inputs[0], f.is_not_null(B.field(d.time_column)))
        x = B.cast(B.field(d.time_column), B.i64())
        rel = B.project(rel, [f.millis_floor(x, R.precision(t)) if d.kind == "session" else x])
        x, width = B.field(n), n + 1
        wm = None
        if d.replay is not None:
            seen = f.window(
                B.ARITH,
                "max:i64",
                [x],
                B.i64(True),
                order=[B.field(d.replay.arrival_column)],
                upper=B.preceding(1),
            )
            rel = B.project(rel, [f.sub(seen, B.lit(units(d.replay.watermark_delay_micros)))])
            wm, width = B.field(width), width + 1
        rel, width = _ASSIGN[d.kind](self, d, rel, x, width, units)
        ws, we = B.field(width - 2), B.field(width - 1)
        last = f.sub(we, B.lit(units(R.WINDOW_TIME_LAG_MICROS)))
        if wm is not None:
            rel = B.filter_(rel, f.or_(f.is_null(wm), f.cmp("gt", last, wm)))
        wt = R.window_column_type(t)
        rel = B.project(
            rel,
            [B.cast(ws, wt), B.cast(we, wt), B.cast(last, wt)],
            emit=[*range(n), width, width + 1, width + 2],
        )
        return rel

    def tumble(
        self, d: WindowTVF, rel: stalg.Rel, x: E, width: int, u: _Units
    ) -> tuple[stalg.Rel, int]:
        f, size = self.f, u(d.size_micros)
        start = f.sub(x, f.floor_mod(_minus(f, x, u(d.offset_micros)), size))
        return B.project(rel, [start, f.add(start, B.lit(size))]), width + 2

    def hop(
        self, d: WindowTVF, rel: stalg.Rel, x: E, width: int, u: _Units
    ) -> tuple[stalg.Rel, int]:
        f, size, slide = self.f, u(d.size_micros), u(d.slide_micros)
        rel = B.cross(rel, B.int_table("_pb_k", range(d.size_micros // d.slide_micros)))
        k = B.field(width)
        last_start = f.sub(x, f.floor_mod(_minus(f, x, u(d.offset_micros)), slide))
        start = f.sub(last_start, f.mul(k, B.lit(slide)))
        return B.project(rel, [start, f.add(start, B.lit(size))]), width + 3

    def cumulate(
        self, d: WindowTVF, rel: stalg.Rel, x: E, width: int, u: _Units
    ) -> tuple[stalg.Rel, int]:
        f, size, step = self.f, u(d.size_micros), u(d.slide_micros)
        rel = B.cross(rel, B.int_table("_pb_j", range(1, d.size_micros // d.slide_micros + 1)))
        j = B.field(width)
        start = f.sub(x, f.floor_mod(_minus(f, x, u(d.offset_micros)), size))
        rel = B.project(rel, [start, f.add(start, f.mul(j, B.lit(step)))])
        return B.filter_(rel, f.cmp("gt", B.field(width + 2), x)), width + 3

    def session(
        self, d: WindowTVF, rel: stalg.Rel, x: E, width: int, u: _Units
    ) -> tuple[stalg.Rel, int]:
        """Sessions with one ordering per key (the engine sorts once): a row starts a session
        when the previous row is more than ``gap`` before it and ends one when the next row
        is more than ``gap`` after it; a row's session starts at the latest start at or
        before it and ends at the earliest end at or after it (plus gap). RANGE frames
        make tied times agree."""
        f, gap = self.f, u(d.gap_micros)
        keys = [B.field(k) for k in d.partition_keys]
        prev = f.window(B.ARITH, "lag:any", [x], B.i64(True), keys, [x])
        nxt = f.window(B.ARITH, "lead:any", [x], B.i64(True), keys, [x])
        rel = B.project(rel, [prev, nxt])
        prev, nxt = B.field(width), B.field(width + 1)
        starts = f.or_(f.is_null(prev), f.cmp("gt", f.sub(x, prev), B.lit(gap)))
        ends = f.or_(f.is_null(nxt), f.cmp("gt", f.sub(nxt, x), B.lit(gap)))
        rel = B.project(
            rel,
            [B.if_then(starts, x, B.lit(-_FAR)), B.if_then(ends, x, B.lit(_FAR))],
        )
        first = f.window(B.ARITH, "max:i64", [B.field(width + 2)], B.i64(True), keys, [x], "range")
        last = f.window(
            B.ARITH,
            "min:i64",
            [B.field(width + 3)],
            B.i64(True),
            keys,
            [x],
            "range",
            lower=B.current_row(),
            upper=B.unbounded_following(),
        )
        rel = B.project(rel, [first, f.add(last, B.lit(gap))])
        return rel, width + 6

    def temporal_join(
        self, d: TemporalJoin, inputs: list[stalg.Rel], types: list[tuple[stt.Type, ...]], path: str
    ) -> stalg.Rel:
        f = self.f
        nl, nr = len(types[0]), len(types[1])
        version = B.field(d.right_time_column)
        rt = types[1][d.right_time_column]
        nxt = f.window(
            B.ARITH,
            "lead:any",
            [version],
            _nullable(rt),
            [B.field(k) for k in d.right_keys],
            [version],
        )
        right = B.project(inputs[1], [nxt])
        probe = B.field(d.left_time_column)
        cond = f.and_(
            *[
                f.cmp("equal", B.field(a), B.field(nl + b))
                for a, b in zip(d.left_keys, d.right_keys, strict=True)
            ],
            f.cmp("lte", B.field(nl + d.right_time_column), probe),
            f.or_(f.is_null(B.field(nl + nr)), f.cmp("lt", probe, B.field(nl + nr))),
        )
        return B.join(inputs[0], right, cond, d.type, emit=list(range(nl + nr)))


_FAR = 1 << 62  # beyond any time in any unit (2^62 us is ~146,000 years)


class _Units:
    """Converts microseconds to whole units of a timestamp precision (checked exact)."""

    def __init__(self, precision: int) -> None:
        self.precision = precision

    def __call__(self, micros: int) -> int:
        return R.to_units(micros, self.precision)


def _minus(f: B.Functions, x: E, units: int) -> E:
    return x if units == 0 else f.sub(x, B.lit(units))


def _nullable(t: stt.Type) -> stt.Type:
    out = stt.Type()
    out.CopyFrom(t)
    getattr(out, out.WhichOneof("kind")).nullability = B.NULLABLE
    return out


_ASSIGN: dict[str, Callable[..., tuple[stalg.Rel, int]]] = {
    "tumble": _Lowering.tumble,
    "hop": _Lowering.hop,
    "cumulate": _Lowering.cumulate,
    "session": _Lowering.session,
}
_HANDLERS: dict[type, Callable[..., stalg.Rel]] = {
    Watermark: _Lowering.watermark,
    ProcessingTime: _Lowering.processing_time,
    WindowTVF: _Lowering.window,
    TemporalJoin: _Lowering.temporal_join,
}

__all__: Sequence[str] = ["has_streaming_relations", "lower_plan"]
