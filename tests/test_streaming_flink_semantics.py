"""The semantics docs/streaming-semantics.md states, checked on real Flink: the same plan on
Flink, DuckDB and DataFusion gives the same rows, and those rows are the plain-Python
model's (window boundaries, window_time, sessions that touch, sub-millisecond times,
times before 1970, null times, the end of bounded input)."""

from __future__ import annotations

import pyarrow as pa
import pytest

import planbridge as pb
from tests.streaming_support import (
    MS,
    SEC,
    WINDOW_ROW,
    as_tuples,
    events,
    model_assign,
    run,
)

SCHEMA = {"k": "string", "ts": "timestamp", "v": "int64", "arrival": "int64"}
T0 = 1_700_000_000 * SEC


def src() -> pb.Table:
    return pb.table("events", SCHEMA, event_time="ts", watermark=pb.interval(seconds=0))


def same_everywhere(table: pb.Table, rows) -> list[dict]:
    """Flink, DuckDB and DataFusion agree; returns the rows."""
    p = table.to_substrait()
    tables = {"events": events(rows)}
    got = run(p, tables, "flink")
    for engine in ("duckdb", "datafusion"):
        assert run(p, tables, engine) == got, f"{engine} disagrees with flink"
    return got


def in_time_order(*times: int | None) -> list:
    ordered = sorted(times, key=lambda t: (t is None, t or 0))
    return [("a", t, i, i) for i, t in enumerate(ordered)]


ON_BOUNDARIES = in_time_order(
    T0, T0 + 5 * SEC, T0 + 10 * SEC - 1, T0 + 10 * SEC, T0 + 20 * SEC, T0 + 3 * SEC + 1, None
)
WINDOWS = {
    "tumble": (lambda w: w.tumble(pb.interval(seconds=10)), {"size": 10 * SEC}),
    "tumble_offset": (
        lambda w: w.tumble(pb.interval(seconds=10), offset=pb.interval(seconds=3)),
        {"size": 10 * SEC, "offset": 3 * SEC},
    ),
    "hop": (
        lambda w: w.hop(pb.interval(seconds=10), pb.interval(seconds=5)),
        {"size": 10 * SEC, "slide": 5 * SEC},
    ),
    "cumulate": (
        lambda w: w.cumulate(pb.interval(seconds=5), pb.interval(seconds=10)),
        {"size": 10 * SEC, "slide": 5 * SEC},
    ),
}


@pytest.mark.parametrize("kind", list(WINDOWS))
def test_rows_on_boundaries_and_window_time(kind: str) -> None:
    """A time on a boundary is in the window that starts there; window_time is
    window_end - 1 ms; null times are in no window."""
    make, kw = WINDOWS[kind]
    got = same_everywhere(make(src().window_by()), ON_BOUNDARIES)
    model_kind = "tumble" if kind == "tumble_offset" else kind
    assert as_tuples(got, WINDOW_ROW) == model_assign(ON_BOUNDARIES, model_kind, **kw)
    assert all(r["window_time"] == r["window_end"] - MS for r in got)
    if kind == "tumble":
        starts = {r["ts"]: r["window_start"] for r in got}
        assert starts[T0 + 10 * SEC] == T0 + 10 * SEC
        assert starts[T0 + 10 * SEC - 1] == T0


def test_sessions_that_touch_merge_and_form_on_the_millisecond() -> None:
    """Rows exactly gap apart are one session; sessions form on the event time rounded
    down to the millisecond (Flink's time attribute): 500 us and 3 s + 800 us with a 3 s
    gap are one session [0, 6 s)."""
    rows = in_time_order(T0 + SEC, T0 + 4 * SEC, T0 + 7 * SEC + MS)
    w = src().window_by().session(pb.interval(seconds=3), by="k")
    got = same_everywhere(w.aggregate(by="k", n=w.v.count()), rows)
    assert [(r["window_start"], r["window_end"], r["n"]) for r in got] == [
        (T0 + SEC, T0 + 7 * SEC, 2),  # [1, 4) and [4, 7) touch
        (T0 + 7 * SEC + MS, T0 + 10 * SEC + MS, 1),  # 1 ms after the session's end
    ]
    sub_ms = [("a", T0 + 500, 0, 0), ("a", T0 + 3 * SEC + 800, 1, 1), ("a", T0 + 9_999_999, 2, 2)]
    got = same_everywhere(w, sub_ms)
    assert as_tuples(got, WINDOW_ROW) == model_assign(sub_ms, "session", gap=3 * SEC)
    assert {(r["window_start"], r["window_end"]) for r in got} == {
        (T0, T0 + 6 * SEC),
        (T0 + 9_999 * MS, T0 + 12_999 * MS),
    }


def test_times_before_1970() -> None:
    rows = in_time_order(-15 * SEC, -10 * SEC, -5 * SEC - 1, 3 * SEC)
    w = src().window_by().tumble(pb.interval(seconds=10))
    got = same_everywhere(w, rows)
    assert as_tuples(got, WINDOW_ROW) == model_assign(rows, "tumble", size=10 * SEC)


def test_end_of_bounded_input_fires_every_window() -> None:
    """The final watermark fires the windows no row's watermark reached: every row counts,
    including the last window's, whose end is past every event time."""
    rows = in_time_order(*(T0 + i * 1500 * MS for i in range(12)))
    w = src().window_by().tumble(pb.interval(seconds=5))
    got = same_everywhere(w.aggregate(n=w.v.count()), rows)
    assert sum(r["n"] for r in got) == len(rows)
    assert max(r["window_end"] for r in got) > max(t for _, t, _, _ in rows)
    w = src().window_by().session(pb.interval(seconds=1), by="k")
    got = same_everywhere(w.aggregate(by="k", n=w.v.count()), rows)
    assert [r["n"] for r in got] == [1] * len(rows)  # 1.5 s apart: one session each


@pytest.mark.parametrize(
    ("spelling", "unit", "tz"),
    [("timestamp(3)", "ms", None), ("timestamp_tz", "us", "UTC"), ("timestamp_tz(3)", "ms", "UTC")],
)
def test_window_columns_for_each_time_type(spelling: str, unit: str, tz: str | None) -> None:
    """Window columns have the time column's type; window_time is window_end - 1 ms for
    millisecond columns and zoned instants too (windows aligned on UTC)."""
    t = pb.table("events", {"k": "string", "ts": spelling, "v": "int64"}, event_time="ts")
    times = [T0, T0 + 9_999 * MS, T0 + 10 * SEC, T0 + 12_001 * MS]
    scale = 1000 if unit == "ms" else 1
    data = pa.table(
        {
            "k": ["a"] * 4,
            "ts": pa.array([x // scale for x in times], pa.timestamp(unit, tz=tz)),
            "v": [1, 2, 3, 4],
        }
    )
    rows = [("a", x, i + 1, i) for i, x in enumerate(times)]
    for make, kind, kw in (
        (lambda w: w.tumble(pb.interval(seconds=10)), "tumble", {"size": 10 * SEC}),
        (lambda w: w.session(pb.interval(seconds=2), by="k"), "session", {"gap": 2 * SEC}),
    ):
        p = make(t.window_by()).to_substrait()
        got = run(p, {"events": data}, "flink")
        for engine in ("duckdb", "datafusion"):
            assert run(p, {"events": data}, engine) == got, engine
        assert as_tuples(got, WINDOW_ROW) == model_assign(rows, kind, **kw)
