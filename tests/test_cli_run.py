"""The ``planbridge run`` and ``explain --engine`` commands, run as real subprocesses."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from tests.plan_builders import sorted_read


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planbridge.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def setup(tmp_path) -> tuple[str, str]:
    plan = tmp_path / "plan.json"
    sorted_read("people", [("id", "i64"), ("name", "string")], 0, desc=True).save(plan)
    data = tmp_path / "people.parquet"
    pq.write_table(pa.table({"id": pa.array([1, 2], pa.int64()), "name": ["a", "b"]}), data)
    return str(plan), str(data)


def test_run_prints_and_writes(tmp_path) -> None:
    plan, data = setup(tmp_path)
    shown = cli("run", plan, "--table", f"people={data}")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["id", "|", "name"] and "(2 rows)" in lines[-1]
    assert lines[3].split()[0] == "2"
    for engine in ("duckdb", "datafusion"):
        out = tmp_path / f"out-{engine}.parquet"
        written = cli("run", plan, "--engine", engine, "--table", f"people={data}", "-o", str(out))
        assert written.returncode == 0, written.stderr
        assert pq.read_table(out).to_pylist() == [{"id": 2, "name": "b"}, {"id": 1, "name": "a"}]


def test_run_errors_are_messages(tmp_path) -> None:
    plan, _ = setup(tmp_path)
    missing = cli("run", plan)
    assert missing.returncode == 1 and "no data for table 'people'" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = cli("run", plan, "--table", "people")
    assert bad.returncode == 1 and "NAME=PATH" in bad.stderr


def test_explain_shows_the_engine_query(tmp_path) -> None:
    plan, _ = setup(tmp_path)
    shown = cli("explain", plan, "--engine", "duckdb")
    assert shown.returncode == 0, shown.stderr
    assert "-- query on duckdb" in shown.stdout and "ORDER BY" in shown.stdout
