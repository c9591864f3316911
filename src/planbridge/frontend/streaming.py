"""Streaming verbs mixed into :class:`planbridge.frontend.table.Table`.

Event time and watermarks, windowing table functions (tumble, hop, cumulate, session) and
what people do with windows (aggregation, top-N, deduplication, window joins), interval
joins, over-aggregations with a time range, deduplication per key, temporal joins and sinks.
Standard Substrait wherever it can say it; planbridge's streaming extension relations
(``planbridge.streaming``) otherwise. Semantics: docs/streaming-semantics.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from substrait import type_pb2 as stt

from planbridge.errors import PlanBuildError
from planbridge.registry import registry
from planbridge.streaming import build
from planbridge.streaming.relations import WINDOW_COLUMNS, precision

if TYPE_CHECKING:
    from planbridge.frontend.expr import Expr
    from planbridge.frontend.table import Table

build.ensure_registered(registry())
_RN = "_pb_row_number"


def duration(value: Any, what: str = "duration") -> dt.timedelta:
    """A timedelta from a timedelta, whole microseconds, or a ``pb.interval(...)`` literal."""
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.timedelta(microseconds=value)
    unbound = getattr(value, "_unbound", None)
    if unbound is not None:
        lit = unbound(stt.NamedStruct(), registry()).referred_expr[0].expression.literal
        if lit.WhichOneof("literal_type") == "interval_day_to_second":
            iv = lit.interval_day_to_second
            sub = iv.subseconds * 10**6 // 10**iv.precision if iv.precision else 0
            return dt.timedelta(days=iv.days, seconds=iv.seconds, microseconds=sub)
    raise PlanBuildError(
        f"{what} must be a datetime.timedelta, microseconds or pb.interval(days..microseconds), "
        f"not {value!r}"
    )


def name_of(col: Any) -> str:
    name = col if isinstance(col, str) else getattr(col, "name", None)
    if not isinstance(name, str):
        raise PlanBuildError(f"expected a column name or column, not {col!r}")
    return name


def names_of(cols: Any) -> list[str]:
    if cols is None:
        return []
    items = cols if isinstance(cols, list | tuple) else [cols]
    return [name_of(c) for c in items]


class StreamingVerbs:
    """Streaming verbs of a Table (event time, watermarks, windows, stream joins, sinks)."""

    # -- event time ---------------------------------------------------------------------
    def with_watermark(self: Any, time: Any, delay: Any = None) -> Table:
        """Make ``time`` the event-time attribute; watermark = max(time) - ``delay``."""
        d = duration(0 if delay is None else delay, "watermark delay")
        out = self._derive(build.watermark(self._unbound, name_of(time), d))
        object.__setattr__(out, "_pb_event_time", (name_of(time), d))
        return out

    def with_processing_time(self: Any, name: str = "proctime") -> Table:
        """Add the processing-time column ``name`` (precision_timestamp_tz<3>): Flink's
        ``PROCTIME()``; on batch engines the time the query starts, the same for every row."""
        out = self._derive(build.processing_time(self._unbound, name))
        event = self._event_time()
        if event is not None:
            object.__setattr__(out, "_pb_event_time", event)
        return out

    def _event_time(self: Any) -> tuple[str, dt.timedelta] | None:
        return self.__dict__.get("_pb_event_time")

    def window_by(self: Any, time: Any = None, *, arrival: Any = None) -> WindowBy:
        """Window this table by event time ``time`` (default: its watermarked column).

        ``arrival`` names a column giving the order rows arrived in: the windows then get
        the replayed streaming meaning (late rows dropped as Flink drops them).
        """
        event = self._event_time()
        if time is None:
            if event is None:
                raise PlanBuildError("window_by(): name the time column (no with_watermark)")
            time = event[0]
        return WindowBy(self, name_of(time), None if arrival is None else name_of(arrival))

    # -- stream-friendly standard relations -----------------------------------------------
    def interval_join(
        self: Any,
        right: Table,
        on: Any,
        left_time: Any,
        right_time: Any,
        lower: Any,
        upper: Any,
        how: str = "inner",
    ) -> Table:
        """Join rows whose ``right_time`` lies in [left_time - lower, left_time + upper]."""
        lt, rt = self[name_of(left_time)], right[name_of(right_time)]
        lo = _ts_shift(lt, -_micros(lower, "lower"))
        hi = _ts_shift(lt, _micros(upper, "upper"))
        keys = join_keys(self, right, on)
        return self.join(right, [*keys, rt >= lo, rt <= hi], how)

    def over_time(
        self: Any,
        time: Any,
        preceding: Any,
        group_by: Any = None,
        **aggregates: Expr,
    ) -> Table:
        """Add each aggregate over the rows of the same group whose time is in
        [time - preceding, time] (``RANGE BETWEEN INTERVAL .. PRECEDING AND CURRENT ROW``)."""
        t = self[name_of(time)]
        units = _units(self.schema[name_of(time)], _micros(preceding, "preceding"))
        order = t.cast("int64")
        groups = [self[g] for g in names_of(group_by)] or None
        cols = {
            n: e.over(group_by=groups, order_by=order, range=(-units, 0))
            for n, e in aggregates.items()
        }
        return self.mutate(**cols)

    def over_rows(
        self: Any, time: Any, preceding: int, group_by: Any = None, **aggregates: Expr
    ) -> Table:
        """Add each aggregate over the current row and ``preceding`` rows before it in time."""
        order = self[name_of(time)]
        groups = [self[g] for g in names_of(group_by)] or None
        cols = {
            n: e.over(group_by=groups, order_by=order, rows=(-preceding, 0))
            for n, e in aggregates.items()
        }
        return self.mutate(**cols)

    def dedup(self: Any, by: Any, time: Any, keep: str = "first") -> Table:
        """One row per key: the first (or last) by event time."""
        return first_per(self, [self[k] for k in names_of(by)], name_of(time), keep, 1)

    def temporal_join(
        self: Any,
        versioned: Table,
        on: Any,
        time: Any,
        version_time: Any,
        how: str = "inner",
        rname: str = "{name}_right",
    ) -> Table:
        """Join each row with the ``versioned`` row of its key valid at ``time``
        (``FOR SYSTEM_TIME AS OF``): the greatest ``version_time`` <= ``time``."""
        pairs = [
            (p, p) if isinstance(p, str) else (name_of(p[0]), name_of(p[1])) for p in _as_list(on)
        ]
        if not pairs:
            raise PlanBuildError("temporal_join(): give the key column(s) in on=")
        left_names = set(self.schema)
        right = (
            versioned.rename({n: rname.format(name=n) for n in versioned.schema if n in left_names})
            if any(n in left_names for n in versioned.schema)
            else versioned
        )
        renamed = {n: rname.format(name=n) if n in left_names else n for n in versioned.schema}
        unbound = build.temporal_join(
            self._unbound,
            right._unbound,
            name_of(time),
            renamed[name_of(version_time)],
            [a for a, _ in pairs],
            [renamed[b] for _, b in pairs],
            how,
        )
        return self._derive(unbound)

    # -- sinks --------------------------------------------------------------------------
    def insert_into(self: Any, name: str | Sequence[str]) -> Table:
        """Write this table's rows into the named table (a Substrait WriteRel)."""
        from substrait.builders import plan as sb

        from planbridge.frontend.types import named_struct

        names = [name] if isinstance(name, str) else list(name)
        unbound = sb.write_named_table(names, self._unbound)
        table = type(self)(unbound, self.schema)
        object.__setattr__(table, "_pb_sink", (tuple(names), named_struct(self.schema)))
        return table

    to_sink = insert_into


