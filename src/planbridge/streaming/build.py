"""Building streaming relations on substrait-python plans (used by the dataframe verbs).

Each function takes and returns a substrait-python ``UnboundPlan`` (or ``Plan``); columns
are given by name or ordinal and durations as ``datetime.timedelta`` or whole
microseconds. The streaming relations are registered with the building registry, so
substrait-python's type inference sees through them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from substrait import plan_pb2 as stp
from substrait import type_pb2 as stt
from substrait.builders import plan as sb
from substrait.type_inference import infer_plan_schema

from planbridge import types as T
from planbridge.errors import PlanBuildError
from planbridge.streaming.relations import (
    DETAILS,
    ProcessingTime,
    Replay,
    TemporalJoin,
    Watermark,
    WindowTVF,
)

Column = str | int
Duration = dt.timedelta | int


def ensure_registered(registry: Any) -> Any:
    """Register the streaming relations with ``registry`` unless it already knows them."""
    for url, cls in DETAILS.items():
        if registry.lookup_extension_relation(url) is None:
            registry.register_extension_relation(cls)
    return registry


def micros(value: Duration | Any, what: str = "duration") -> int:
    """Whole microseconds of a timedelta, an int, or an object with ``to_timedelta()``."""
    if hasattr(value, "to_timedelta"):
        value = value.to_timedelta()
    if isinstance(value, dt.timedelta):
        us = value // dt.timedelta(microseconds=1)
        if dt.timedelta(microseconds=us) != value:
            raise PlanBuildError(f"{what} {value} is finer than a microsecond")
        return us
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise PlanBuildError(f"{what} must be a datetime.timedelta or microseconds, not {value!r}")


def schema(plan: Any, registry: Any) -> tuple[list[str], list[stt.Type], stp.Plan]:
    """Top-level column names and types of a plan, and the resolved plan."""
    ensure_registered(registry)
    bound = plan(registry) if callable(plan) else plan
    struct = infer_plan_schema(bound, registry=registry).struct
    names = list(bound.relations[-1].root.names)
    top, pos = [], 0
    for t in struct.types:
        top.append(names[pos])
        pos += T.count_names(t)
    return top, list(struct.types), bound


def index(names: Sequence[str], col: Column, what: str = "column") -> int:
    """The ordinal of ``col`` (a name or an ordinal) among ``names``."""
    if isinstance(col, int) and not isinstance(col, bool):
        if 0 <= col < len(names):
            return col
        raise PlanBuildError(f"{what} {col} is out of range ({len(names)} columns)")
    if col not in names:
        raise PlanBuildError(f"{what} {col!r} is not a column; columns: {list(names)}")
    return list(names).index(col)


def _single(
    plan: Any, make: Callable[[list[str], list[stt.Type]], Any]
) -> Callable[[Any], stp.Plan]:
    def resolve(registry: Any) -> stp.Plan:
        names, types, bound = schema(plan, registry)
        detail = make(names, types)
        rel_names = bound.relations[-1].root.names
        detail = replace(detail, input_names=tuple(rel_names))
        detail.check([tuple(types)], "detail")
        return sb.extension_single(bound, detail)(registry)

    return resolve


def watermark(plan: Any, time: Column, delay: Duration = 0) -> Callable[[Any], stp.Plan]:
    """Declare ``time`` the event-time attribute, watermark = max time seen - ``delay``."""
    return _single(
        plan, lambda names, types: Watermark(index(names, time, "time column"), micros(delay))
    )


def processing_time(plan: Any, name: str) -> Callable[[Any], stp.Plan]:
    """Add the processing-time column ``name`` (precision_timestamp_tz<3>, not null)."""

    def make(names: list[str], types: list[stt.Type]) -> ProcessingTime:
        if not isinstance(name, str) or not name:
            raise PlanBuildError(
                f"processing-time column name must be a non-empty string, not {name!r}"
            )
        if name in names:
            raise PlanBuildError(f"processing-time column {name!r} is already a column")
        return ProcessingTime(name)

    return _single(plan, make)


def window(
    plan: Any,
    kind: str,
    time: Column,
    *,
    size: Duration = 0,
    slide: Duration = 0,
    offset: Duration = 0,
    gap: Duration = 0,
    keys: Sequence[Column] = (),
    arrival: Column | None = None,
    watermark_delay: Duration | None = None,
) -> Callable[[Any], stp.Plan]:
    """A windowing table function (tumble, hop, cumulate, session) over ``plan``.

    ``arrival`` asks for the replayed streaming meaning: rows in that column's order, late
    rows dropped relative to a watermark with ``watermark_delay`` (default: the delay of
    the input's ``with_watermark``, else 0).
    """

    def make(names: list[str], types: list[stt.Type]) -> WindowTVF:
        replay = None
        if arrival is not None:
            delay = watermark_delay
            if delay is None:
                delay = 0
            replay = Replay(index(names, arrival, "arrival column"), micros(delay))
        return WindowTVF(
            kind,  # type: ignore[arg-type]
            index(names, time, "time column"),
            micros(size, "size"),
            micros(slide, "slide"),
            micros(offset, "offset"),
            micros(gap, "gap"),
            tuple(index(names, k, "partition key") for k in keys),
            replay,
        )

    return _single(plan, make)


def temporal_join(
    left: Any,
    right: Any,
    left_time: Column,
    right_time: Column,
    left_keys: Sequence[Column],
    right_keys: Sequence[Column],
    how: str = "inner",
) -> Callable[[Any], stp.Plan]:
    """Join each ``left`` row with the ``right`` version valid at its event time."""
    if how not in ("inner", "left"):
        raise PlanBuildError(f"a temporal join is inner or left, not {how!r}")

    def resolve(registry: Any) -> stp.Plan:
        ln, lt, lb = schema(left, registry)
        rn, rt, rb = schema(right, registry)
        detail = TemporalJoin(
            index(ln, left_time, "left time column"),
            index(rn, right_time, "right time column"),
            tuple(index(ln, k, "left key") for k in left_keys),
            tuple(index(rn, k, "right key") for k in right_keys),
            how,  # type: ignore[arg-type]
            input_names=(*lb.relations[-1].root.names, *rb.relations[-1].root.names),
        )
        detail.check([tuple(lt), tuple(rt)], "detail")
        return sb.extension_multi([lb, rb], detail)(registry)

    return resolve
