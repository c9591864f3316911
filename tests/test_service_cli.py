"""``planbridge serve`` as its own process: a client in this process runs a plan on it, then
SIGTERM shuts it down cleanly; bad start-up options get clear errors."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

import planbridge as pb
from planbridge.testing.tpch import default_cache_dir, write_declared
from tests.plan_builders import plan, read

CLI = [sys.executable, "-m", "planbridge.cli.main", "serve"]


def test_two_processes_and_clean_shutdown() -> None:
    tables = write_declared(0.01, default_cache_dir() / "service-sf0.01")
    proc = subprocess.Popen(
        [*CLI, "--port", "0", "--token", "tok", "--table", f"nation={tables['nation']}"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stderr.readline()  # type: ignore[union-attr]
        m = re.search(r"on (grpc://127\.0\.0\.1:\d+) with duckdb", line)
        assert m, line
        query = plan(read("nation", [("n_name", "string")]), ["name"], [])
        with pb.connect(m[1], token="tok") as conn:
            got = conn.execute(query)
            assert conn.tables() == ["nation"]
        truth = pq.read_table(tables["nation"], columns=["n_name"])
        assert sorted(got["name"].to_pylist()) == sorted(truth["n_name"].to_pylist())
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        rest = proc.stderr.read()  # type: ignore[union-attr]
        assert code == 0, rest
        assert "shutting down" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_bad_start_up_options(tmp_path: Path) -> None:
    missing = tmp_path / "missing.parquet"
    run = subprocess.run(
        [*CLI, "--port", "0", "--table", f"t={missing}"], capture_output=True, text=True
    )
    assert run.returncode == 1
    assert "does not exist" in run.stderr and "Traceback" not in run.stderr
    run = subprocess.run(
        [*CLI, "--port", "0", "--tls-cert", str(missing)], capture_output=True, text=True
    )
    assert run.returncode == 1 and "--tls-key" in run.stderr
    run = subprocess.run(
        [*CLI, "--port", "0", "--engine", "nosuch"], capture_output=True, text=True
    )
    assert run.returncode == 1 and "nosuch" in run.stderr and "Traceback" not in run.stderr


def test_busy_port_is_a_clear_error() -> None:
    proc = subprocess.Popen([*CLI, "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        port = re.search(r":(\d+) with", proc.stderr.readline())[1]  # type: ignore[index,union-attr]
        run = subprocess.run([*CLI, "--port", port], capture_output=True, text=True)
        assert run.returncode == 1 and "cannot listen" in run.stderr
        assert "Traceback" not in run.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=30)
