"""Session windows over a replayed, out-of-order stream: what real Flink does, against a
plain-Python model of Flink 2.x's merging-window logic (docs/streaming-semantics.md).

Batch engines refuse the replayed session meaning (UnsupportedError: it is a sequential
merge, see the docs); the bounded meaning of the same rows is checked alongside.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planbridge as pb
from planbridge.errors import UnsupportedError
from tests.streaming_support import MS, SEC, Row, events, model_sessions, run

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
    live: dict[object, list[list]] = {}
    out: list[tuple] = []

    def fire(key: object, w: list) -> None:
        out.append((key, w[0], w[1], len(w[2]), sum(w[2])))

    seen: int | None = None
    for k, t, v, _ in sorted(rows, key=lambda r: r[3]):
        wm = None if seen is None else seen - delay
        if wm is not None:
            for key, wins in live.items():
                for w in [w for w in wins if w[1] - MS <= wm]:
                    fire(key, w)
                    wins.remove(w)
        if t is None:
            continue
        seen = t if seen is None else max(seen, t)
        new = [t, t + gap, [v]]
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
    return sorted(out, key=repr)


def sessions(delay_s: float) -> pb.Table:
    t = pb.table(
        "events", SCHEMA, event_time="ts", watermark=pb.interval(milliseconds=int(delay_s * 1000))
    )
    w = t.window_by(arrival="arrival").session(pb.interval(seconds=3), by="k")
    return w.aggregate(by="k", n=w.v.count(), s=w.v.sum())


def on_flink(rows: Sequence[Row], delay_s: float) -> list[tuple]:
    got = run(sessions(delay_s).to_substrait(), {"events": events(rows)}, "flink")
    return sorted(
        ((r["k"], r["window_start"], r["window_end"], r["n"], r["s"]) for r in got), key=repr
    )


def arrive(*times_s: float, key: str = "a") -> list[Row]:
    """Rows of one key arriving in the order given; value = position."""
    return [(key, T0 + int(t * SEC), i, i) for i, t in enumerate(times_s)]


def s(t: float) -> int:
    return T0 + int(t * SEC)


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
]


@pytest.mark.parametrize(("name", "rows", "delay", "want"), CASES, ids=[c[0] for c in CASES])
def test_model_gives_the_hand_made_answers(name, rows, delay, want) -> None:
    assert model_session_replay(rows, GAP, int(delay * SEC)) == want


def test_real_flink_gives_the_hand_made_answers() -> None:
    """One Flink job per case."""
    for name, rows, delay, want in CASES:
        assert on_flink(rows, delay) == want, name


def test_batch_engines_refuse_the_replayed_meaning_and_give_the_bounded_one() -> None:
    rows = arrive(1, 5, 3.5)
    p = sessions(0).to_substrait()
    for engine in ("duckdb", "datafusion"):
        with pytest.raises(UnsupportedError, match="session windows with a Replay"):
            pb.execute(p, engine, tables={"events": events(rows)})
    t = pb.table("events", SCHEMA, event_time="ts")
    w = t.window_by().session(pb.interval(seconds=3), by="k")
    bounded = run(
        w.aggregate(by="k", n=w.v.count()).to_substrait(), {"events": events(rows)}, "duckdb"
    )
    assert [(r["window_start"], r["window_end"], r["n"]) for r in bounded] == [
        (a, b, 3) for a, b in model_sessions([s(1), s(5), s(3.5)], GAP)
    ]


# Small random streams: times on a 500 ms grid so windows touch and boundaries are hit.
_times = st.integers(0, 40).map(lambda x: T0 + x * 500 * MS)
_streams = st.lists(st.tuples(st.sampled_from(["a", "b"]), _times), min_size=1, max_size=14).map(
    lambda rows: [(k, t, i, i) for i, (k, t) in enumerate(rows)]
)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_streams, st.sampled_from([0, 1, 2.5]))
def test_flink_matches_the_model_on_random_streams(rows, delay) -> None:
    assert on_flink(rows, delay) == model_session_replay(rows, GAP, int(delay * SEC))
