"""TPC-H through planbridge vs the same query as hand-written SQL, natively, same engine.

Each of the 22 queries runs as another producer's Substrait plan (Isthmus; DuckDB's plan for
q15, which Isthmus lacks), handed over as binary protobuf bytes, through ``planbridge.execute``
and as the corpus's hand-written SQL on the same connection (the same registered Arrow
tables, in the same process): one untimed execution of each side first, then ``--runs`` timed
executions alternating. That is how a service or pipeline runs a plan again and again, so the
timed planbridge executions find the plan in the translation cache (``planbridge.execute``'s
``translation_cache``). Reported per query: the median of each side and their ratio; the
per-stage times of planbridge: *cold* translation (decode + bind + translate to SQL text, no
cache: the first time a plan is seen), *warm* translation (cache hit: digest of the bytes and
the table checks that validate the cached SQL), and the engine running the SQL to Arrow; and
the ratio a user would see if every execution translated cold. Geometric mean of the ratios.

    .venv/bin/python bench/tpch_bench.py --scale 1 --runs 5 [--engines duckdb,datafusion]

Data comes from tpchgen-cli (``planbridge.testing.tpch``), cast to the types the plans declare.
This is a benchmark, not a test: it asserts nothing and is not collected by pytest.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

import planbridge as pb
import planbridge.execute
from planbridge.conformance.interop import as_declared
from planbridge.engines import engine_class
from planbridge.engines.cache import TranslationCache
from planbridge.errors import PlanError
from planbridge.plan import Plan
from planbridge.testing.tpch import tpch_arrow_tables

pb_execute = sys.modules["planbridge.execute"]  # the module (``pb.execute`` is the function)
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "interop" / "consumer-testing"
PLANS = CORPUS / "plans" / "integration" / "tpch"
SQL = CORPUS / "cases" / "integration" / "tpch"


API = ROOT / "conformance" / "tpch"  # the 22 queries written in planbridge's dataframe API


def plan_file(q: int) -> Path:
    for producer in ("isthmus", "duckdb"):
        p = PLANS / f"q{q:02d}-{producer}_plan.json"
        if p.exists():
            return p
    raise FileNotFoundError(f"no plan for q{q:02d}")


def plan_bytes(q: int, producer: str) -> tuple[str, bytes]:
    """(producer name, binary plan) for query ``q``."""
    if producer == "planbridge":
        from planbridge.cli.compile import compile_file

        return "planbridge", compile_file(API / f"q{q:02d}.py").to_bytes()
    path = plan_file(q)
    return path.name.split("-")[1].split("_")[0], Plan.load(path).to_bytes()


def native_sql(q: int, engine: str, producer: str = "isthmus") -> str:
    """The hand-written query over the registered table names, in the engine's SQL."""
    folder = API / "sql" if producer == "planbridge" else SQL
    text = (folder / f"q{q:02d}.sql").read_text().strip().rstrip(";")
    text = re.sub(r"'\{(\w+)\}'", r"\1", text)  # '{lineitem}' -> lineitem (trusted fixture)
    if engine == "datafusion":
        import sqlglot

        from planbridge.engines.datafusion.dialect import DataFusionDialect

        text = sqlglot.transpile(text, read="duckdb", write=DataFusionDialect)[0]
    return text


def connect(engine: str, tables: dict[str, pa.Table]) -> tuple[Any, Any]:
    """A connection holding the tables by name, and a function running SQL to Arrow."""
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        for name, t in tables.items():
            con.register(name, t)
        return con, lambda sql: con.sql(sql).to_arrow_table()
    import datafusion

    ctx = datafusion.SessionContext()
    for name, t in tables.items():
        ctx.register_record_batches(name, [t.to_batches()])
    return ctx, lambda sql: ctx.sql(sql).to_arrow_table()


def _median_ms(fn: Any, repeats: int, clock: Any = time.perf_counter) -> float:
    times = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times) * 1000


def stage_ms(data: bytes, engine: str, conn: Any, repeats: int) -> dict[str, float]:
    """Median milliseconds of planbridge's stages for one plan on ``conn``.

    ``cold``: decode + bind + translate + print the SQL with the tables of ``conn`` (the
    first execution of a plan); ``warm``: the same through the translation cache when the
    plan is in it; ``run``: the engine running that SQL to an Arrow table."""
    cls = engine_class(engine)
    runner = cls(conn)

    def cold() -> str:
        return runner.query(pb_execute.bind(data, engine), None)

    cache = TranslationCache()
    cache.prepare(data, runner, None, pb_execute.bind)

    def warm() -> str:
        return cache.prepare(data, runner, None, pb_execute.bind)[1]

    sql = cold()
    return {
        "cold_ms": _median_ms(cold, repeats),
        # CPU time of this process: translation is single-threaded Python, and on a loaded
        # machine its wall time mostly measures waiting for a core
        "cold_cpu_ms": _median_ms(cold, repeats, time.process_time),
        "warm_ms": _median_ms(warm, repeats),
        "run_ms": _median_ms(lambda: runner.run_sql(sql).read_all(), 3),
    }


