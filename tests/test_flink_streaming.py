"""planbridge's streaming relations on real Flink (streaming mode), natively translated, against
DuckDB and DataFusion running the lowered plan and a plain-Python model of the semantics.

Inputs are the streaming verb tests' events: in event-time order for the plain windows
(Flink's meaning and the bounded meaning then agree), out of order with ``arrival`` for
replayed windows, where late rows must be dropped exactly as Flink drops them.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

import planbridge as pb
from planbridge.engines import explain_query
from planbridge.errors import UnsupportedError
from planbridge.execute import bind
from tests.streaming_support import (
    SEC,
    events,
    model_replay,
    run,
)
from tests.test_streaming_verbs import ROWS, SCHEMA, T0, src

ORDERED = sorted(ROWS, key=lambda r: (r[1] is None, r[1] or 0))
OTHER_ROWS = [("a", T0 + 4 * SEC, 1, 0), ("a", T0 + 9_500 * 1000, 2, 1), ("b", None, 3, 2)]


def other() -> pb.Table:
    return pb.table("other", SCHEMA, event_time="ts", watermark=pb.interval(seconds=2))


def agree(table: pb.Table, rows=ORDERED, engines=("duckdb", "datafusion")) -> list[dict]:
    """Flink's rows equal every batch engine's (lowered plan); returns them."""
    p = table.to_substrait()
    tables = {"events": events(rows), "other": events(OTHER_ROWS)}
    got = run(p, tables, "flink")
    for engine in engines:
        assert got == run(p, tables, engine), f"flink disagrees with {engine}"
    return got


def _tumble():
    return src().window_by().tumble(pb.interval(seconds=10))


def _hop():
    return src().window_by().hop(pb.interval(seconds=10), pb.interval(seconds=5))


def _cumulate():
    return src().window_by().cumulate(pb.interval(seconds=5), pb.interval(seconds=10))


def _session():
    return src().window_by().session(pb.interval(seconds=3), by="k")


@pytest.mark.parametrize("make", [_tumble, _hop, _cumulate, _session])
def test_window_aggregation_matches_batch_engines(make) -> None:
    w = make()
    out = agree(w.aggregate(by="k", total=w.v.sum(), n=w.v.count()))
    assert out and sum(r["n"] for r in out) >= 25  # every timed row counted


def test_window_top_n_dedup_and_join_match_batch_engines() -> None:
    w = _tumble()
    assert len(agree(w.top_n(2, pb.desc(w.v), by="k"))) > 0
    assert len(agree(_tumble().dedup(by="k", keep="last"))) > 0
    o = other().window_by().tumble(pb.interval(seconds=10))
    joined = agree(_tumble().window_join(o, on="k"))
    assert sorted(r["v"] for r in joined) == sorted(list(range(10)) * 2)  # two "a" rows


def test_replayed_out_of_order_windows_drop_the_same_late_rows() -> None:
    for make in (
        lambda t: t.tumble(pb.interval(seconds=10)),
        lambda t: t.hop(pb.interval(seconds=10), pb.interval(seconds=5)),
    ):
        w = make(src(delay_s=2).window_by(arrival="arrival"))
        out = agree(w.aggregate(by="k", n=w.v.count()), rows=ROWS)
        # b (12 s) and the null-key row (3 s) arrive after a's 24 s: late everywhere
        assert all(r["k"] == "a" for r in out)


def test_native_flink_lateness_is_the_replay_model() -> None:
    """A plain window aggregation (no replay) over out-of-order input: Flink drops exactly
    the rows the plain-Python replay model (arrival = file order) says are late."""
    rows = [("a", T0 + s * SEC, s, i) for i, s in enumerate([1, 12, 4, 25, 14, 26, 8, 31])]
    w = src(delay_s=5).window_by().tumble(pb.interval(seconds=10))
    got = run(
        w.aggregate(n=w.v.count(), total=w.v.sum()).to_substrait(),
        {"events": events(rows)},
        "flink",
    )
    kept = model_replay(rows, "tumble", 5 * SEC, size=10 * SEC)
    want: dict[int, list[int]] = {}
    for _, _, v, start, *_ in kept:
        want.setdefault(start, []).append(v)
    assert [(r["window_start"], r["n"], r["total"]) for r in got] == [
        (s, len(vs), sum(vs)) for s, vs in sorted(want.items())
    ]
    assert sum(r["n"] for r in got) < len(rows)  # some rows were late


def test_event_time_verbs_match_batch_engines() -> None:
    """Interval joins, dedup per key and over-aggregations (batch mode by default)."""
    j = src().interval_join(
        other(),
        on="k",
        left_time="ts",
        right_time="ts",
        lower=pb.interval(seconds=1),
        upper=pb.interval(milliseconds=500),
    )
    assert sorted((r["v"], r["v_right"]) for r in agree(j)) == [(4, 1), (5, 1), (9, 2), (10, 2)]
    t = src()
    assert len(agree(t.dedup("k", "ts", keep="first"))) == 4
    agree(t.over_time("ts", pb.interval(seconds=3), group_by="k", s=t.v.sum()))
    agree(t.over_rows("ts", 1, group_by="k", s=t.v.sum()))


RATES = [("a", T0 + 1 * SEC, 1), ("a", T0 + 10 * SEC, 2), ("b", T0 + 13 * SEC, 3)]


def rates_table() -> pa.Table:
    return pa.table(
        {
            "k": [r[0] for r in RATES],
            "vt": pa.array([r[1] for r in RATES], pa.timestamp("us")),
            "rate": [r[2] for r in RATES],
        }
    )


def model_temporal(rows, how: str) -> list[tuple]:
    """Each row with the rate of its key's latest version at or before its time."""
    out = []
    for k, ts, v, _ in rows:
        valid = [r for r in RATES if k is not None and ts is not None and r[0] == k and r[1] <= ts]
        best = max(valid, key=lambda r: r[1]) if valid else None
        if best is not None or how == "left":
            out.append((k, v, best[2] if best else None))
    return sorted(out, key=repr)


