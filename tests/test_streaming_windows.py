"""Windowing table functions on DuckDB and DataFusion: hand-made data with known answers."""

from __future__ import annotations

import datetime as dt

import pytest

from planbridge.errors import PlanValidationError
from planbridge.streaming import build
from tests.streaming_support import (
    MS,
    SEC,
    WINDOW_ROW,
    as_tuples,
    events,
    model_assign,
    model_replay,
    plan,
    run_both,
    source,
)

T0 = 1_700_000_000 * SEC  # 2023-11-14 22:13:20 UTC
S10 = dt.timedelta(seconds=10)


def tvf(kind: str, **kw):
    return plan(build.window(source(), kind, "ts", **kw))


def test_tumble_known_answer_with_boundaries_nulls_and_empty() -> None:
    rows = [
        ("a", T0, 1, 0),  # exactly on a boundary: belongs to [T0, T0+10s)
        ("a", T0 + 10 * SEC - 1, 2, 1),  # last microsecond of the first window
        ("b", T0 + 10 * SEC, 3, 2),  # the next boundary: the second window
        (None, T0 + 5 * SEC, 4, 3),  # null key: kept
        ("c", None, 5, 4),  # null time: dropped
    ]
    out = as_tuples(run_both(tvf("tumble", size=S10), {"events": events(rows)}), WINDOW_ROW)
    w1 = (T0, T0 + 10 * SEC, T0 + 10 * SEC - MS)
    w2 = (T0 + 10 * SEC, T0 + 20 * SEC, T0 + 20 * SEC - MS)
    assert out == sorted(
        [
            ("a", T0, 1, *w1),
            ("a", T0 + 10 * SEC - 1, 2, *w1),
            ("b", T0 + 10 * SEC, 3, *w2),
            (None, T0 + 5 * SEC, 4, *w1),
        ],
        key=lambda r: (r[0] is None, r[0] or "", r[1]),
    )
    assert run_both(tvf("tumble", size=S10), {"events": events([])}) == []


def test_tumble_offset_and_times_before_1970() -> None:
    rows = [("a", -1, 1, 0), ("a", -7 * SEC, 2, 1), ("a", 3 * SEC, 3, 2), ("a", 2 * SEC, 4, 3)]
    out = as_tuples(
        run_both(tvf("tumble", size=S10, offset=dt.timedelta(seconds=3)), {"events": events(rows)}),
        WINDOW_ROW,
    )
    # windows start at 3 s + k * 10 s: [-7 s, 3 s) and [3 s, 13 s)
    assert [(r[1], r[3], r[4]) for r in out] == [
        (-7 * SEC, -7 * SEC, 3 * SEC),
        (-1, -7 * SEC, 3 * SEC),
        (2 * SEC, -7 * SEC, 3 * SEC),
        (3 * SEC, 3 * SEC, 13 * SEC),
    ]


def test_single_row_every_kind() -> None:
    rows = [("a", T0 + 7 * SEC, 1, 0)]
    table = {"events": events(rows)}
    hop = as_tuples(
        run_both(tvf("hop", size=S10, slide=dt.timedelta(seconds=5)), table), WINDOW_ROW
    )
    assert [(r[3] - T0, r[4] - T0) for r in hop] == [(0, 10 * SEC), (5 * SEC, 15 * SEC)]
    cum = as_tuples(
        run_both(tvf("cumulate", size=S10, slide=dt.timedelta(seconds=2)), table), WINDOW_ROW
    )
    assert [(r[3] - T0, r[4] - T0) for r in cum] == [(0, 8 * SEC), (0, 10 * SEC)]
    ses = as_tuples(run_both(tvf("session", gap=dt.timedelta(seconds=3)), table), WINDOW_ROW)
    assert [(r[3] - T0, r[4] - T0, r[5] - T0) for r in ses] == [(7 * SEC, 10 * SEC, 10 * SEC - MS)]


def test_sessions_merge_per_key_and_touching_windows_merge() -> None:
    rows = [
        ("a", T0, 1, 0),
        ("a", T0 + 3 * SEC, 2, 1),  # overlaps [0, 4s): one session [0, 7s)
        ("a", T0 + 10 * SEC, 3, 2),  # > gap after the last row: a new session
        ("b", T0 + 1 * SEC, 4, 3),  # another key: its own sessions
        ("b", T0 + 5 * SEC, 8, 4),  # [5s, 9s) touches [1s, 5s): they merge
        ("a", T0 + 6_500 * MS, 5, 5),  # arrives last and bridges both sessions of a
        (None, T0, 6, 6),  # null keys form their own group
        (None, T0 + 2 * SEC, 7, 7),
    ]
    p = plan(build.window(source(), "session", "ts", gap=dt.timedelta(seconds=4), keys=["k"]))
    out = as_tuples(run_both(p, {"events": events(rows)}), WINDOW_ROW)
    spans = sorted({(r[0], r[3] - T0, r[4] - T0) for r in out}, key=str)
    assert spans == sorted([("a", 0, 14 * SEC), ("b", SEC, 9 * SEC), (None, 0, 6 * SEC)], key=str)
    assert out == model_assign(rows, "session", gap=4 * SEC)


