"""Processing time: ``pb.table(..., processing_time=)`` / ``t.with_processing_time()``.

Batch engines (and ``lower_plan``) give every row one instant, the time the query starts;
the tests check it against the wall clock read around the call. Flink computes
``PROCTIME()`` per row; its windows are checked against the wall clock of the run.
"""

from __future__ import annotations

import datetime as dt
import time

import pyarrow as pa
import pytest
from click.testing import CliRunner
from substrait.extension_registry import ExtensionRegistry
from substrait.type_inference import infer_plan_schema

import planbridge as pb
from planbridge import streaming
from planbridge.cli.main import cli
from planbridge.conformance.native import NativeDataFusion
from planbridge.engines import explain_query
from planbridge.errors import PlanBuildError, PlanValidationError
from planbridge.execute import bind
from planbridge.plan import Plan
from planbridge.streaming.lower import has_streaming_relations, lower_plan
from tests.streaming_support import ENGINES, MS, SEC, as_micros, events, run

SCHEMA = {"k": "string", "v": "int64"}
DATA = pa.table({"k": ["a", "b", "a", None, "b"], "v": [1, 2, 3, 4, 5]})
DAY = 86_400_000_000


def clicks() -> pb.Table:
    return pb.table("clicks", SCHEMA, processing_time="pt")


def timed(plan, engine: str, connection=None) -> tuple[int, list[dict], int]:
    """(wall clock before in ms, rows with times in microseconds, wall clock after in us)."""
    before = time.time_ns() // 1_000_000 * MS
    rows = as_micros(pb.execute(plan, engine, tables={"clicks": DATA}, connection=connection))
    return before, rows, time.time_ns() // 1000


def test_the_column_is_a_millisecond_instant_after_the_input_columns() -> None:
    t = clicks()
    assert list(t.schema) == ["k", "v", "pt"]
    pt = t.schema["pt"]
    assert pt.WhichOneof("kind") == "precision_timestamp_tz"
    assert pt.precision_timestamp_tz.precision == 3
    assert pt.precision_timestamp_tz.nullability == pt.NULLABILITY_REQUIRED
    same = pb.table("clicks", SCHEMA).with_processing_time("pt")
    assert same.to_substrait().proto == t.to_substrait().proto
    # event time and processing time together; the event time stays the default window time
    both = pb.table("clicks", {**SCHEMA, "ts": "timestamp"}, event_time="ts", processing_time="pt")
    assert list(both.schema) == ["k", "v", "ts", "pt"]
    assert both.window_by()._time == "ts"


def test_the_plan_validates_and_inference_sees_through(tmp_path) -> None:
    p = clicks().to_substrait()
    path = tmp_path / "p.json"
    p.save(path)
    assert CliRunner().invoke(cli, ["validate", str(path)]).exit_code == 0
    reg = streaming.register(ExtensionRegistry(load_default_extensions=True))
    ns = infer_plan_schema(p.proto, registry=reg)
    assert [t.WhichOneof("kind") for t in ns.struct.types] == [
        "string",
        "i64",
        "precision_timestamp_tz",
    ]
    detail = p.proto.relations[-1].root.input.extension_single.detail
    assert detail.type_url == "type.googleapis.com/planbridge.streaming.v1.ProcessingTime"
    assert streaming.decode(detail) == streaming.ProcessingTime("pt")


@pytest.mark.parametrize("engine", ENGINES)
def test_batch_engines_give_every_row_the_query_start(engine: str) -> None:
    before, rows, after = timed(clicks().to_substrait(), engine)
    assert [(r["k"], r["v"]) for r in rows] == list(zip(*DATA.to_pydict().values(), strict=True))
    times = {r["pt"] for r in rows}
    assert len(times) == 1  # the same instant for every row
    (pt,) = times
    assert before <= pt <= after and pt % MS == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_windows_and_over_aggregations_on_processing_time(engine: str) -> None:
    t = clicks()
    w = t.window_by("pt").tumble(dt.timedelta(days=1))
    before, rows, after = timed(
        w.aggregate(by="k", n=w.v.count(), s=w.v.sum()).to_substrait(), engine
    )
    assert sorted((r["k"] or "", r["n"], r["s"]) for r in rows) == [
        ("", 1, 4),
        ("a", 2, 4),
        ("b", 2, 7),
    ]
    for r in rows:  # the query start's day, whichever side of midnight it fell
        assert r["window_end"] - r["window_start"] == DAY and r["window_start"] % DAY == 0
        assert r["window_start"] <= after and r["window_end"] > before
    over = t.over_time("pt", pb.interval(seconds=1), group_by="k", s=t.v.sum())
    _, rows, _ = timed(over.to_substrait(), engine)
    assert sorted((r["k"] or "", r["v"], r["s"]) for r in rows) == [
        ("", 4, 4),
        ("a", 1, 4),
        ("a", 3, 4),
        ("b", 2, 7),
        ("b", 5, 7),
    ]  # every row of a key ties on processing time: the whole key is in range