@pytest.mark.parametrize("how", ["inner", "left"])
def test_temporal_join_matches_batch_engines_and_model(how) -> None:
    rates = pb.table("rates", {"k": "string", "vt": "timestamp", "rate": "int64"})
    j = src().temporal_join(rates, on="k", time="ts", version_time="vt", how=how)
    p = j.to_substrait()
    tables = {"events": events(ORDERED), "rates": rates_table()}
    text = explain_query(bind(p, "flink"), "flink")
    assert "FOR SYSTEM_TIME AS OF" in text and "PRIMARY KEY (`k`) NOT ENFORCED" in text
    got = run(p, tables, "flink")
    for engine in ("duckdb", "datafusion"):
        assert got == run(p, tables, engine), f"flink disagrees with {engine}"
    assert sorted(((r["k"], r["v"], r["rate"]) for r in got), key=repr) == model_temporal(
        ORDERED, how
    )


def test_temporal_join_over_a_derived_probe_is_a_clear_error() -> None:
    rates = pb.table("rates", {"k": "string", "vt": "timestamp", "rate": "int64"})
    t = src()
    j = t.filter(t.v > 3).temporal_join(rates, on="k", time="ts", version_time="vt")
    with pytest.raises(UnsupportedError, match="temporal joins need both sides") as info:
        pb.execute(
            j.to_substrait(),
            engine="flink",
            tables={"events": events(ROWS), "rates": rates_table()},
        )
    assert info.value.path.startswith("relations[0].root")


def test_explain_shows_watermark_and_window_tvf() -> None:
    w = _session()
    text = explain_query(bind(w.aggregate(by="k", n=w.v.count()).to_substrait(), "flink"), "flink")
    assert "`_pb_rt` AS COALESCE(CAST(`ts` AS TIMESTAMP(3))" in text
    assert "WATERMARK FOR `_pb_rt` AS `_pb_rt` - INTERVAL '0 00:00:02.000'" in text
    flat = " ".join(text.split())  # the pretty-printer's indentation depends on nesting
    assert "SESSION( TABLE `events` PARTITION BY (`k`), DESCRIPTOR(`_pb_rt`)," in flat
    assert "INTERVAL '0 00:00:03.000' DAY(2) TO SECOND(3)" in text
