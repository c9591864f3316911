"""Shared pieces of the streaming tests: event tables, plans, engines, a plain-Python model.

The model (``model_windows``, ``model_sessions``, ``model_replay``) is written straight
from docs/streaming-semantics.md with Python integers (microseconds), independent of the
lowering under test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from substrait import type_pb2 as stt
from substrait.builders import plan as sb
from substrait.builders.type import i64, precision_timestamp, precision_timestamp_tz, string

import planbridge
from planbridge.plan import Plan
from planbridge.registry import registry
from planbridge.streaming.build import ensure_registered

ENGINES = ("duckdb", "datafusion")
MS = 1000
SEC = 1_000_000
WINDOW_LAG = MS  # window_time = window_end - 1 ms

Row = tuple[str | None, int | None, int, int]  # key, event time (us), value, arrival


def reg() -> Any:
    return ensure_registered(registry())


def events(rows: Sequence[Row], tz: str | None = None) -> pa.Table:
    """An event table: k string, ts timestamp[us] (optionally zoned), v int64, arrival int64."""
    return pa.table(
        {
            "k": pa.array([r[0] for r in rows], pa.string()),
            "ts": pa.array([r[1] for r in rows], pa.timestamp("us", tz=tz)),
            "v": pa.array([r[2] for r in rows], pa.int64()),
            "arrival": pa.array([r[3] for r in rows], pa.int64()),
        }
    )


def source(tz: bool = False, precision: int = 6) -> Any:
    ts = precision_timestamp_tz(precision) if tz else precision_timestamp(precision)
    schema = stt.NamedStruct(
        names=["k", "ts", "v", "arrival"],
        struct=stt.Type.Struct(
            types=[string(), ts, i64(), i64()], nullability=stt.Type.NULLABILITY_REQUIRED
        ),
    )
    return sb.read_named_table("events", schema)


def plan(unbound: Any) -> Plan:
    return Plan(unbound(reg()))


def as_micros(table: pa.Table) -> list[dict[str, Any]]:
    """Rows as dicts with every timestamp turned into integer microseconds since the epoch."""
    cols = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            col = col.cast(pa.timestamp("us", tz=col.type.tz)).cast(pa.int64())
        cols[name] = col.to_pylist()
    return [dict(zip(cols, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]


def _key(row: dict[str, Any]) -> tuple:
    return tuple((v is None, v if v is not None else 0) for v in row.values())


def run(p: Plan, tables: dict[str, pa.Table], engine: str) -> list[dict[str, Any]]:
    return sorted(as_micros(planbridge.execute(p, engine, tables=tables)), key=_key)


def run_both(p: Plan, tables: dict[str, pa.Table]) -> list[dict[str, Any]]:
    """Run on every engine; the engines must agree row for row. Returns the sorted rows."""
    results = [run(p, tables, e) for e in ENGINES]
    for engine, rows in zip(ENGINES[1:], results[1:], strict=True):
        assert rows == results[0], f"{engine} disagrees with {ENGINES[0]}"
    return results[0]


# -- the plain-Python model ------------------------------------------------------------
def model_windows(
    kind: str, t: int, size: int = 0, slide: int = 0, offset: int = 0
) -> list[tuple[int, int]]:
    """The (start, end) windows holding event time ``t`` (tumble, hop, cumulate)."""
    if kind == "tumble":
        start = offset + (t - offset) // size * size
        return [(start, start + size)]
    if kind == "hop":
        out = []
        start = offset + (t - offset) // slide * slide
        while start + size > t:
            out.append((start, start + size))
            start -= slide
        return sorted(out)
    if kind == "cumulate":
        start = offset + (t - offset) // size * size
        return [
            (start, start + j * slide) for j in range(1, size // slide + 1) if start + j * slide > t
        ]
    raise ValueError(kind)


def model_sessions(times: list[int], gap: int) -> list[tuple[int, int]]:
    """Sessions of one key: windows [t, t + gap) merge when they overlap or touch."""
    out: list[list[int]] = []
    for t in sorted(times):
        if out and t <= out[-1][1]:
            out[-1][1] = max(out[-1][1], t + gap)
        else:
            out.append([t, t + gap])
    return [(a, b) for a, b in out]


def model_assign(rows: Sequence[Row], kind: str, **kw: int) -> list[tuple]:
    """(k, ts, v, window_start, window_end, window_time) for every row and window."""
    out = []
    if kind == "session":
        gap = kw["gap"]
        by_key: dict[Any, list[int]] = {}
        for k, t, _, _ in rows:  # sessions form on the time rounded down to the ms
            if t is not None:
                by_key.setdefault(k, []).append(t // MS * MS)
        sessions = {k: model_sessions(ts, gap) for k, ts in by_key.items()}
        for k, t, v, _ in rows:
            if t is None:
                continue
            (s, e) = next((s, e) for s, e in sessions[k] if s <= t // MS * MS < e)
            out.append((k, t, v, s, e, e - WINDOW_LAG))
        return sorted(out, key=_tuple_key)
    for k, t, v, _ in rows:
        if t is None:
            continue
        for s, e in model_windows(kind, t, **kw):
            out.append((k, t, v, s, e, e - WINDOW_LAG))
    return sorted(out, key=_tuple_key)


def model_replay(rows: Sequence[Row], kind: str, delay: int, **kw: int) -> list[tuple]:
    """Replay in arrival order: a row is dropped from each window that had fired on arrival.

    The watermark when a row arrives is max(event time of earlier arrivals) - delay; a
    window has fired when window_end - 1 ms <= watermark.
    """
    out = []
    seen: int | None = None
    for k, t, v, _ in sorted(rows, key=lambda r: r[3]):
        wm = None if seen is None else seen - delay
        if t is not None:
            for s, e in model_windows(kind, t, **kw):
                if wm is None or e - WINDOW_LAG > wm:
                    out.append((k, t, v, s, e, e - WINDOW_LAG))
            seen = t if seen is None else max(seen, t)
    return sorted(out, key=_tuple_key)


def _tuple_key(r: tuple) -> tuple:
    return tuple((v is None, v if v is not None else 0) for v in r)


def as_tuples(rows: list[dict[str, Any]], cols: Sequence[str]) -> list[tuple]:
    return sorted((tuple(r[c] for c in cols) for r in rows), key=_tuple_key)


WINDOW_ROW = ("k", "ts", "v", "window_start", "window_end", "window_time")