def test_time_zone_timestamps_align_to_utc() -> None:
    rows = [("a", T0 + 90 * 60 * SEC, 1, 0)]  # 23:43:20 UTC
    p = plan(build.window(source(tz=True), "tumble", "ts", size=dt.timedelta(hours=1)))
    out = run_both(p, {"events": events(rows, tz="Asia/Kolkata")})
    start = (T0 + 90 * 60 * SEC) // (3600 * SEC) * 3600 * SEC  # UTC hour, not Kolkata's
    assert [(r["window_start"], r["window_end"]) for r in out] == [(start, start + 3600 * SEC)]


def test_window_aggregation_counts_per_window_and_key() -> None:
    from substrait.builders import extended_expression as ee
    from substrait.builders import plan as sb

    rows = [("a", T0 + i * SEC, i, i) for i in range(25)] + [("b", T0 + 12 * SEC, 100, 30)]
    windowed = build.window(source(), "tumble", "ts", size=S10)
    agg = sb.aggregate(
        windowed,
        [ee.column("window_start"), ee.column("window_end"), ee.column("k")],
        [
            ee.aggregate_function(
                "extension:io.substrait:functions_arithmetic", "sum", [ee.column("v")], "total"
            )
        ],
    )
    out = run_both(plan(agg), {"events": events(rows)})
    got = sorted((r["k"], r["window_start"] - T0, r["total"]) for r in out)
    assert got == [("a", 0, 45), ("a", 10 * SEC, 145), ("a", 20 * SEC, 110), ("b", 10 * SEC, 100)]


@pytest.mark.parametrize(
    ("kind", "kw", "model_kw"),
    [
        ("tumble", {"size": S10}, {"size": 10 * SEC}),
        (
            "hop",
            {"size": S10, "slide": dt.timedelta(seconds=5)},
            {"size": 10 * SEC, "slide": 5 * SEC},
        ),
        (
            "cumulate",
            {"size": S10, "slide": dt.timedelta(seconds=5)},
            {"size": 10 * SEC, "slide": 5 * SEC},
        ),
    ],
)
def test_replay_drops_late_rows_like_flink(kind: str, kw: dict, model_kw: dict) -> None:
    rows = [
        ("a", T0 + 1 * SEC, 1, 0),
        ("a", T0 + 12 * SEC, 2, 1),  # watermark -> 12 s - 2 s = 10 s
        ("a", T0 + 9 * SEC, 3, 2),  # [0, 10s): 10s - 1ms <= 10s, fired: late
        ("a", T0 + 25 * SEC, 4, 3),  # watermark -> 23 s
        ("a", T0 + 20 * SEC, 5, 4),  # [20, 30s) still open: kept
        ("a", None, 6, 5),
        ("a", T0 + 19_999 * MS, 7, 6),  # [10s, 20s): 20s - 1ms <= 23 s: late
    ]
    p = plan(
        build.window(
            source(), kind, "ts", arrival="arrival", watermark_delay=dt.timedelta(seconds=2), **kw
        )
    )
    out = as_tuples(run_both(p, {"events": events(rows)}), WINDOW_ROW)
    assert out == model_replay(rows, kind, 2 * SEC, **model_kw)
    if kind == "tumble":
        assert sorted(r[2] for r in out) == [1, 2, 4, 5]


@pytest.mark.parametrize(("precision", "unit", "per_us"), [(3, "ms", 1 / 1000), (9, "ns", 1000)])
def test_millisecond_and_nanosecond_time_columns(precision: int, unit: str, per_us: float) -> None:
    import pyarrow as pa

    p = plan(
        build.window(
            source(precision=precision), "hop", "ts", size=S10, slide=dt.timedelta(seconds=5)
        )
    )
    ts = pa.array([round((T0 + 7 * SEC) * per_us)], pa.timestamp(unit))
    table = pa.table({"k": ["a"], "ts": ts, "v": [1], "arrival": [0]})
    out = run_both(p, {"events": table})
    assert [(r["window_start"] - T0, r["window_end"] - T0) for r in out] == [
        (0, 10 * SEC),
        (5 * SEC, 15 * SEC),
    ]


def test_second_precision_and_sub_precision_durations_are_refused() -> None:
    with pytest.raises(PlanValidationError, match="millisecond precision"):
        plan(build.window(source(precision=0), "tumble", "ts", size=S10))
    with pytest.raises(PlanValidationError, match="finer than"):
        plan(
            build.window(source(precision=3), "tumble", "ts", size=dt.timedelta(microseconds=1500))
        )
