"""Nexmark q5 and q7 on embedded Flink: planbridge's plan against the hand-written Flink SQL.

Both read the same generated JSON-lines file with the same watermark (4 s) in the same
streaming session; each query runs to completion (bounded source, final watermark). As in
the Nexmark benchmark, results go to a ``blackhole`` sink (``--sink collect`` instead
collects them to Arrow in Python). Each run is timed twice: wall clock from submission to
the job's end, and the job's own net runtime as Flink reports it (no planning, submission
or Python). After untimed warm-up runs, runs alternate between the two forms (which goes
first alternates too); reported are medians, events/s, the
throughput ratio (planbridge / hand-written), whether Flink's optimized execution plans
have the same operator tree, and (``--check-rows``, default) whether one collected run of
each form gives the same rows.

    .venv/bin/python bench/nexmark_bench.py --events 2000000 --runs 5
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlglot.expressions as exp

from planbridge.engines.flink import FlinkConfig, FlinkSession
from planbridge.engines.flink.ddl import create_table
from planbridge.engines.flink.dialect import FlinkDialect
from planbridge.testing import nexmark as nx
from planbridge.testing.flink_plans import declare_plan, tree_diff

ROOT = Path(__file__).resolve().parents[1]
NEXMARK = ROOT / "conformance" / "nexmark"

#: The result columns of each query (both forms give them in this order).
RESULTS = {
    "q5": [
        ("auction", "BIGINT"),
        ("num", "BIGINT"),
        ("window_start", "TIMESTAMP(3)"),
        ("window_end", "TIMESTAMP(3)"),
    ],
    "q7": [
        ("auction", "BIGINT"),
        ("price", "BIGINT"),
        ("bidder", "BIGINT"),
        ("date_time", "TIMESTAMP(3)"),
        ("extra", "STRING"),
    ],
}


def queries() -> Any:
    spec = importlib.util.spec_from_file_location("nexmark_queries", NEXMARK / "queries.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def hand_written(name: str) -> str:
    text = (NEXMARK / "flink_sql" / f"{name}.sql").read_text()
    return "\n".join(line for line in text.splitlines() if not line.startswith("--")).strip()


def blackhole(session: FlinkSession, name: str) -> str:
    """Declare the query's blackhole sink; returns the ``INSERT INTO`` prefix."""
    sink = f"nexmark_{name}"
    cols = [(c, exp.DataType.build(t, dialect=FlinkDialect)) for c, t in RESULTS[name]]
    session.execute(create_table(sink, cols, {"connector": "blackhole"}).sql(dialect=FlinkDialect))
    return f"INSERT INTO {exp.to_identifier(sink, quoted=True).sql(dialect=FlinkDialect)} "


def run_to_sink(session: FlinkSession, insert: str) -> tuple[float, float]:
    """Wall-clock seconds to the job's end, and the job's net runtime from Flink."""
    start = time.perf_counter()
    client = session.tenv.executeSql(insert).getJobClient().get()
    result = client.getJobExecutionResult().get()
    return time.perf_counter() - start, result.getNetRuntime() / 1000


def run_collect(session: FlinkSession, sql: str) -> tuple[float, float]:
    start = time.perf_counter()
    session.query(sql)
    seconds = time.perf_counter() - start
    return seconds, seconds


def rows(session: FlinkSession, sql: str) -> list[tuple]:
    table = session.query(sql)
    return sorted(tuple(map(repr, r.values())) for r in table.to_pylist())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs of each form first")
    ap.add_argument("--queries", default="q5,q7")
    ap.add_argument("--sink", choices=("blackhole", "collect"), default="blackhole")
    ap.add_argument("--check-rows", action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nexmark-bench-"))
    start = time.perf_counter()
    path = nx.write(nx.NexmarkConfig(events=args.events, seed=1), work, formats=("json",))["json"]
    print(f"generated {args.events} events in {time.perf_counter() - start:.1f} s: {path}")
    print(f"load average before: {os.getloadavg()}")

    session = FlinkSession(FlinkConfig(mode="streaming", parallelism=1))
    for stmt in nx.flink_ddl(path):
        session.execute(stmt)
    q = queries()
    for name in args.queries.split(","):
        start = time.perf_counter()
        ours = declare_plan(session, q.QUERIES[name]().to_substrait(), {"event": str(path)})
        translate = time.perf_counter() - start
        theirs = hand_written(name)
        forms = {"planbridge": ours, "hand-written": theirs}
        if args.sink == "blackhole":
            prefix = blackhole(session, name)
            jobs = {k: prefix + v for k, v in forms.items()}
            runner = run_to_sink
        else:
            jobs, runner = forms, run_collect
        wall: dict[str, list[float]] = {k: [] for k in forms}
        net: dict[str, list[float]] = {k: [] for k in forms}
        for _ in range(args.warmup):
            for sql in jobs.values():
                runner(session, sql)
        for i in range(args.runs):
            order = list(jobs.items())
            for label, sql in order if i % 2 == 0 else order[::-1]:  # alternate who goes first
                w, n = runner(session, sql)
                wall[label].append(w)
                net[label].append(n)
        print(f"\n{name}: {args.events} events, {args.runs} runs each ({args.sink} sink), medians")
        print(f"  planbridge translation + DDL (once, untimed in runs): {translate:.2f} s")
        for label in forms:
            mw, mn = statistics.median(wall[label]), statistics.median(net[label])
            print(
                f"  {label:13s} wall {mw:6.2f} s ({args.events / mw:>9,.0f} events/s), "
                f"job {mn:6.2f} s; runs wall {', '.join(f'{t:.2f}' for t in wall[label])}"
                f"; job {', '.join(f'{t:.2f}' for t in net[label])}"
            )
        for what, times in (("wall clock", wall), ("job runtime", net)):
            ratio = statistics.median(times["hand-written"]) / statistics.median(
                times["planbridge"]
            )
            print(f"  throughput ratio planbridge / hand-written ({what}): {ratio:.3f}")
        pairs = [h / p for p, h in zip(wall["planbridge"], wall["hand-written"], strict=True)]
        print(f"  per-run ratios (wall): {', '.join(f'{r:.3f}' for r in pairs)}")
        diff = tree_diff(session.explain(ours), session.explain(theirs))
        if not diff:
            print("  optimized execution plans: same operator tree")
        else:
            print("  optimized execution plans differ (operator trees):")
            for line in diff:
                print("    " + line)
        if args.check_rows:
            a, b = rows(session, ours), rows(session, theirs)
            print(f"  rows: {len(a)} / {len(b)}, {'identical' if a == b else 'DIFFERENT'}")
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
