"""Load test of ``planbridge serve``: N concurrent clients submit TPC-H plans over loopback for
a bounded time; every result is checked against DuckDB running the query's SQL, none may be
lost, and the server's RSS is sampled. The same plans then run in-process (``planbridge.execute``,
same number of threads, same time) for the comparison.

    .venv/bin/python bench/service_load.py --duration 20            # a dev run
    .venv/bin/python bench/service_load.py --duration 180 --scale 0.1

Loopback only; stops by itself after ``--duration`` seconds per phase (and at most
``--max-queries`` per client). Exits 1 if any result is wrong or lost or RSS passes ``--max-rss-mb``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

import planbridge as pb
from planbridge.conformance.compare import compare_tables, sql_is_ordered
from planbridge.conformance.duck import run_sql
from planbridge.engines.tables import load_path
from planbridge.testing.tpch import default_cache_dir, write_declared

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "interop" / "consumer-testing"
# Isthmus TPC-H plans that both DuckDB and DataFusion run correctly today (q17: DuckDB only).
QUERIES = {
    "duckdb": "q01 q03 q04 q06 q12 q13 q14 q16 q17 q18 q19 q22".split(),
    "datafusion": "q01 q03 q04 q06 q12 q13 q14 q16 q18 q19 q22".split(),
}


def cases(engine: str, tables: dict[str, Path]) -> list[tuple[str, bytes, pa.Table, bool]]:
    """(query, plan bytes, DuckDB's answer to the SQL, ordered?) for each query."""
    out = []
    for q in QUERIES.get(engine, QUERIES["duckdb"]):
        plan = pb.Plan.load(CORPUS / "plans" / "integration" / "tpch" / f"{q}-isthmus_plan.json")
        sql = (CORPUS / "cases" / "integration" / "tpch" / f"{q}.sql").read_text()
        for name, path in tables.items():
            sql = sql.replace("{" + name + "}", str(path))
        out.append((q, plan.to_bytes(), run_sql(sql), sql_is_ordered(sql)))
    return out


def rss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text)[1]) / 1024  # type: ignore[index]


class Phase:
    """N threads each running ``run(plan)`` round-robin over the cases until time is up."""

    def __init__(self, name: str, clients: int, duration: float, max_queries: int) -> None:
        self.name, self.clients, self.duration, self.max_queries = (
            name,
            clients,
            duration,
            max_queries,
        )
        self.latencies: list[float] = []
        self.submitted = self.completed = self.wrong = self.failed = 0
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def run(
        self,
        cases: list[tuple[str, bytes, pa.Table, bool]],
        make_runner: Callable[[], Callable[[bytes], pa.Table]],
    ) -> float:
        end = time.monotonic() + self.duration

        def client(i: int) -> None:
            runner = make_runner()
            n = 0
            while time.monotonic() < end and n < self.max_queries:
                q, data, want, ordered = cases[(i + n) % len(cases)]
                n += 1
                with self.lock:
                    self.submitted += 1
                t0 = time.perf_counter()
                try:
                    got = runner(data)
                except Exception as exc:
                    with self.lock:
                        self.failed += 1
                        self.errors.append(f"{q}: {exc}"[:300])
                    continue
                dt = time.perf_counter() - t0
                ok = compare_tables(want, got, ordered=ordered).ok
                with self.lock:
                    self.completed += 1
                    self.latencies.append(dt)
                    if not ok:
                        self.wrong += 1
                        self.errors.append(f"{q}: wrong result")

        t0 = time.monotonic()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(self.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.monotonic() - t0

    def summary(self, wall: float) -> dict[str, object]:
        lat = sorted(self.latencies)
        q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [float("nan")] * 99
        return {
            "phase": self.name,
            "clients": self.clients,
            "seconds": round(wall, 1),
            "submitted": self.submitted,
            "completed": self.completed,
            "wrong": self.wrong,
            "failed": self.failed,
            "lost": self.submitted - self.completed - self.failed,
            "qps": round(self.completed / wall, 2),
            "p50_ms": round(q[49] * 1000, 1),
            "p99_ms": round(q[98] * 1000, 1),
            "errors": self.errors[:5],
        }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    ap.add_argument("--max-queries", type=int, default=100_000, help="per client per phase")
    ap.add_argument("--scale", type=float, default=0.01, help="TPC-H scale factor")
    ap.add_argument("--max-concurrent", type=int, default=8, help="the server's slot count")
    ap.add_argument("--max-rss-mb", type=float, default=4096)
    ap.add_argument("--json", default=None, help="also write the figures here")
    args = ap.parse_args()

    tables = write_declared(args.scale, default_cache_dir() / f"service-sf{args.scale:g}")
    work = cases(args.engine, tables)
    token = "bench-token"
    cmd = [sys.executable, "-m", "planbridge.cli.main", "serve", "--engine", args.engine]
    cmd += ["--port", "0", "--token", token, "--max-concurrent", str(args.max_concurrent)]
    cmd += ["--query-timeout", "600", "--queue-wait", "600"]
    for name, path in tables.items():
        cmd += ["--table", f"{name}={path}"]
    server = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    results = []
    try:
        line = server.stderr.readline()  # type: ignore[union-attr]
        uri = re.search(r"on (grpc://\S+) with", line)[1]  # type: ignore[index]
        rss = [rss_mb(server.pid)]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.5):
                rss.append(rss_mb(server.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        def remote() -> Callable[[bytes], pa.Table]:
            conn = pb.connect(uri, token=token)
            return conn.execute

        phase = Phase("server", args.clients, args.duration, args.max_queries)
        wall = phase.run(work, remote)
        stop.set()
        sampler.join()
        server_summary = phase.summary(wall)
        server_summary["rss_mb_start"] = round(rss[0], 1)
        server_summary["rss_mb_peak"] = round(max(rss), 1)
        server_summary["rss_mb_end"] = round(rss[-1], 1)
        results.append(server_summary)
    finally:
        server.terminate()
        server.wait(timeout=60)

    datasets = {name: load_path(path) for name, path in tables.items()}

    def local() -> Callable[[bytes], pa.Table]:
        return lambda data: pb.execute(data, engine=args.engine, tables=datasets)

    phase = Phase("in-process", args.clients, args.duration, args.max_queries)
    results.append(phase.summary(phase.run(work, local)))
    solo = Phase("in-process, 1 thread", 1, args.duration, args.max_queries)
    results.append(solo.summary(solo.run(work, local)))

    report = {
        "engine": args.engine,
        "scale": args.scale,
        "queries": [c[0] for c in work],
        "server_max_concurrent": args.max_concurrent,
        "phases": results,
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    bad = [
        p["phase"] for p in results if p["wrong"] or p["failed"] or p["lost"] or not p["completed"]
    ]
    if bad or results[0]["rss_mb_peak"] > args.max_rss_mb:
        print(f"FAILED: {bad or 'server RSS over the bound'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
