"""Every streaming verb: a plan `planbridge validate` accepts, same known answers on both engines."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from click.testing import CliRunner

import planbridge as pb
from planbridge.cli.main import cli
from planbridge.errors import PlanBuildError
from tests.streaming_support import MS, SEC, events, run_both

T0 = 1_700_000_000 * SEC
SCHEMA = {"k": "string", "ts": "timestamp", "v": "int64", "arrival": "int64"}
ROWS = [("a", T0 + i * SEC, i, i) for i in range(25)] + [
    ("b", T0 + 12 * SEC, 100, 30),
    (None, T0 + 3 * SEC, 7, 31),
    ("c", None, 9, 32),
]


def src(delay_s: int = 2) -> pb.Table:
    return pb.table("events", SCHEMA, event_time="ts", watermark=pb.interval(seconds=delay_s))


def check(table: pb.Table, tmp_path, tables=None) -> list[dict]:
    """The plan validates (CLI) and both engines give the same rows; returns them."""
    plan = table.to_substrait()
    path = tmp_path / "plan.json"
    plan.save(path)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    return run_both(plan, tables or {"events": events(ROWS)})


def test_window_aggregation(tmp_path) -> None:
    w = src().window_by().tumble(pb.interval(seconds=10))
    out = check(w.aggregate(by="k", total=w.v.sum(), n=w.v.count()), tmp_path)
    got = sorted(((r["k"] or "-"), r["window_start"] - T0, r["total"], r["n"]) for r in out)
    assert got == [
        ("-", 0, 7, 1),
        ("a", 0, 45, 10),
        ("a", 10 * SEC, 145, 10),
        ("a", 20 * SEC, 110, 5),
        ("b", 10 * SEC, 100, 1),
    ]
    assert all(r["window_end"] - r["window_start"] == 10 * SEC for r in out)


def test_hop_and_cumulate_aggregation(tmp_path) -> None:
    h = src().window_by().hop(pb.interval(seconds=10), pb.interval(seconds=5))
    out = check(h.aggregate(n=h.v.count()), tmp_path)
    assert sorted((r["window_start"] - T0, r["n"]) for r in out) == [
        (-5 * SEC, 6),  # a 0..4 + null key at 3 s
        (0, 11),
        (5 * SEC, 11),  # a 5..14 + b at 12 s
        (10 * SEC, 11),
        (15 * SEC, 10),
        (20 * SEC, 5),
    ]
    c = src().window_by().cumulate(pb.interval(seconds=5), pb.interval(seconds=10))
    out = check(c.aggregate(n=c.v.count()), tmp_path)
    assert sorted((r["window_start"] - T0, r["window_end"] - T0, r["n"]) for r in out) == [
        (0, 5 * SEC, 6),
        (0, 10 * SEC, 11),
        (10 * SEC, 15 * SEC, 6),
        (10 * SEC, 20 * SEC, 11),
        (20 * SEC, 25 * SEC, 5),
        (20 * SEC, 30 * SEC, 5),
    ]


def test_session_aggregation_per_key(tmp_path) -> None:
    s = src().window_by().session(pb.interval(seconds=3), by="k")
    out = check(s.aggregate(by="k", n=s.v.count()), tmp_path)
    assert sorted(
        ((r["k"] or "-"), r["window_start"] - T0, r["window_end"] - T0, r["n"]) for r in out
    ) == [
        ("-", 3 * SEC, 6 * SEC, 1),
        ("a", 0, 27 * SEC, 25),
        ("b", 12 * SEC, 15 * SEC, 1),
    ]


def test_window_top_n_and_dedup(tmp_path) -> None:
    w = src().window_by().tumble(pb.interval(seconds=10))
    top = check(w.top_n(2, pb.desc(w.v), by="k"), tmp_path)
    assert sorted((r["k"] or "-", r["v"]) for r in top) == [
        ("-", 7),
        ("a", 8),
        ("a", 9),
        ("a", 18),
        ("a", 19),
        ("a", 23),
        ("a", 24),
        ("b", 100),
    ]
    last = check(w.dedup(by="k", keep="last"), tmp_path)
    assert sorted((r["k"] or "-", r["v"]) for r in last) == [
        ("-", 7),
        ("a", 9),
        ("a", 19),
        ("a", 24),
        ("b", 100),
    ]


def test_window_join(tmp_path) -> None:
    other = pb.table("other", SCHEMA)
    w = src().window_by().tumble(pb.interval(seconds=10))
    o = other.window_by("ts").tumble(pb.interval(seconds=10))
    lhs = w.aggregate(by="k", n=w.v.count())
    rhs = o.aggregate(by="k", m=o.v.sum())
    joined = lhs.join(
        rhs,
        [
            lhs.window_start == rhs.window_start,
            lhs.window_end == rhs.window_end,
            lhs.k == rhs.k,
        ],
    )
    other_rows = [("a", T0 + 15 * SEC, 1000, 0), ("b", T0 + 40 * SEC, 1, 1)]
    out = check(joined, tmp_path, {"events": events(ROWS), "other": events(other_rows)})
    assert [(r["k"], r["window_start"] - T0, r["n"], r["m"]) for r in out] == [
        ("a", 10 * SEC, 10, 1000)
    ]
    rows = check(
        w.window_join(o, on="k"), tmp_path, {"events": events(ROWS), "other": events(other_rows)}
    )
    assert sorted(r["v"] for r in rows) == list(range(10, 20))


def test_interval_join(tmp_path) -> None:
    other = pb.table("other", SCHEMA)
    j = src().interval_join(
        other,
        on="k",
        left_time="ts",
        right_time="ts",
        lower=pb.interval(seconds=1),
        upper=pb.interval(milliseconds=500),
    )
    other_rows = [("a", T0 + 4 * SEC, 1, 0), ("a", T0 + 9_500 * MS, 2, 1), ("b", None, 3, 2)]
    out = check(j, tmp_path, {"events": events(ROWS), "other": events(other_rows)})
    # b.ts within [a.ts - 1 s, a.ts + 0.5 s]: 4 s matches a at 4 s and 5 s;
    # 9.5 s matches a at 9 s (9.5 <= 9.5) and 10 s (9.5 >= 9)
    assert sorted((r["v"], r["v_right"]) for r in out) == [(4, 1), (5, 1), (9, 2), (10, 2)]


def test_over_time_range_and_rows(tmp_path) -> None:
    rows = [
        ("a", T0, 1, 0),
        ("a", T0 + 2 * SEC, 2, 1),
        ("a", T0 + 3 * SEC, 4, 2),
        ("a", T0 + 6 * SEC, 8, 3),
        ("b", T0 + 3 * SEC, 16, 4),
    ]
    t = src()
    ranged = check(
        t.over_time("ts", pb.interval(seconds=3), group_by="k", s=t.v.sum()),
        tmp_path,
        {"events": events(rows)},
    )
    assert [(r["k"], r["v"], r["s"]) for r in ranged] == [
        ("a", 1, 1),
        ("a", 2, 3),
        ("a", 4, 7),
        ("a", 8, 12),
        ("b", 16, 16),
    ]
    counted = check(
        t.over_rows("ts", 1, group_by="k", s=t.v.sum()), tmp_path, {"events": events(rows)}
    )
    assert [r["s"] for r in counted] == [1, 3, 6, 12, 16]


def test_dedup_per_key(tmp_path) -> None:
    t = src()
    first = check(t.dedup("k", "ts", keep="first"), tmp_path)
    assert sorted((r["k"] or "-", r["v"]) for r in first) == [
        ("-", 7),
        ("a", 0),
        ("b", 100),
        ("c", 9),
    ]
    with pytest.raises(PlanBuildError, match="keep"):
        t.dedup("k", "ts", keep="middle")


def test_temporal_join(tmp_path) -> None:
    rates = pb.table("rates", {"k": "string", "vt": "timestamp", "rate": "int64"})
    j = src().temporal_join(rates, on="k", time="ts", version_time="vt", how="left")
    rate_rows = pa.table(
        {
            "k": ["a", "a", "b"],
            "vt": pa.array([T0 + 1 * SEC, T0 + 10 * SEC, T0 + 13 * SEC], pa.timestamp("us")),
            "rate": [1, 2, 3],
        }
    )
    out = check(j, tmp_path, {"events": events(ROWS), "rates": rate_rows})
    got = {(r["k"], r["v"]): r["rate"] for r in out}
    assert got[("a", 0)] is None  # before the first version
    assert got[("a", 1)] == 1  # exactly at a version time
    assert got[("a", 9)] == 1 and got[("a", 10)] == 2 and got[("a", 24)] == 2
    assert got[("b", 100)] is None  # b's only version is later than its row
    assert got[(None, 7)] is None and got[("c", 9)] is None
    inner = check(
        src().temporal_join(rates, on="k", time="ts", version_time="vt"),
        tmp_path,
        {"events": events(ROWS), "rates": rate_rows},
    )
    assert len(inner) == 24


def test_replayed_window_aggregation_drops_late_rows(tmp_path) -> None:
    w = src(delay_s=2).window_by(arrival="arrival").tumble(pb.interval(seconds=10))
    out = check(w.aggregate(by="k", n=w.v.count()), tmp_path)
    # b (ts 12 s) arrives after a's 24 s: watermark 22 s >= 20 s - 1 ms, so it is late;
    # so is the null-key row at 3 s
    assert sorted((r["k"], r["window_start"] - T0, r["n"]) for r in out) == [
        ("a", 0, 10),
        ("a", 10 * SEC, 10),
        ("a", 20 * SEC, 5),
    ]


def test_insert_into_makes_a_write_relation(tmp_path) -> None:
    w = src().window_by().tumble(pb.interval(seconds=10))
    sink = w.aggregate(n=w.v.count()).insert_into("counts")
    plan = sink.to_substrait()
    write = plan.proto.relations[-1].root.input
    assert write.WhichOneof("rel_type") == "write"
    assert list(write.write.named_table.names) == ["counts"]
    path = tmp_path / "sink.json"
    plan.save(path)
    assert CliRunner().invoke(cli, ["validate", str(path)]).exit_code == 0


def test_bad_windows_are_build_errors() -> None:
    t = src()
    with pytest.raises(pb.PlanError, match="whole multiple"):
        t.window_by().hop(pb.interval(seconds=10), pb.interval(seconds=3))
    with pytest.raises(pb.PlanError, match="not a column"):
        t.window_by("nope")
        t.window_by("nope").tumble(pb.interval(seconds=1))
    with pytest.raises(pb.PlanError, match="event time must be"):
        t.window_by("v").tumble(pb.interval(seconds=1))
    with pytest.raises(pb.PlanError, match="positive"):
        t.window_by().tumble(dt.timedelta(0))
    with pytest.raises(pb.PlanError, match="interval"):
        t.window_by().tumble("10 seconds")


def test_streaming_demo_pipeline_counts_clicks_per_minute() -> None:
    import runpy
    from collections import Counter
    from pathlib import Path

    path = Path(__file__).parents[1] / "examples" / "pipelines" / "windowed_clicks.py"
    module = runpy.run_path(str(path), run_name="__planbridge__")
    tables = module["tables"]()
    out = run_both(module["plan"].to_substrait(), tables)
    clicks = tables["clicks"].to_pylist()
    want = Counter((c["page"], c["clicked_at"].replace(second=0)) for c in clicks)
    got = {(r["page"], r["window_start"]): r["clicks"] for r in out}
    epoch = dt.datetime(1970, 1, 1)
    assert got == {
        (p, (m - epoch) // dt.timedelta(microseconds=1)): n for (p, m), n in want.items()
    }


@pytest.mark.parametrize("unit", ["ms", "us", "ns"])
def test_interval_join_on_each_timestamp_precision(unit: str) -> None:
    """The join bounds are intervals of the time column's own precision (inclusive)."""
    t0 = dt.datetime(2024, 1, 1)
    sch = pa.schema([("k", pa.int64()), ("t", pa.timestamp(unit))])
    a, b = pb.table("a", sch), pb.table("b", sch)
    joined = a.interval_join(
        b,
        on="k",
        left_time="t",
        right_time="t",
        lower=pb.interval(seconds=2),
        upper=pb.interval(seconds=1),
    )
    left = [t0, t0 + dt.timedelta(seconds=10)]
    right = [
        t0 - dt.timedelta(seconds=2),
        t0 + dt.timedelta(seconds=1, milliseconds=1),
        t0 + dt.timedelta(seconds=9),
    ]
    want = sorted(
        (x, y)
        for x in left
        for y in right
        if x - dt.timedelta(seconds=2) <= y <= x + dt.timedelta(seconds=1)
    )
    data = {
        "a": pa.table({"k": [1, 1], "t": left}, schema=sch),
        "b": pa.table({"k": [1, 1, 1], "t": right}, schema=sch),
    }
    for engine in ("duckdb", "datafusion"):
        got = joined.execute(engine=engine, tables=data)
        rows = sorted(zip(got.column(1).to_pylist(), got.column(3).to_pylist(), strict=True))
        assert rows == want, engine
