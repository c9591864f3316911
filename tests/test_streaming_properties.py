"""Property tests: random event streams through each windowing construct on both engines,
against the plain-Python model in tests/streaming_support.py."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planbridge.streaming import build
from tests.streaming_support import (
    MS,
    WINDOW_ROW,
    as_tuples,
    events,
    model_assign,
    model_replay,
    plan,
    run_both,
    source,
)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Event times in ms steps over a small range (so windows collide and boundaries are hit),
# including times before 1970 and nulls.
times = st.one_of(st.none(), st.integers(-30, 60).map(lambda x: x * 500 * MS))
keys = st.sampled_from(["a", "b", None])
streams = st.lists(st.tuples(keys, times, st.integers(0, 9)), max_size=30).map(
    lambda rows: [(k, t, v, i) for i, (k, t, v) in enumerate(rows)]
)
sizes = st.sampled_from([1, 2, 3, 5])  # seconds
offsets = st.sampled_from([0, 1500, -2000])  # ms


def _tvf(kind: str, **kw):
    return plan(build.window(source(), kind, "ts", **kw))


@SETTINGS
@given(streams, sizes, offsets)
def test_tumble_matches_model(rows, size_s, offset_ms) -> None:
    p = _tvf(
        "tumble", size=dt.timedelta(seconds=size_s), offset=dt.timedelta(milliseconds=offset_ms)
    )
    got = as_tuples(run_both(p, {"events": events(rows)}), WINDOW_ROW)
    assert got == model_assign(rows, "tumble", size=size_s * 10**6, offset=offset_ms * MS)


@SETTINGS
@given(streams, sizes, st.sampled_from([1, 2, 4]), offsets)
def test_hop_matches_model(rows, slide_s, factor, offset_ms) -> None:
    size = slide_s * factor
    p = _tvf(
        "hop",
        size=dt.timedelta(seconds=size),
        slide=dt.timedelta(seconds=slide_s),
        offset=dt.timedelta(milliseconds=offset_ms),
    )
    got = as_tuples(run_both(p, {"events": events(rows)}), WINDOW_ROW)
    assert got == model_assign(
        rows, "hop", size=size * 10**6, slide=slide_s * 10**6, offset=offset_ms * MS
    )


@SETTINGS
@given(streams, sizes, st.sampled_from([1, 2, 4]))
def test_cumulate_matches_model(rows, step_s, factor) -> None:
    size = step_s * factor
    p = _tvf("cumulate", size=dt.timedelta(seconds=size), slide=dt.timedelta(seconds=step_s))
    got = as_tuples(run_both(p, {"events": events(rows)}), WINDOW_ROW)
    assert got == model_assign(rows, "cumulate", size=size * 10**6, slide=step_s * 10**6)


@SETTINGS
@given(streams, st.sampled_from([500, 1000, 2500]))
def test_session_matches_model(rows, gap_ms) -> None:
    p = plan(
        build.window(source(), "session", "ts", gap=dt.timedelta(milliseconds=gap_ms), keys=["k"])
    )
    got = as_tuples(run_both(p, {"events": events(rows)}), WINDOW_ROW)
    assert got == model_assign(rows, "session", gap=gap_ms * MS)


@SETTINGS
@given(
    streams,
    st.permutations(range(30)),
    st.sampled_from(["tumble", "hop", "cumulate"]),
    st.sampled_from([0, 1000, 3000]),
)
def test_replay_matches_model(rows, order, kind, delay_ms) -> None:
    """Out-of-order arrival: rows arrive in a random order; late rows are dropped."""
    rows = [(k, t, v, order[i]) for i, (k, t, v, _) in enumerate(rows)]
    kw = {"size": 2 * 10**6} if kind == "tumble" else {"size": 2 * 10**6, "slide": 10**6}
    p = _tvf(
        kind,
        **{n: dt.timedelta(microseconds=us) for n, us in kw.items()},
        arrival="arrival",
        watermark_delay=dt.timedelta(milliseconds=delay_ms),
    )
    got = as_tuples(run_both(p, {"events": events(rows)}), WINDOW_ROW)
    assert got == model_replay(rows, kind, delay_ms * MS, **kw)


@SETTINGS
@given(streams, st.sampled_from([500, 1000, 2500]))
def test_session_aggregation_matches_model(rows, gap_ms) -> None:
    """The fused aggregate-over-sessions lowering against the model (counts and sums)."""
    import planbridge as pb

    t = pb.table("events", {"k": "string", "ts": "timestamp", "v": "int64", "arrival": "int64"})
    w = t.window_by("ts").session(pb.interval(milliseconds=gap_ms), by="k")
    p = w.aggregate(by="k", n=w.v.count(), s=w.v.sum()).to_substrait()
    got = sorted(
        (r["k"] or "", r["window_start"], r["window_end"], r["n"], r["s"])
        for r in run_both(p, {"events": events(rows)})
    )
    want: dict[tuple, list[int]] = {}
    for k, _, v, s, e, _ in model_assign(rows, "session", gap=gap_ms * MS):
        want.setdefault((k or "", s, e), []).append(v)
    assert got == sorted((*key, len(vs), sum(vs)) for key, vs in want.items())
