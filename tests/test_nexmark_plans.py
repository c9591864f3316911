"""planbridge's Flink translation gives the physical plan of the hand-written Flink SQL.

Nexmark q5 and q7 (conformance/nexmark/queries.py) against the published Flink SQL
(conformance/nexmark/flink_sql/), over the same source and views in one streaming session:
Flink's optimized execution plans must have the same operator tree (field names dropped,
see :mod:`planbridge.testing.flink_plans`). The benchmark compares their speed.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pyarrow as pa
import pytest

import planbridge as pb
from planbridge.engines import explain_query
from planbridge.engines.flink import FlinkConfig, FlinkSession
from planbridge.execute import bind
from planbridge.testing import nexmark as nx
from planbridge.testing.flink_plans import declare_plan, operator_tree, tree_diff
from tests.streaming_support import as_micros

ROOT = Path(__file__).resolve().parents[1]
NEXMARK = ROOT / "conformance" / "nexmark"


def _queries():
    spec = importlib.util.spec_from_file_location("nexmark_queries", NEXMARK / "queries.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


Q = _queries()


def hand_written(name: str) -> str:
    text = (NEXMARK / "flink_sql" / f"{name}.sql").read_text()
    return "\n".join(line for line in text.splitlines() if not line.startswith("--")).strip()


@pytest.fixture(scope="module")
def nexmark(tmp_path_factory) -> tuple[FlinkSession, Path]:
    """A streaming session with the hand-written queries' ``event`` table and views."""
    cfg = nx.NexmarkConfig(events=300, rate=50, seed=3)
    path = nx.write(cfg, tmp_path_factory.mktemp("nexmark"), formats=("json",))["json"]
    session = FlinkSession(FlinkConfig(mode="streaming", parallelism=1))
    for stmt in nx.flink_ddl(path):
        session.execute(stmt)
    return session, path


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("q5", ["WindowJoin", "GlobalWindowAggregate", "Reused"]),
        ("q7", ["Join", "GlobalWindowAggregate", "WatermarkAssigner", "Reused"]),
    ],
)
def test_same_physical_plan_as_hand_written(name: str, expected: list[str], nexmark) -> None:
    session, path = nexmark
    ours = declare_plan(session, Q.QUERIES[name]().to_substrait(), {"event": str(path)})
    ours_plan, theirs_plan = session.explain(ours), session.explain(hand_written(name))
    assert tree_diff(ours_plan, theirs_plan) == []
    tree = operator_tree(ours_plan)
    names = {line.split()[0] for line in tree}
    assert set(expected) <= names, tree
    assert sum("reused" in line for line in tree) == 1  # the source (q7) or aggregate (q5)


def test_a_reordering_calc_is_a_different_plan(nexmark) -> None:
    """The comparison sees the Calc a window aggregate in the plan's column order costs."""
    session, _ = nexmark
    reordered = hand_written("q5").replace(
        "SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime",
        "SELECT window_start AS starttime, window_end AS endtime, auction, COUNT(*) AS num",
    )
    assert reordered != hand_written("q5")
    diff = tree_diff(session.explain(reordered), session.explain(hand_written("q5")))
    assert any(line.strip() == "+Calc" or line.lstrip("+ ").startswith("Calc") for line in diff)


MS_SCHEMA = {"k": "string", "ts": "timestamp(3)", "v": "int64", "w": "int64"}
T0 = dt.datetime(2024, 1, 1)


def _ms_events() -> pa.Table:
    rows = [(["a", "b", "c"][i % 3], T0 + dt.timedelta(seconds=i), i % 5, i % 2) for i in range(30)]
    return pa.table(
        {
            "k": pa.array([r[0] for r in rows]),
            "ts": pa.array([r[1] for r in rows], pa.timestamp("ms")),
            "v": pa.array([r[2] for r in rows], pa.int64()),
            "w": pa.array([r[3] for r in rows], pa.int64()),
        }
    )


def _highest_per_window() -> pb.Table:
    """A q7-shaped plan over any table: rows of a filtered view joined to the view's window
    maxima (keys given out of input order), by value and time."""
    t = pb.table("ms", MS_SCHEMA, event_time="ts", watermark=pb.interval(seconds=1))
    view = t.filter(t.w == 0).select(k=t.k, ts=t.ts, v=t.v)
    win = view.window_by("ts").tumble(pb.interval(seconds=10))
    top = win.aggregate(by=["v", "k"], n=win.ts.count())
    j = view.join(top, (view.k == top.k) & (view.v == top.v) & (view.ts <= top.window_end))
    return j.select(k=view.k, ts=view.ts, v=view.v, n=top.n, end=top.window_end)


def test_any_view_and_its_window_share_one_source_and_keep_columns() -> None:
    plan = _highest_per_window().to_substrait()
    script = explain_query(bind(plan, "flink"), "flink")
    assert script.count("CREATE TEMPORARY TABLE") == 1
    assert "_pb_rt" not in script  # the watermark is on the column itself, as by hand
    rows = {}
    for engine in ("flink", "duckdb", "datafusion"):
        out = as_micros(pb.execute(plan, engine, tables={"ms": _ms_events()}))
        rows[engine] = sorted(out, key=lambda r: tuple(map(str, r.values())))
    assert rows["flink"] and rows["flink"] == rows["duckdb"] == rows["datafusion"]
    assert list(rows["flink"][0]) == ["k", "ts", "v", "n", "end"]
