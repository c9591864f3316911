"""The demo (`./dev demo` = examples/demo.py) compiles every pipeline and runs it on DuckDB."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import duckdb

import planbridge
from planbridge.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
PIPELINES = ROOT / "examples" / "pipelines"


def test_demo_compiles_and_runs_every_pipeline(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    names = sorted(p.stem for p in PIPELINES.glob("*.py") if not p.name.startswith("_"))
    assert names, "at least one demo pipeline"
    for name in names:
        assert Plan.load(tmp_path / f"{name}.substrait") == Plan.load(tmp_path / f"{name}.json")
    assert f"{len(names)} of {len(names)} pipelines compiled and ran on duckdb" in result.stdout


def test_demo_batch_pipeline_matches_sql(tmp_path: Path) -> None:
    scope = runpy.run_path(str(PIPELINES / "top_customers.py"))
    tables = scope["tables"]()
    got = planbridge.execute(scope["plan"], tables=tables).to_pylist()
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    want = con.sql(
        "select c_name, c_segment, count(*), sum(o_totalprice), min(o_orderdate) "
        "from orders join customers on o_custkey = c_custkey "
        "where o_totalprice > 1000 and o_orderdate >= date '2024-01-01' "
        "group by 1, 2 order by 4 desc, 1 limit 5"
    ).fetchall()
    assert [tuple(r.values()) for r in got] == want
