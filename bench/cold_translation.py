"""Cold translation time per TPC-H plan: the median CPU time of decode + bind + translate +
print with table lookups (``tpch_bench.stage_ms``'s *cold* stage), per plan and engine.

The full TPC-H bench runs each plan at scale factor 1 and reports the cold stage beside the
engine's run; this one measures only the translation, on small tables (it does not depend
on the data's size), more times per plan, so that two checkouts can be compared A/B:

    .venv/bin/python bench/cold_translation.py [--producer isthmus|planbridge]
        [--engines duckdb,datafusion] [--repeats 40]

Run it from each checkout in turn, alternating, on a quiet machine: CPU time is less
sensitive to load than wall time, not insensitive.
"""

from __future__ import annotations

import argparse
import statistics
import time

import tpch_bench as tb

from planbridge.engines import engine_class
from planbridge.testing.tpch import tpch_arrow_tables


def cold_ms(data: bytes, runner: object, engine: str, repeats: int) -> float:
    """Median CPU milliseconds of one cold translation of ``data``."""

    def cold() -> str:
        return runner.query(tb.pb_execute.bind(data, engine), None)  # type: ignore[attr-defined]

    cold()
    return tb._median_ms(cold, repeats, time.process_time)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--producer", default="isthmus", choices=["isthmus", "planbridge"])
    ap.add_argument("--engines", default="duckdb,datafusion")
    ap.add_argument("--repeats", type=int, default=40)
    args = ap.parse_args(argv)
    queries = range(1, 23)
    tables = dict(tpch_arrow_tables(0.01))
    if args.producer == "isthmus":  # the types the plans declare
        for q in queries:
            tables = tb.as_declared(tb.plan_file(q), tables)
    plans = {q: tb.plan_bytes(q, args.producer)[1] for q in queries}
    for engine in args.engines.split(","):
        conn, _ = tb.connect(engine, tables)
        runner = engine_class(engine)(conn)
        per = {q: cold_ms(data, runner, engine, args.repeats) for q, data in plans.items()}
        times = sorted(per.values())
        worst = sorted(per.items(), key=lambda kv: -kv[1])[:6]
        print(
            f"{args.producer} {engine}: median {statistics.median(times):.3f} ms, "
            f"max {times[-1]:.3f} ms, under 1 ms {sum(t < 1 for t in times)}/22; slowest "
            + " ".join(f"q{q:02d}={t:.2f}" for q, t in worst),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
