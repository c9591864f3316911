"""Session windows over a replayed, out-of-order stream: what real Flink does, against a
plain-Python model of Flink 2.x's merging-window logic (docs/streaming-semantics.md), and
DuckDB and DataFusion (a recursive SQL fold) against the same model.

``planbridge lower`` still refuses the replayed meaning (UnsupportedError: a sequential
merge has no standard-Substrait form, see the docs); the bounded meaning of the same rows
is checked alongside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planbridge as pb
from planbridge.cli.main import cli
from planbridge.errors import UnsupportedError
from planbridge.streaming import build
from planbridge.streaming.lower import lower_plan
from tests.streaming_support import (
    ENGINES,
    MS,
    SEC,
    WINDOW_ROW,
    Row,
    as_tuples,
    events,
    model_sessions,
    plan,
    run,
    source,
)

T0 = 1_700_000_000 * SEC
SCHEMA = {"k": "string", "ts": "timestamp", "v": "int64", "arrival": "int64"}
GAP = 3 * SEC


def model_session_replay(rows: Sequence[Row], gap: int, delay: int) -> list[tuple]:
    """Flink's session window aggregation over rows taken in arrival order.

    Before each row, every live session with ``end - 1 ms <= watermark`` (the watermark
    from the rows before it: max event time - delay) fires and is forgotten. The row's
    window ``[t, t + gap)`` merges with the live sessions of its key that it overlaps or
    touches; if it merges with none and ``t + gap - 1 ms <= watermark`` the row is late
    and dropped. At the end every live session fires. Returns sorted
    ``(key, start, end, count, sum)``.
    """
    return sorted(
        ((k, a, b, len(vs), sum(v for _, v in vs)) for k, a, b, vs in _replay(rows, gap, delay)),
        key=repr,
    )


def model_replay_rows(rows: Sequence[Row], gap: int, delay: int) -> list[tuple]:
    """The session window table function over the replay: every kept row with its final
    session, ``(k, ts, v, window_start, window_end, window_time)``."""
    return as_tuples(
        [
            dict(zip(WINDOW_ROW, (k, t, v, a, b, b - MS), strict=True))
            for k, a, b, vs in _replay(rows, gap, delay)
            for t, v in vs
        ],
        WINDOW_ROW,
    )


def _replay(rows: Sequence[Row], gap: int, delay: int) -> list[tuple]:
    """The fired sessions ``(key, start, end, [(ts, v) ...])`` (times on the millisecond,
    as Flink's are: sessions form on the time rounded down to the ms)."""
    live: dict[object, list[list]] = {}
    out: list[tuple] = []

    def fire(key: object, w: list) -> None:
        out.append((key, w[0], w[1], w[2]))

    seen: int | None = None
    for k, ts, v, _ in sorted(rows, key=lambda r: r[3]):
        wm = None if seen is None else seen - delay
        if wm is not None:
            for key, wins in live.items():
                for w in [w for w in wins if w[1] - MS <= wm]:
                    fire(key, w)
                    wins.remove(w)
        if ts is None:
            continue
        t = ts // MS * MS
        seen = t if seen is None else max(seen, t)
        new = [t, t + gap, [(ts, v)]]
        wins = live.setdefault(k, [])
        hit = [w for w in wins if w[0] <= new[1] and w[1] >= new[0]]
        if not hit and wm is not None and new[1] - MS <= wm:
            continue  # late: its own window has fired and it merges with no live session
        for w in hit:
            wins.remove(w)
            new = [min(new[0], w[0]), max(new[1], w[1]), new[2] + w[2]]
        wins.append(new)
    for key, wins in live.items():
        for w in wins:
            fire(key, w)
    return out


def sessions(delay_s: float, keyed: bool = True, tz: bool = False) -> pb.Table:
    """Session window aggregation (per key ``k``, or global) over the replayed stream."""
    schema = {**SCHEMA, "ts": "timestamp_tz"} if tz else SCHEMA
    t = pb.table(
        "events", schema, event_time="ts", watermark=pb.interval(milliseconds=int(delay_s * 1000))
    )
    w = t.window_by(arrival="arrival").session(pb.interval(seconds=3), by="k" if keyed else None)
    return w.aggregate(by="k" if keyed else None, n=w.v.count(), s=w.v.sum())


def session_rows(delay_s: float) -> pb.Table:
    """The session window table function itself over the replayed stream: one row per
    kept input row with its session."""
    t = pb.table(
        "events", SCHEMA, event_time="ts", watermark=pb.interval(milliseconds=int(delay_s * 1000))
    )
    return t.window_by(arrival="arrival").session(pb.interval(seconds=3), by="k")


def on_engine(rows: Sequence[Row], delay_s: float, engine: str, **kw: bool) -> list[tuple]:
    tz = "Asia/Kolkata" if kw.get("tz") else None
    got = run(sessions(delay_s, **kw).to_substrait(), {"events": events(rows, tz)}, engine)
    return sorted(
        ((r.get("k"), r["window_start"], r["window_end"], r["n"], r["s"]) for r in got), key=repr
    )


def on_flink(rows: Sequence[Row], delay_s: float) -> list[tuple]:
    got = run(sessions(delay_s).to_substrait(), {"events": events(rows)}, "flink")
    return sorted(
        ((r["k"], r["window_start"], r["window_end"], r["n"], r["s"]) for r in got), key=repr
    )


def arrive(*times_s: float, key: str = "a") -> list[Row]:
    """Rows of one key arriving in the order given; value = position."""
    return [(key, T0 + round(t * SEC), i, i) for i, t in enumerate(times_s)]


def s(t: float) -> int:
    return T0 + round(t * SEC)


# (name, rows in arrival order, watermark delay in seconds, Flink's sessions)
CASES = [
    (
        "late row merges into a live session and is kept",
        arrive(10, 12, 8),
        0,
        [("a", s(8), s(15), 3, 3)],
    ),
    (
        "late row alone is dropped",
        arrive(1, 20, 5),
        0,
        [("a", s(1), s(4), 1, 0), ("a", s(20), s(23), 1, 1)],
    ),
    (
        "late row bridges two live sessions",
        arrive(1, 6, 3.5),
        5,
        [("a", s(1), s(9), 3, 3)],
    ),
    (
        "a session that fired is not reopened: the late row starts an overlapping one",
        arrive(1, 5, 3.5),
        0,
        [("a", s(1), s(4), 1, 0), ("a", s(3.5), s(8), 2, 3)],
    ),
    (
        "sessions that touch merge",
        arrive(1, 4),
        0,
        [("a", s(1), s(7), 2, 1)],
    ),
    (
        "a late row whose window ends 1 ms before the watermark is dropped",
        arrive(10, 6.999),
        0,
        [("a", s(10), s(13), 1, 0)],
    ),
    (
        "a late row whose window touches a live session is kept",
        arrive(10, 7),
        0,
        [("a", s(7), s(13), 2, 1)],
    ),
    (
        "the watermark is global: another key's rows make a row late",
        [("a", s(1), 0, 0), ("b", s(30), 1, 1), ("a", s(2), 2, 2), ("b", s(29), 3, 3)],
        0,
        [("a", s(1), s(4), 1, 0), ("b", s(29), s(33), 2, 4)],
    ),
    (
        "a session fires before a touching on-time row arrives",
        [("a", s(1), 0, 0), ("b", s(4), 1, 1), ("a", s(4), 2, 2)],
        0,
        [("a", s(1), s(4), 1, 0), ("a", s(4), s(7), 1, 2), ("b", s(4), s(7), 1, 1)],
    ),
    (
        "a row whose last instant equals the watermark is late",
        [("b", s(10), 0, 0), ("a", s(7.001), 1, 1)],
        0,
        [("b", s(10), s(13), 1, 0)],
    ),
    (
        "a session whose last instant equals the watermark has fired",
        [("a", s(1), 0, 0), ("b", s(3.999), 1, 1), ("a", s(3.5), 2, 2)],
        0,
        [("a", s(1), s(4), 1, 0), ("a", s(3.5), s(6.5), 1, 2), ("b", s(3.999), s(6.999), 1, 1)],
    ),
]


# More hand-made cases (worked out from the semantics; real Flink agreed when they were
# written), run on the batch engines only to keep the suite fast
MORE_CASES = [
    ("empty input", [], 0, []),
    ("a single row", [("a", s(5), 7, 0)], 0, [("a", s(5), s(8), 1, 7)]),
    (
        "null keys form their own sessions",
        [(None, s(1), 0, 0), ("a", s(2), 1, 1), (None, s(3), 2, 2)],
        0,
        [("a", s(2), s(5), 1, 1), (None, s(1), s(6), 2, 2)],
    ),
    (
        "null times are skipped and move no watermark",
        [("a", s(10), 0, 0), ("a", None, 1, 1), ("a", s(8), 2, 2), (None, None, 3, 3)],
        0,
        [("a", s(8), s(13), 2, 2)],
    ),
    (
        "a key's first row can be late: the watermark is global",
        [("b", s(30), 0, 0), ("a", s(1), 1, 1), ("a", s(29), 2, 2)],
        0,
        [("a", s(29), s(32), 1, 2), ("b", s(30), s(33), 1, 0)],
    ),
    (
        "a late row bridges two live sessions after a third fired; a later one is dropped",
        arrive(1, 20, 26, 23, 10),
        4,
        [("a", s(1), s(4), 1, 0), ("a", s(20), s(29), 3, 6)],
    ),
]
ALL_CASES = CASES + MORE_CASES


@pytest.mark.parametrize(
    ("name", "rows", "delay", "want"), ALL_CASES, ids=[c[0] for c in ALL_CASES]
)
def test_model_gives_the_hand_made_answers(name, rows, delay, want) -> None:
    assert model_session_replay(rows, GAP, int(delay * SEC)) == sorted(want, key=repr)


@pytest.mark.parametrize("engine", ENGINES)
def test_batch_engines_give_the_hand_made_answers(engine) -> None:
    for name, rows, delay, want in ALL_CASES:
        assert on_engine(rows, delay, engine) == sorted(want, key=repr), name


def test_real_flink_gives_the_hand_made_answers() -> None:
    """One Flink job per case."""
    for name, rows, delay, want in CASES:
        assert on_flink(rows, delay) == sorted(want, key=repr), name


# One stream with late rows, merges, a bridged merge, a null key, a null time and times
# off the millisecond (sessions form on the millisecond; ts keeps its microseconds).
STREAM = [
    ("a", s(10), 0, 0),
    ("a", s(12) + 999, 1, 1),
    (None, s(11), 2, 2),
    ("b", s(30), 3, 3),
    ("a", s(8) + 1, 4, 4),
    ("a", s(20), 5, 5),
    ("a", None, 6, 6),
    (None, s(29), 7, 7),
    ("a", s(26), 8, 8),
    ("a", s(23), 9, 9),
    ("b", s(27), 10, 10),
]


@pytest.mark.parametrize("engine", ENGINES)
def test_session_window_rows_of_the_replay(engine) -> None:
    got = run(session_rows(4).to_substrait(), {"events": events(STREAM)}, engine)
    want = model_replay_rows(STREAM, GAP, 4 * SEC)
    assert as_tuples(got, WINDOW_ROW) == want
    assert len(want) == 8  # two late rows dropped, the null time skipped


@pytest.mark.parametrize("engine", ENGINES)
def test_global_sessions_and_time_zones(engine) -> None:
    """Without keys every row shares one fold; a zoned time column gives the same instants."""
    unkeyed = [(None, t, v, a) for _, t, v, a in STREAM]
    want = [r[1:] for r in model_session_replay(unkeyed, GAP, 2 * SEC)]
    assert [r[1:] for r in on_engine(STREAM, 2, engine, keyed=False)] == want
    zoned = on_engine(STREAM, 2, engine, tz=True)
    assert zoned == model_session_replay(STREAM, GAP, 2 * SEC)


@pytest.mark.parametrize("precision", [3, 9])
def test_other_time_precisions(precision) -> None:
    """Milli- and nanosecond time columns: the fold works in the column's own units."""
    p = plan(
        build.window(
            source(tz=True, precision=precision),
            "session",
            "ts",
            gap=dt.timedelta(seconds=3),
            keys=["k"],
            arrival="arrival",
            watermark_delay=dt.timedelta(seconds=4),
        )
    )
    rows = [(k, t if t is None else t // MS * MS, v, a) for k, t, v, a in STREAM]
    table = events(rows, tz="UTC")
    unit = pa.timestamp("ms" if precision == 3 else "ns", tz="UTC")
    table = table.set_column(1, "ts", table.column("ts").cast(unit))
    want = model_replay_rows(rows, GAP, 4 * SEC)
    for engine in ENGINES:
        assert as_tuples(run(p, {"events": table}, engine), WINDOW_ROW) == want, engine


def test_lower_still_refuses_it_and_validate_accepts_it(tmp_path) -> None:
    """No standard-Substrait form exists (a sequential merge): ``lower`` says so clearly."""
    p = sessions(0).to_substrait()
    with pytest.raises(UnsupportedError, match="session windows with a Replay"):
        lower_plan(p)
    path = tmp_path / "s.json"
    p.save(path)
    result = CliRunner().invoke(cli, ["lower", str(path), "-o", str(tmp_path / "o.json")])
    assert result.exit_code == 1
    assert "session windows with a Replay" in result.output
    assert "extension_single" in result.output
    assert CliRunner().invoke(cli, ["validate", str(path)]).exit_code == 0


def test_the_bounded_meaning_of_the_same_rows() -> None:
    rows = arrive(1, 5, 3.5)
    t = pb.table("events", SCHEMA, event_time="ts")
    w = t.window_by().session(pb.interval(seconds=3), by="k")
    bounded = run(
        w.aggregate(by="k", n=w.v.count()).to_substrait(), {"events": events(rows)}, "duckdb"
    )
    assert [(r["window_start"], r["window_end"], r["n"]) for r in bounded] == [
        (a, b, 3) for a, b in model_sessions([s(1), s(5), s(3.5)], GAP)
    ]
    assert on_engine(rows, 0, "duckdb") == [("a", s(1), s(4), 1, 0), ("a", s(3.5), s(8), 2, 3)]


# Small random streams: times on a 500 ms grid so windows touch and boundaries are hit.
_times = st.integers(0, 40).map(lambda x: T0 + x * 500 * MS)
_streams = st.lists(st.tuples(st.sampled_from(["a", "b"]), _times), min_size=1, max_size=14).map(
    lambda rows: [(k, t, i, i) for i, (k, t) in enumerate(rows)]
)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_streams, st.sampled_from([0, 1, 2.5]))
def test_flink_matches_the_model_on_random_streams(rows, delay) -> None:
    assert on_flink(rows, delay) == model_session_replay(rows, GAP, int(delay * SEC))


# Random streams on the batch engines: keys with a null, times with a null, sub-ms times.
# (on a 500 ms grid, or 1 ms off it so that last instants meet watermarks exactly)
_btimes = st.one_of(
    st.none(),
    st.builds(
        lambda x, d: T0 + x * 500 * MS + d * MS, st.integers(1, 40), st.sampled_from([0, 1, -1])
    ),
    st.integers(0, 20 * SEC),
)
_bstreams = st.lists(
    st.tuples(st.sampled_from(["a", "b", None]), _btimes), min_size=0, max_size=12
).map(
    lambda rows: [(k, t if t is None or t > T0 else T0 + t, i, i) for i, (k, t) in enumerate(rows)]
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_bstreams, st.sampled_from([0, 1, 2.5]), st.booleans())
def test_batch_engines_match_the_model_on_random_streams(rows, delay, keyed) -> None:
    model_rows = rows if keyed else [(None, t, v, a) for _, t, v, a in rows]
    want = model_session_replay(model_rows, GAP, int(delay * SEC))
    if not keyed:
        want = [(None, *r[1:]) for r in want]
    for engine in ENGINES:
        got = on_engine(rows, delay, engine, keyed=keyed)
        assert got == want, engine


def test_flink_keeps_each_replayed_table_alive_while_its_file_is_cached() -> None:
    """Flink's converted-file cache is keyed by the table object's id; the entry must hold
    that very object (not the arrival-sorted copy), or a later table reusing the id would
    be read from the old file (a stale answer seen in the suite once)."""
    from planbridge.engines.flink import ddl

    table = events(arrive(1, 2, 30))
    run(sessions(0).to_substrait(), {"events": table}, "flink")
    assert any(entry[0] is table for entry in ddl._CACHE.files.values())