class WindowBy:
    """``t.window_by(time)``: choose tumble, hop, cumulate or session windows."""

    def __init__(self, table: Table, time: str, arrival: str | None) -> None:
        self._table, self._time, self._arrival = table, time, arrival

    def _apply(self, kind: str, **kw: Any) -> Any:
        t: Any = self._table
        delay = None
        if self._arrival is not None:
            event = t._event_time()
            delay = event[1] if event else dt.timedelta(0)
        unbound = build.window(
            t._unbound, kind, self._time, arrival=self._arrival, watermark_delay=delay, **kw
        )
        out = t._derive(unbound)
        from planbridge.frontend.windowed import WindowedTable

        return WindowedTable(out._unbound, out.schema, out._lineage, out._free_tables)

    def tumble(self, size: Any, offset: Any = 0) -> Any:
        """Fixed, non-overlapping windows of ``size`` starting at ``offset`` + k * size."""
        return self._apply("tumble", size=duration(size), offset=duration(offset))

    def hop(self, size: Any, slide: Any, offset: Any = 0) -> Any:
        """Windows of ``size`` starting every ``slide`` (size a whole multiple of slide)."""
        return self._apply(
            "hop", size=duration(size), slide=duration(slide), offset=duration(offset)
        )

    def cumulate(self, step: Any, size: Any, offset: Any = 0) -> Any:
        """Windows with a common start every ``size``, ending every ``step`` within it."""
        return self._apply(
            "cumulate", size=duration(size), slide=duration(step), offset=duration(offset)
        )

    def session(self, gap: Any, by: Any = None) -> Any:
        """Sessions per key of ``by``: rows closer than ``gap`` (or exactly gap) merge."""
        return self._apply("session", gap=duration(gap), keys=names_of(by))