def bench_query(
    q: int, engine: str, conn: Any, run_sql: Any, runs: int, producer: str
) -> dict[str, Any]:
    name, data = plan_bytes(q, producer)  # the wire format: binary protobuf (not timed)
    sql = native_sql(q, engine, producer)
    row: dict[str, Any] = {"q": q, "producer": name}
    pb_times, native_times = [], []
    try:
        row.update(stage_ms(data, engine, conn, 30))
        pb.execute(data, engine=engine, connection=conn)  # first execution, untimed
        run_sql(sql)
        for i in range(runs):
            # alternate which side runs first, so neither always follows the other
            for side in ("pb", "native") if i % 2 == 0 else ("native", "pb"):
                t0 = time.perf_counter()
                if side == "pb":
                    got = pb.execute(data, engine=engine, connection=conn)
                    pb_times.append(time.perf_counter() - t0)
                else:
                    want = run_sql(sql)
                    native_times.append(time.perf_counter() - t0)
    except PlanError as exc:
        row["error"] = str(exc).splitlines()[0][:120]
        return row
    row["rows"] = (got.num_rows, want.num_rows)
    row["planbridge_s"] = statistics.median(pb_times)
    row["native_s"] = statistics.median(native_times)
    row["ratio"] = row["planbridge_s"] / row["native_s"]
    extra = (row["cold_ms"] - row["warm_ms"]) / 1000
    row["cold_ratio"] = (row["planbridge_s"] + extra) / row["native_s"]
    return row


def report(engine: str, rows: list[dict[str, Any]]) -> str:
    lines = [
        f"### {engine}",
        "",
        "| query | plan | planbridge (ms) | native SQL (ms) | ratio | ratio, cold every time "
        "| translate cold (ms) | cold, CPU (ms) | translate warm (ms) | engine run (ms) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    ok = [r for r in rows if "error" not in r]
    for r in rows:
        if "error" in r:
            lines.append(f"| q{r['q']:02d} | {r['producer']} | error: {r['error']} |" + " |" * 7)
            continue
        note = "" if r["rows"][0] == r["rows"][1] else f" (rows {r['rows'][0]} vs {r['rows'][1]})"
        lines.append(
            f"| q{r['q']:02d} | {r['producer']} | {r['planbridge_s'] * 1000:.1f} | "
            f"{r['native_s'] * 1000:.1f} | {r['ratio']:.3f}{note} | {r['cold_ratio']:.3f} | "
            f"{r['cold_ms']:.2f} | {r['cold_cpu_ms']:.2f} | {r['warm_ms']:.3f} | {r['run_ms']:.1f} |"
        )
    if ok:

        def geo(key: str) -> float:
            return math.exp(sum(math.log(r[key]) for r in ok) / len(ok))

        ratios = [r["ratio"] for r in ok]
        lines.append("")
        lines.append(
            f"Geometric mean ratio over {len(ok)} queries: **{geo('ratio'):.3f}** (translating "
            f"cold every time: {geo('cold_ratio'):.3f}); median ratio "
            f"{statistics.median(ratios):.3f}; max {max(ratios):.3f}; queries at most 1.05: "
            f"{sum(x <= 1.05 for x in ratios)}. Translation cold median "
            f"{statistics.median(r['cold_ms'] for r in ok):.2f} ms, max "
            f"{max(r['cold_ms'] for r in ok):.2f} ms (CPU time median "
            f"{statistics.median(r['cold_cpu_ms'] for r in ok):.2f} ms, max "
            f"{max(r['cold_cpu_ms'] for r in ok):.2f} ms); warm median "
            f"{statistics.median(r['warm_ms'] for r in ok):.3f} ms, max "
            f"{max(r['warm_ms'] for r in ok):.3f} ms."
        )
    return "\n".join(lines)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--engines", default="duckdb,datafusion")
    ap.add_argument("--queries", default="1-22", help="e.g. 1-22 or 1,3,6")
    ap.add_argument(
        "--producer",
        default="isthmus",
        choices=["isthmus", "planbridge"],
        help="Isthmus plans from the interop corpus, or planbridge's API (conformance/tpch)",
    )
    args = ap.parse_args(argv)
    if "-" in args.queries:
        lo, hi = (int(x) for x in args.queries.split("-"))
        queries = list(range(lo, hi + 1))
    else:
        queries = [int(x) for x in args.queries.split(",")]
    tables: dict[str, Any] = dict(tpch_arrow_tables(args.scale))
    if args.producer == "isthmus":  # the types the plans declare (i32 n_regionkey)
        for q in queries:
            tables = as_declared(plan_file(q), tables)
    print(
        f"TPC-H sf {args.scale:g}, {args.producer} plans, {args.runs} runs per side, median; "
        f"load average at start {_load()}\n"
    )
    for engine in args.engines.split(","):
        conn, run_sql = connect(engine, tables)
        rows = []
        for q in queries:
            rows.append(bench_query(q, engine, conn, run_sql, args.runs, args.producer))
            print(f"  {engine} q{q:02d}: {rows[-1]}", file=sys.stderr, flush=True)
        print(report(engine, rows) + f"\n\nload average after {engine}: {_load()}\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