def test_lower_plan_uses_the_given_instant_and_datafusions_consumer_runs_it() -> None:
    now = dt.datetime(2024, 2, 29, 12, 30, 45, 678_901, tzinfo=dt.UTC)
    lowered = lower_plan(clicks().to_substrait(), now=now)
    assert not has_streaming_relations(lowered)
    got = NativeDataFusion().run(lowered, {"clicks": DATA})
    micros = as_micros(got.rename_columns(["k", "v", "pt"]))
    want = (
        now.replace(microsecond=678_000) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    ) // dt.timedelta(microseconds=1)
    assert {r["pt"] for r in micros} == {want}
    with pytest.raises(PlanValidationError, match="zone-aware"):
        lower_plan(clicks().to_substrait(), now=dt.datetime(2024, 1, 1))


def test_bad_processing_time_columns_are_clear_errors() -> None:
    with pytest.raises(PlanBuildError, match="already a column"):
        pb.table("clicks", SCHEMA).with_processing_time("v")
    with pytest.raises(PlanBuildError, match="non-empty string"):
        pb.table("clicks", SCHEMA).with_processing_time("")
    p = clicks().to_substrait()
    proto = type(p.proto)()
    proto.CopyFrom(p.proto)
    proto.relations[-1].root.input.extension_single.detail.CopyFrom(
        streaming.ProcessingTime("").to_any()
    )
    with pytest.raises(PlanValidationError, match="needs a name") as info:
        pb.execute(Plan(proto), "duckdb", tables={"clicks": DATA})
    assert info.value.path.startswith("relations[0].root")


# -- Flink: PROCTIME() -----------------------------------------------------------------
def test_flink_declares_proctime_in_the_source_ddl() -> None:
    w = clicks().window_by("pt").tumble(pb.interval(seconds=10))
    text = explain_query(bind(w.aggregate(n=w.v.count()).to_substrait(), "flink"), "flink")
    assert "`_pb_pt` AS PROCTIME()" in text
    assert "TUMBLE(TABLE `clicks`, DESCRIPTOR(`_pb_pt`)" in text


def test_flink_assigns_processing_time_windows_by_its_wall_clock() -> None:
    """Every row lands in a window whose bounds bracket the wall clock of the run."""
    size = 10 * 1_000_000
    w = clicks().window_by("pt").tumble(pb.interval(seconds=10))
    before, rows, after = timed(w.to_substrait(), "flink")
    assert sorted((r["k"] or "", r["v"]) for r in rows) == sorted(
        (k or "", v) for k, v in zip(*DATA.to_pydict().values(), strict=True)
    )
    for r in rows:
        assert before <= r["pt"] <= after
        assert r["window_end"] - r["window_start"] == size and r["window_start"] % size == 0
        assert r["window_start"] <= after and r["window_end"] > before


def test_flink_processing_time_window_aggregates_open_at_end_of_input_are_not_emitted() -> None:
    """Flink fires processing-time windows on wall-clock timers, which it cancels when a
    bounded input ends: a window still open then is never emitted (docs say so)."""
    w = clicks().window_by("pt").tumble(dt.timedelta(days=1))
    before, rows, after = timed(w.aggregate(by="k", n=w.v.count()).to_substrait(), "flink")
    crossed_midnight = before // DAY != after // DAY
    assert rows == [] or crossed_midnight


def test_flink_event_time_windows_beside_a_processing_time_column() -> None:
    schema = {"k": "string", "ts": "timestamp", "v": "int64", "arrival": "int64"}
    t0 = 1_700_000_000 * SEC
    rows = [("a" if i % 3 else "b", t0 + i * SEC, i, i) for i in range(12)]
    t = pb.table("events", schema, event_time="ts", processing_time="pt")
    for w in (
        t.window_by().tumble(pb.interval(seconds=5)),
        t.window_by(arrival="arrival").hop(pb.interval(seconds=4), pb.interval(seconds=2)),
    ):
        p = w.aggregate(by="k", n=w.v.count()).to_substrait()
        got = run(p, {"events": events(rows)}, "flink")
        assert got == run(p, {"events": events(rows)}, "duckdb")
        assert sum(r["n"] for r in got) >= len(rows)


def test_flink_over_aggregation_on_processing_time() -> None:
    """Flink computes PROCTIME() per row (batch mode: no windows): each row's range holds
    itself and only rows of its key, and every time lies within the run."""
    t = clicks()
    before, rows, after = timed(
        t.over_time("pt", pb.interval(seconds=1), group_by="k", s=t.v.sum()).to_substrait(),
        "flink",
    )
    totals = {"a": 4, "b": 7, None: 4}
    assert sorted(r["v"] for r in rows) == [1, 2, 3, 4, 5]
    for r in rows:
        assert before <= r["pt"] <= after
        assert r["v"] <= r["s"] <= totals[r["k"]]


def test_flink_windows_on_processing_time_of_derived_relations() -> None:
    """PROCTIME() stays a time attribute through filters and projections (Nexmark q12's
    shape: a processing-time window over a view of the stream)."""
    t = pb.table("clicks", SCHEMA)
    added_late = t.filter(t.v > 1).select("k", "v").with_processing_time("pt")
    c = clicks()
    filtered = c.filter(c.v > 1)
    for derived in (added_late, filtered):
        w = derived.window_by("pt").tumble(pb.interval(seconds=10))
        before, rows, after = timed(w.to_substrait(), "flink")
        assert sorted(r["v"] for r in rows) == [2, 3, 4, 5]
        for r in rows:
            assert before <= r["pt"] <= after
            assert r["window_start"] <= after and r["window_end"] > before
