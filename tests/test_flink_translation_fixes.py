"""Flink translation gaps closed (or named) against DuckDB as truth: decimal literals, checked
integer overflow, integer averages, OFFSET alone, multiset minus, any_value, ordered
aggregates, float rounding, and session windows in batch mode. Real Flink, small inputs."""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

import planbridge as pb
from planbridge.conformance import LocalSource, PlanbridgeEngine
from planbridge.conformance.build import P, col, fn, lit, table_t, to_plan
from planbridge.conformance.case import PASS
from planbridge.conformance.runner import run_case
from planbridge.errors import PlanError, UnsupportedError
from planbridge.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
T0 = 1_714_564_800_000  # 2024-05-01 12:00 UTC in ms


@functools.cache
def _local_cases() -> dict:
    return {c.id: c for c in LocalSource(ROOT / "conformance" / "cases").cases()}


@pytest.mark.parametrize(
    "case_id",
    [
        "cases/relation/relations/set_minus_multiset",
        "cases/relation/relations/fetch_offset_only",
        "cases/function/functions/aggregate_arithmetic",
        "cases/function/functions/add_overflow_error",
        "cases/function/functions/aggregate_any_value",
    ],
)
def test_local_case_passes_on_flink(case_id: str) -> None:
    (result,), _ = run_case(_local_cases()[case_id], [PlanbridgeEngine("flink")])
    assert result.status == PASS, f"{result.status}: {result.reason}\n{result.diff}"


def test_ordered_string_agg_is_unsupported_naming_the_aggregate() -> None:
    case = _local_cases()["cases/function/functions/string_agg"]
    (result,), _ = run_case(case, [PlanbridgeEngine("flink")])
    assert result.status == "unsupported"
    assert "relations[0].root.input.aggregate" in result.reason
    assert "cannot order the input of an aggregate" in result.reason


def _both(table: pb.Table, data: pa.Table, **kw) -> tuple[list[dict], list[dict]]:
    tables = {"t": data}
    got = table.execute("flink", tables=tables, **kw).to_pylist()
    want = table.execute("duckdb", tables=tables).to_pylist()
    return got, want


def test_decimal_literals_whose_precision_is_their_scale() -> None:
    """'0.5' as DECIMAL(1, 1) overflowed Flink's string cast (TPC-H q11, q17, q20)."""
    data = pa.table(
        {"d": pa.array([Decimal("12.34"), Decimal("-0.01"), None], pa.decimal128(6, 2))}
    )
    t = pb.table("t", data.schema)
    q = t.select(a=t.d * Decimal("0.0001"), b=t.d * Decimal("0.5"), c=t.d * Decimal("-0.2"))
    got, want = _both(q, data)
    assert got == want
    assert got[0]["b"] == Decimal("6.170")


def test_integer_overflow_checked_on_every_checked_operator() -> None:
    """``overflow: ERROR``: Flink wraps silently, so planbridge checks the exact result."""
    data = pa.table({"id": pa.array([2**62, -(2**62), None], pa.int64())})
    x = col("id")

    def checked(name: str, *args) -> Plan:
        return to_plan(
            P.select(table_t(["id"]), [fn("arithmetic", name, *args, alias="r", overflow="ERROR")])
        )

    fine = checked("add", x, lit(2**62 - 1, "i64"))
    got = pb.execute(fine, "flink", tables={"t": data}).to_pylist()
    assert got == pb.execute(fine, "duckdb", tables={"t": data}).to_pylist()
    for plan in (
        checked("add", x, lit(2**62, "i64")),
        checked("multiply", x, lit(2, "i64")),
        checked("subtract", x, lit(2**63 - 1, "i64")),
    ):
        with pytest.raises(PlanError):
            pb.execute(plan, "duckdb", tables={"t": data})
        with pytest.raises(PlanError, match="i64 overflow"):
            pb.execute(plan, "flink", tables={"t": data})


def test_integer_average_is_the_exact_mean() -> None:
    data = pa.table({"g": ["a", "a", "a", "b"], "v": pa.array([1, 2, 2, -3], pa.int64())})
    t = pb.table("t", data.schema)
    q = t.group_by("g").aggregate(m=t.v.mean(), u=t.v.mean(where=t.v > 1))
    got, want = _both(q, data)
    assert sorted(got, key=str) == sorted(want, key=str)
    assert {r["g"]: r["m"] for r in got}["a"] == pytest.approx(5 / 3)