def time_of(t: Any) -> str:
    for name, typ in t.schema.items():
        if name not in WINDOW_COLUMNS and typ.WhichOneof("kind") in (
            "precision_timestamp",
            "precision_timestamp_tz",
        ):
            return name
    raise PlanBuildError("dedup(): name the time column (time=...)")


def first_per(t: Any, keys: list[Any], time: str, keep: str, n: int) -> Table:
    from planbridge.frontend.expr import literal
    from planbridge.frontend.sorting import asc, desc
    from planbridge.frontend.window import row_number

    if keep not in ("first", "last"):
        raise PlanBuildError(f"dedup(keep={keep!r}): keep 'first' or 'last'")
    order = asc(t[time]) if keep == "first" else desc(t[time])
    rn = row_number().over(group_by=keys or None, order_by=[order])
    marked = t.mutate(**{_RN: rn})
    return marked.filter(marked[_RN] <= literal(n, "int64")).drop(_RN)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def join_keys(left: Any, right: Any, on: Any) -> list[Any]:
    out = []
    for item in _as_list(on) if not isinstance(on, tuple) or len(on) != 2 else [on]:
        if isinstance(item, str):
            out.append(left[item] == right[item])
        elif isinstance(item, tuple):
            out.append(left[name_of(item[0])] == right[name_of(item[1])])
        else:
            out.append(item)
    return out


def _micros(value: Any, what: str) -> int:
    return build.micros(duration(value, what), what)


def _units(t: stt.Type, micros: int) -> int:
    p = (
        precision(t)
        if t.WhichOneof("kind") in ("precision_timestamp", "precision_timestamp_tz")
        else -1
    )
    if p < 0:
        raise PlanBuildError("the time column must be a precision timestamp")
    return micros * 10**p // 10**6


def _ts_shift(ts: Any, micros: int) -> Any:
    """``ts +/- micros`` with an interval of the timestamp's own precision (the standard
    ``add``/``subtract`` take ``precision_timestamp<P>`` with ``interval_day<P>``)."""
    from substrait.builders import type as tb

    from planbridge.frontend.sources import _literal

    if micros == 0:
        return ts
    p = precision(ts.type) if ts.type.WhichOneof("kind") != "timestamp" else 6
    step = _literal(dt.timedelta(microseconds=abs(micros)), tb.interval_day(p, nullable=False))
    return ts + step if micros > 0 else ts - step
