"""Nexmark q5 and q7 on embedded Flink: planbridge's plan against the hand-written Flink SQL.

Both read the same generated JSON-lines file with the same watermark (4 s) in the same
streaming session; each query runs to completion (bounded source, final watermark) and is
timed from submission to the last result row. Runs alternate between the two forms;
reported are medians, events/s and the throughput ratio (planbridge / hand-written), plus
whether Flink's optimized execution plans have the same operator tree.

    .venv/bin/python bench/nexmark_bench.py --events 2000000 --runs 3
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import re
import statistics
import tempfile
import time
from pathlib import Path

from planbridge.engines.flink import FlinkConfig, FlinkSession
from planbridge.engines.flink.engine import FlinkEngine
from planbridge.execute import bind
from planbridge.testing import nexmark as nx

ROOT = Path(__file__).resolve().parents[1]
NEXMARK = ROOT / "conformance" / "nexmark"


def queries():
    spec = importlib.util.spec_from_file_location("nexmark_queries", NEXMARK / "queries.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def hand_written(name: str) -> str:
    text = (NEXMARK / "flink_sql" / f"{name}.sql").read_text()
    return "\n".join(line for line in text.splitlines() if not line.startswith("--")).strip()


def operator_tree(explain: str) -> list[str]:
    """The optimized execution plan as indented operator names (field names dropped)."""
    section = explain.split("== Optimized Execution Plan ==", 1)[-1]
    out = []
    for line in section.strip().splitlines():
        m = re.match(r"^([\s:|+\-]*)([A-Za-z]+)\(", line)
        if m:
            out.append(" " * len(m[1]) + m[2])
    return out


def timed(session: FlinkSession, sql: str) -> tuple[float, int]:
    start = time.perf_counter()
    rows = session.query(sql).num_rows
    return time.perf_counter() - start, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--queries", default="q5,q7")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nexmark-bench-"))
    start = time.perf_counter()
    path = nx.write(nx.NexmarkConfig(events=args.events, seed=1), work, formats=("json",))["json"]
    print(f"generated {args.events} events in {time.perf_counter() - start:.1f} s: {path}")

    session = FlinkSession(FlinkConfig(mode="streaming", parallelism=1))
    for stmt in nx.flink_ddl(path):
        session.execute(stmt)
    q = queries()
    for name in args.queries.split(","):
        engine = FlinkEngine(session)
        bound = bind(q.QUERIES[name]().to_substrait(), "flink")
        ours = engine.query(bound, {"event": str(path)})
        for ddl, _ in engine.statements.ddl_sql():  # type: ignore[union-attr]
            session.execute(ddl)
        theirs = hand_written(name)
        times: dict[str, list[float]] = {"planbridge": [], "hand-written": []}
        rows = {}
        for _ in range(args.runs):
            for label, sql in (("planbridge", ours), ("hand-written", theirs)):
                seconds, rows[label] = timed(session, sql)
                times[label].append(seconds)
        med = {k: statistics.median(v) for k, v in times.items()}
        ratio = med["hand-written"] / med["planbridge"]
        print(f"\n{name}: {args.events} events, {args.runs} runs each, medians")
        for label in times:
            print(
                f"  {label:13s} {med[label]:6.2f} s  {args.events / med[label]:>10,.0f} events/s"
                f"  ({rows[label]} rows; runs {', '.join(f'{t:.2f}' for t in times[label])})"
            )
        print(f"  throughput ratio planbridge / hand-written: {ratio:.3f}")
        a, b = operator_tree(session.explain(ours)), operator_tree(session.explain(theirs))
        if a == b:
            print("  optimized execution plans: same operator tree")
        else:
            print("  optimized execution plans differ (operator trees):")
            for line in difflib.unified_diff(b, a, "hand-written", "planbridge", lineterm=""):
                print("    " + line)
        engine.close()


if __name__ == "__main__":
    main()
