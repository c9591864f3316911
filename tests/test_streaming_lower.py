"""Lowering: standard Substrait with the same answers, even on DataFusion's own consumer."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from click.testing import CliRunner
from google.protobuf.any_pb2 import Any as AnyProto
from substrait.builders import plan as sb
from substrait.extension_registry import ExtensionRegistry
from substrait.type_inference import infer_plan_schema

import planbridge as pb
from planbridge import streaming
from planbridge.cli.main import cli
from planbridge.conformance.native import NativeDataFusion
from planbridge.consumer import ir
from planbridge.consumer.bind import bind_plan
from planbridge.errors import PlanValidationError, UnsupportedError
from planbridge.plan import Plan
from planbridge.streaming.lower import has_streaming_relations, lower_plan
from tests.streaming_support import SEC, as_micros, events, run_both, source

T0 = 1_700_000_000 * SEC
SCHEMA = {"k": "string", "ts": "timestamp", "v": "int64", "arrival": "int64"}
ROWS = [("a", T0 + i * 700_000, i, (i * 7) % 40) for i in range(40)] + [
    ("b", T0 + 3 * SEC, 5, 41),
    (None, T0 + 7 * SEC, 6, 42),
    ("b", None, 7, 43),
]


def _pipelines() -> dict[str, pb.Table]:
    t = pb.table("events", SCHEMA, event_time="ts", watermark=pb.interval(seconds=1))
    out = {}
    for name, windowed in {
        "tumble": t.window_by().tumble(pb.interval(seconds=5)),
        "hop": t.window_by().hop(pb.interval(seconds=8), pb.interval(seconds=2)),
        "cumulate": t.window_by().cumulate(pb.interval(seconds=2), pb.interval(seconds=6)),
        "session": t.window_by().session(pb.interval(seconds=1), by="k"),
        "replay": t.window_by(arrival="arrival").tumble(pb.interval(seconds=5)),
    }.items():
        out[name] = windowed.aggregate(by="k", n=windowed.v.count(), s=windowed.v.sum())
    rates = pb.table("rates", {"k": "string", "vt": "timestamp", "rate": "int64"})
    out["temporal"] = t.temporal_join(rates, on="k", time="ts", version_time="vt", how="left")
    return out


RATES = pa.table(
    {
        "k": ["a", "a", "b"],
        "vt": pa.array([T0, T0 + 10 * SEC, T0 + 2 * SEC], pa.timestamp("us")),
        "rate": [1, 2, 3],
    }
)


@pytest.mark.parametrize("name", list(_pipelines()))
def test_lowered_plan_runs_on_datafusions_own_consumer(name: str) -> None:
    plan = _pipelines()[name].to_substrait()
    assert has_streaming_relations(plan)
    lowered = lower_plan(plan)
    assert not has_streaming_relations(lowered)
    assert b"planbridge.streaming" not in lowered.to_bytes()
    tables = {"events": events(ROWS), "rates": RATES}
    ours = run_both(plan, tables)
    native = NativeDataFusion().run(lowered, tables)
    native = native.rename_columns(list(ours[0]) if ours else native.column_names)
    key = lambda r: tuple((v is None, v if v is not None else 0) for v in r.values())  # noqa: E731
    assert sorted(as_micros(native), key=key) == ours
    assert len(ours) > 2


def test_lowering_keeps_other_plans_and_is_idempotent() -> None:
    plan = pb.table("events", SCHEMA).filter(pb.literal(1) == 1).to_substrait()
    assert lower_plan(plan) == plan
    once = lower_plan(_pipelines()["session"].to_substrait())
    assert lower_plan(once) == once


def test_cli_lower_writes_a_standard_plan(tmp_path) -> None:
    src = tmp_path / "w.json"
    _pipelines()["hop"].to_substrait().save(src)
    out = tmp_path / "lowered.json"
    result = CliRunner().invoke(cli, ["lower", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "planbridge.streaming" not in out.read_text()
    assert CliRunner().invoke(cli, ["validate", str(out)]).exit_code == 0


def test_session_replay_is_refused_by_name(tmp_path) -> None:
    t = pb.table("events", SCHEMA, event_time="ts")
    w = t.window_by(arrival="arrival").session(pb.interval(seconds=1))
    src = tmp_path / "s.json"
    w.to_substrait().save(src)
    result = CliRunner().invoke(cli, ["lower", str(src), "-o", str(tmp_path / "o.json")])
    assert result.exit_code == 1
    assert "session windows with a Replay" in result.output
    assert "extension_single" in result.output
    with pytest.raises(UnsupportedError, match="session windows"):
        lower_plan(w.to_substrait())


def _with_detail(detail: AnyProto) -> Plan:
    return Plan(sb.extension_single(source(), detail)(ExtensionRegistry()))


def test_unknown_extension_relation_is_named_not_dropped() -> None:
    detail = AnyProto(type_url="type.googleapis.com/acme.Mystery", value=b"")
    for engine in ("duckdb", "datafusion"):
        with pytest.raises(UnsupportedError, match=r"acme\.Mystery"):
            pb.execute(_with_detail(detail), engine, tables={"events": events(ROWS)})


def test_garbage_detail_is_a_validation_error_with_a_path() -> None:
    bad = AnyProto(type_url=streaming.WindowTVF.type_url, value=b"\xff\xff\xff")
    with pytest.raises(PlanValidationError, match="does not decode") as info:
        bind_plan(_with_detail(bad))
    assert "extension_single" in str(info.value)
    wrong = streaming.WindowTVF("tumble", 2, size_micros=SEC).to_any()  # column 2 is v: i64
    with pytest.raises(PlanValidationError, match="event time must be"):
        pb.execute(_with_detail(wrong), "duckdb", tables={"events": events(ROWS)})
    unspecified = streaming.WindowTVF("tumble", 1, size_micros=SEC).to_any()
    unspecified.value = unspecified.value.replace(b"\x08\x01", b"\x08\x07", 1)
    with pytest.raises(PlanValidationError, match="window kind 7"):
        bind_plan(_with_detail(unspecified))


def test_describe_gives_the_decoded_form() -> None:
    t = pb.table("events", SCHEMA, event_time="ts", watermark=pb.interval(seconds=3))
    w = t.window_by().hop(
        pb.interval(seconds=10), pb.interval(seconds=5), offset=dt.timedelta(seconds=1)
    )
    bound = bind_plan(w.to_substrait())
    found = []

    def walk(rel: ir.Rel) -> None:
        if isinstance(rel, ir.Extension):
            found.append((streaming.describe(rel), [c.name for c in rel.schema]))
        for child in rel.inputs():
            walk(child)

    walk(bound.root)
    (hop, hop_cols), (wm, wm_cols) = found
    assert hop == streaming.WindowTVF("hop", 1, 10 * SEC, 5 * SEC, SEC)
    assert hop_cols == [*SCHEMA, "window_start", "window_end", "window_time"]
    assert wm == streaming.Watermark(1, 3 * SEC)
    assert wm_cols == list(SCHEMA)


def test_substrait_python_inference_sees_through() -> None:
    reg = streaming.register(ExtensionRegistry(load_default_extensions=True))
    plan = _pipelines()["tumble"].to_substrait().proto
    inner = plan.relations[-1].root.input.aggregate.input
    probe = type(plan)()
    probe.CopyFrom(plan)
    probe.relations[-1].root.input.CopyFrom(inner)
    ns = infer_plan_schema(probe, registry=reg)
    assert len(ns.struct.types) == 7
    assert ns.struct.types[4].WhichOneof("kind") == "precision_timestamp"


def _window_functions(msg) -> int:
    count = 0
    for fd, value in msg.ListFields():
        if fd.type != fd.TYPE_MESSAGE:
            continue
        for item in value if fd.is_repeated else [value]:
            if fd.name == "window_function":
                count += 1
            count += _window_functions(item)
    return count


def test_aggregate_over_sessions_uses_the_fused_lowering() -> None:
    fused = lower_plan(_pipelines()["session"].to_substrait())
    assert _window_functions(fused.proto) == 3  # lag, row_number and the running sum
    t = pb.table("events", SCHEMA)
    w = t.window_by("ts").session(pb.interval(seconds=1), by="k")
    general = lower_plan(w.mutate(x=w.v + 1).to_substrait())
    assert _window_functions(general.proto) == 4  # lag, lead, start and end
