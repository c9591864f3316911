"""TPC-H through planbridge vs the same query as hand-written SQL, natively, same engine.

Each of the 22 queries runs as another producer's Substrait plan (Isthmus; DuckDB's plan for
q15, which Isthmus lacks), handed over as binary protobuf, through ``planbridge.execute`` and as the corpus's hand-written SQL
on the same connection (the same registered Arrow tables, in the same process), alternating,
``--runs`` times each. Reported: the median of each side, their ratio per query, the geometric
mean of the ratios, and the translation time per plan (decode + bind + translate to SQL).

    .venv/bin/python bench/tpch_bench.py --scale 1 --runs 5 [--engines duckdb,datafusion]

Data comes from tpchgen-cli (``planbridge.testing.tpch``), cast to the types the plans declare.
This is a benchmark, not a test: it asserts nothing and is not collected by pytest.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

import planbridge as pb
from planbridge.conformance.interop import as_declared
from planbridge.consumer.bind import bind_plan
from planbridge.engines import engine_class
from planbridge.errors import PlanError
from planbridge.plan import Plan
from planbridge.testing.tpch import tpch_arrow_tables

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


def translation_ms(data: bytes, engine: str, repeats: int) -> float:
    """Median milliseconds to decode, bind and translate the plan to the engine's SQL text."""
    translator = engine_class(engine).translator
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        bound = bind_plan(Plan.from_data(data))
        translator().sql(bound)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def bench_query(
    q: int, engine: str, conn: Any, run_sql: Any, runs: int, producer: str
) -> dict[str, Any]:
    name, data = plan_bytes(q, producer)  # the wire format: binary protobuf (not timed)
    sql = native_sql(q, engine, producer)
    row: dict[str, Any] = {"q": q, "producer": name}
    row["translate_ms"] = translation_ms(data, engine, 30)
    pb_times, native_times = [], []
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            got = pb.execute(Plan.from_data(data), engine=engine, connection=conn)
            pb_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            want = run_sql(sql)
            native_times.append(time.perf_counter() - t0)
    except PlanError as exc:
        row["error"] = str(exc).splitlines()[0][:120]
        return row
    row["rows"] = (got.num_rows, want.num_rows)
    row["planbridge_s"] = statistics.median(pb_times)
    row["native_s"] = statistics.median(native_times)
    row["ratio"] = row["planbridge_s"] / row["native_s"]
    return row


def report(engine: str, rows: list[dict[str, Any]]) -> str:
    lines = [
        f"### {engine}",
        "",
        "| query | plan | planbridge (s) | native SQL (s) | ratio | translate (ms) |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    ratios = []
    for r in rows:
        if "error" in r:
            lines.append(
                f"| q{r['q']:02d} | {r['producer']} | error: {r['error']} | | | "
                f"{r['translate_ms']:.2f} |"
            )
            continue
        ratios.append(r["ratio"])
        note = "" if r["rows"][0] == r["rows"][1] else f" (rows {r['rows'][0]} vs {r['rows'][1]})"
        lines.append(
            f"| q{r['q']:02d} | {r['producer']} | {r['planbridge_s']:.4f} | {r['native_s']:.4f} | "
            f"{r['ratio']:.3f}{note} | {r['translate_ms']:.2f} |"
        )
    if ratios:
        geo = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
        lines.append("")
        lines.append(
            f"Geometric mean ratio over {len(ratios)} queries: **{geo:.3f}**; median ratio "
            f"{statistics.median(ratios):.3f}; max {max(ratios):.3f}. Median translation time "
            f"{statistics.median(r['translate_ms'] for r in rows):.2f} ms, max "
            f"{max(r['translate_ms'] for r in rows):.2f} ms."
        )
    return "\n".join(lines)


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
    print(f"TPC-H sf {args.scale:g}, {args.producer} plans, {args.runs} runs per side, median\n")
    for engine in args.engines.split(","):
        conn, run_sql = connect(engine, tables)
        rows = []
        for q in queries:
            rows.append(bench_query(q, engine, conn, run_sql, args.runs, args.producer))
            print(f"  {engine} q{q:02d}: {rows[-1]}", file=sys.stderr, flush=True)
        print(report(engine, rows) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