def _rounded(rows: list[dict]) -> list[str]:
    return [
        "nan" if isinstance(v, float) and math.isnan(v) else repr(v + 0.0 if v is not None else v)
        for v in (r["r"] for r in rows)
    ]


def test_round_of_doubles_matches_duckdb() -> None:
    """Flink's own ROUND rounds the shortest decimal text (1.005 -> 1.01, though the double
    is below 1.005) and fails on NaN; the exact formulation agrees with DuckDB."""
    xs = [2.5, -2.5, 0.125, 1.005, 2.675, 0.285, 123.456, float("nan"), float("inf"), None, 1e300]
    data = pa.table({"x": pa.array(xs, pa.float64())})
    t = pb.table("t", data.schema)
    for digits in (0, 2, -1):
        got, want = _both(t.select(r=t.x.round(digits)), data)
        assert _rounded(got) == _rounded(want), digits


def test_session_window_in_batch_mode_is_a_clear_error() -> None:
    data = pa.table(
        {
            "k": ["a", "a"],
            "ts": pa.array([0, 1000], pa.timestamp("ms")),
        }
    )
    t = pb.table("t", {"k": "string", "ts": "timestamp"}, event_time="ts")
    w = t.window_by("ts").session(pb.interval(seconds=5), by="k")
    q = w.aggregate(by="k", n=w.k.count())
    with pytest.raises(UnsupportedError, match="session windows in streaming mode only") as info:
        q.execute("flink", tables={"t": data}, connection="batch")
    assert info.value.path.endswith("extension_single")
    rows = q.execute("flink", tables={"t": data}).to_pylist()
    assert [(r["k"], r["n"]) for r in rows] == [("a", 2)]


def test_re_extract_agrees_on_three_engines() -> None:
    data = pa.table({"u": ["a=1&channel_id=42", "channel_id=7", "x=1", None, "p/q/r/s"]})
    t = pb.table("t", data.schema)
    q = t.select(
        "u",
        cid=t.u.re_extract("(&|^)channel_id=([^&]*)", 2),
        whole=t.u.re_extract("[0-9]+"),
        dir2=t.u.re_extract("^([^/]*/){2}([^/]*)", 2),
    )
    want = q.execute("duckdb", tables={"t": data}).to_pylist()
    assert [r["cid"] for r in want] == ["42", "7", None, None, None]
    assert [r["dir2"] for r in want] == [None, None, None, None, "r"]
    for engine in ("datafusion", "flink"):
        assert q.execute(engine, tables={"t": data}).to_pylist() == want, engine


def test_over_aggregation_in_streaming_mode() -> None:
    """Streaming OVER windows order by a millisecond event time declared the source's time
    attribute; a microsecond one Flink still refuses, naming the relation."""
    ms = pa.table(
        {
            "k": ["a", "a", "b"],
            "v": [1, 2, 4],
            "ts": pa.array([T0, T0 + 1000, T0 + 500], pa.timestamp("ms")),
        }
    )
    late = pb.interval(seconds=5)  # b's row arrives 500 ms behind a's second one
    t = pb.table("t", ms.schema, event_time="ts", watermark=late)
    for q in (
        t.over_rows("ts", 1, group_by="k", total=t.v.sum()),
        t.over_time("ts", pb.interval(seconds=1), group_by="k", total=t.v.sum()),
    ):
        got = q.execute("flink", tables={"t": ms}, connection="streaming").to_pylist()
        want = q.execute("duckdb", tables={"t": ms}).to_pylist()
        assert sorted(got, key=str) == sorted(want, key=str)
        assert sorted(r["total"] for r in got) == [1, 3, 4]
    us = ms.set_column(2, "ts", ms.column("ts").cast(pa.timestamp("us")))
    t = pb.table("t", us.schema, event_time="ts", watermark=late)
    q = t.over_rows("ts", 1, group_by="k", total=t.v.sum())
    with pytest.raises(PlanError, match="Non-time attribute sort") as info:
        q.execute("flink", tables={"t": us}, connection="streaming")
    assert info.value.path.startswith("relations[0].root")
    rows = q.execute("flink", tables={"t": us}).to_pylist()  # batch mode, the default
    assert sorted(r["total"] for r in rows) == [1, 3, 4]
