"""The embedded Flink runtime and a loopback session cluster, on real Flink (no mocks).

One JVM serves every in-process test (session-scoped fixtures); the cluster test starts
its own JobManager and TaskManager processes and stops them before the next test.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from planbridge.engines.flink import (
    FlinkConfig,
    FlinkJobError,
    FlinkSession,
    FlinkSqlError,
    JavaNotFoundError,
    JobOutcome,
)
from planbridge.engines.flink.runtime import jvm_startup_seconds, statement_kind
from planbridge.errors import EngineError, PlanError


@pytest.fixture(scope="session")
def batch() -> FlinkSession:
    return FlinkSession(FlinkConfig(mode="batch"))


@pytest.fixture(scope="session")
def streaming() -> FlinkSession:
    return FlinkSession(FlinkConfig.deterministic("streaming"))


def _rows(table: pa.Table) -> list[tuple]:
    return [tuple(r.values()) for r in table.to_pylist()]


def _write_csv(path: Path, rows: list[tuple]) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)


def test_values_types_are_exact(batch: FlinkSession) -> None:
    sql = textwrap.dedent(
        """\
        SELECT * FROM (VALUES
          (1, CAST(12345.67 AS DECIMAL(12, 2)), TIMESTAMP '2024-01-01 10:00:00.123',
           DATE '2024-02-29', 'x', CAST(NULL AS BIGINT), TRUE, CAST(2.5 AS DOUBLE),
           TO_TIMESTAMP_LTZ(86400123, 3)),
          (2, CAST(NULL AS DECIMAL(12, 2)), CAST(NULL AS TIMESTAMP(3)), CAST(NULL AS DATE),
           CAST(NULL AS STRING), CAST(7 AS BIGINT), CAST(NULL AS BOOLEAN),
           CAST(NULL AS DOUBLE), CAST(NULL AS TIMESTAMP_LTZ(3)))
        ) AS t(i, d, ts, dte, s, b, flag, f, ltz)"""
    )
    got = batch.query(sql)
    assert jvm_startup_seconds() is not None
    assert got.schema.types == [
        pa.int32(),
        pa.decimal128(12, 2),
        pa.timestamp("ms"),
        pa.date32(),
        pa.string(),
        pa.int64(),
        pa.bool_(),
        pa.float64(),
        pa.timestamp("ms", tz="UTC"),
    ]
    assert got.column_names == ["i", "d", "ts", "dte", "s", "b", "flag", "f", "ltz"]
    utc = dt.UTC
    assert sorted(_rows(got), key=lambda r: r[0]) == [
        (
            1,
            Decimal("12345.67"),
            dt.datetime(2024, 1, 1, 10, 0, 0, 123000),
            dt.date(2024, 2, 29),
            "x",
            None,
            True,
            2.5,
            dt.datetime(1970, 1, 2, 0, 0, 0, 123000, tzinfo=utc),
        ),
        (2, None, None, None, None, 7, None, None, None),
    ]


def test_per_job_local_executor_gives_the_same_rows(batch: FlinkSession) -> None:
    """``shared_cluster=False``: Flink's own local executor (a MiniCluster per job)."""
    sql = "SELECT k, COUNT(*) AS n FROM (VALUES ('a'), ('b'), ('a')) AS t(k) GROUP BY k"
    per_job = FlinkSession(FlinkConfig(mode="batch", shared_cluster=False)).query(sql)
    shared = batch.query(sql)
    assert per_job.schema == shared.schema
    assert sorted(_rows(per_job)) == sorted(_rows(shared)) == [("a", 2), ("b", 1)]


def test_empty_result_keeps_schema(batch: FlinkSession) -> None:
    got = batch.query(
        "SELECT a, CAST(a AS DECIMAL(5, 1)) AS d FROM (VALUES (1), (2)) AS t(a) WHERE a > 5"
    )
    assert got.num_rows == 0
    assert got.schema.types == [pa.int32(), pa.decimal128(5, 1)]


def test_filesystem_source_against_duckdb(batch: FlinkSession, tmp_path: Path) -> None:
    rows = [
        (i, f"k{i % 3}", Decimal(f"{i}.{i % 10}5"), f"2024-03-{1 + i % 5:02d}") for i in range(40)
    ]
    src = tmp_path / "orders.csv"
    _write_csv(src, rows)
    batch.execute(
        f"""CREATE TEMPORARY TABLE orders_fs (
              id INT, k STRING, amount DECIMAL(10, 2), dte DATE
            ) WITH ('connector' = 'filesystem', 'path' = '{src}', 'format' = 'csv')"""
    )
    # The query is built as a sqlglot AST, the way the translator renders SQL.
    query = (
        exp.select(
            "k",
            "dte",
            exp.alias_(exp.func("SUM", exp.column("amount")), "total"),
            exp.alias_(exp.func("COUNT", exp.Star()), "n"),
        )
        .from_("orders_fs")
        .where(exp.column("id") >= 3)
        .group_by("k", "dte")
    )
    got = batch.query(query.sql())
    assert got.schema.field("total").type == pa.decimal128(38, 2)
    truth = duckdb.sql(
        f"""SELECT k, dte, SUM(amount) AS total, COUNT(*) AS n FROM read_csv('{src}',
            header = false, columns = {{'id': 'INT', 'k': 'VARCHAR',
            'amount': 'DECIMAL(10, 2)', 'dte': 'DATE'}}) WHERE id >= 3 GROUP BY k, dte"""
    ).fetchall()
    assert sorted(_rows(got)) == sorted(truth)


def test_insert_into_sink_returns_job_outcome(batch: FlinkSession, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = batch.run(
        [
            f"""CREATE TEMPORARY TABLE sink_fs (a INT, s STRING)
                WITH ('connector' = 'filesystem', 'path' = '{out}', 'format' = 'csv')""",
            "INSERT INTO sink_fs SELECT a, UPPER(s) FROM (VALUES (1, 'a'), (2, 'b')) AS t(a, s)",
        ]
    )
    assert isinstance(result, JobOutcome)
    assert result.status == "FINISHED" and len(result.job_id) == 32
    lines = sorted(
        line
        for f in out.rglob("*")
        if f.is_file() and not f.name.startswith(".")
        for line in f.read_text().splitlines()
    )
    assert lines == ["1,A", "2,B"]


def test_unbounded_job_runs_detached_and_cancels(streaming: FlinkSession, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    _write_csv(src / "part-0.csv", [(1,), (2,)])
    outcome = streaming.run(
        [
            f"""CREATE TEMPORARY TABLE watched_fs (a INT) WITH ('connector' = 'filesystem',
                'path' = '{src}', 'format' = 'csv', 'source.monitor-interval' = '1 s')""",
            "CREATE TEMPORARY TABLE hole (a INT) WITH ('connector' = 'blackhole')",
            "INSERT INTO hole SELECT a FROM watched_fs",
        ],
        wait=False,
    )
    assert isinstance(outcome, JobOutcome)
    assert outcome.status in ("CREATED", "INITIALIZING", "RUNNING")
    assert streaming.cancel(outcome.job_id) == "CANCELED"


def test_streaming_tumble_window_against_python(streaming: FlinkSession, tmp_path: Path) -> None:
    base = dt.datetime(2024, 1, 1, 0, 0, 0)
    events = [(f"u{i % 3}", i * 7 % 11, base + dt.timedelta(seconds=i * 13)) for i in range(60)]
    src = tmp_path / "events.csv"
    _write_csv(src, [(u, v, ts.strftime("%Y-%m-%d %H:%M:%S.000")) for u, v, ts in events])
    streaming.execute(
        f"""CREATE TEMPORARY TABLE events_fs (
              u STRING, v INT, ts TIMESTAMP(3),
              WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
            ) WITH ('connector' = 'filesystem', 'path' = '{src}', 'format' = 'csv')"""
    )
    got = streaming.query(
        """SELECT window_start, window_end, u, SUM(v) AS total, COUNT(*) AS n
           FROM TABLE(TUMBLE(TABLE events_fs, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
           GROUP BY window_start, window_end, u"""
    )
    expected: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for u, v, ts in events:
        start = ts.replace(second=0)
        acc = expected[(start, start + dt.timedelta(minutes=1), u)]
        acc[0] += v
        acc[1] += 1
    assert sorted(_rows(got)) == sorted((*k, t, n) for k, (t, n) in expected.items())


def test_streaming_out_of_order_late_rows_are_deterministic(
    streaming: FlinkSession, tmp_path: Path
) -> None:
    """Out-of-order input with late rows: Flink drops exactly the rows a per-row watermark
    (max event time - 5 s) has passed, as the plain-Python reference does."""
    base = dt.datetime(2024, 1, 1)
    rng = random.Random(7)
    events = [
        (f"u{i % 2}", i, base + dt.timedelta(seconds=max(i * 3 - rng.choice([0, 0, 4, 30]), 0)))
        for i in range(200)
    ]
    src = tmp_path / "late.csv"
    _write_csv(src, [(u, v, ts.strftime("%Y-%m-%d %H:%M:%S.000")) for u, v, ts in events])
    streaming.execute(
        f"""CREATE TEMPORARY TABLE late_fs (
              u STRING, v INT, ts TIMESTAMP(3),
              WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
            ) WITH ('connector' = 'filesystem', 'path' = '{src}', 'format' = 'csv')"""
    )
    got = streaming.query(
        """SELECT window_start, window_end, u, SUM(v) AS total, COUNT(*) AS n
           FROM TABLE(TUMBLE(TABLE late_fs, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
           GROUP BY window_start, window_end, u"""
    )
    watermark: dt.datetime | None = None
    expected: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    dropped = 0
    for u, v, ts in events:
        start = ts.replace(second=0)
        end = start + dt.timedelta(minutes=1)
        if watermark is not None and end - dt.timedelta(milliseconds=1) <= watermark:
            dropped += 1  # the window already fired: a late row
        else:
            acc = expected[(start, end, u)]
            acc[0] += v
            acc[1] += 1
        bound = ts - dt.timedelta(seconds=5)
        watermark = bound if watermark is None else max(watermark, bound)
    assert dropped > 0
    assert sorted(_rows(got)) == sorted((*k, t, n) for k, (t, n) in expected.items())


def test_sql_error_names_the_relation(batch: FlinkSession) -> None:
    sql = "SELECT a + 1 AS b, nope FROM (VALUES (1)) AS t(a)"
    paths = {sql: "relations[0].root", "nope": "relations[0].root.input.project"}
    with pytest.raises(FlinkSqlError) as info:
        batch.query(sql, paths)
    err = info.value
    assert isinstance(err, EngineError) and isinstance(err, PlanError)
    assert err.path == "relations[0].root.input.project"
    assert "Column 'nope' not found" in err.reason
    assert "ValidationException" in err.java_class
    # Without a fragment covering the error, the whole statement's path is used.
    with pytest.raises(FlinkSqlError) as info:
        batch.query(sql, {sql: "relations[0].root"})
    assert info.value.path == "relations[0].root"


def test_job_failure_is_a_plan_error(batch: FlinkSession) -> None:
    with pytest.raises(FlinkJobError) as info:
        batch.query("SELECT a / (a - 1) FROM (VALUES (1)) AS t(a)")
    assert "Division by zero" in str(info.value) or "by zero" in str(info.value)


def test_statement_kinds() -> None:
    assert statement_kind("  with x as (select 1) select * from x") == "query"
    assert statement_kind("(SELECT 1) UNION ALL (SELECT 2)") == "query"
    assert statement_kind("INSERT INTO t SELECT 1") == "sink"
    assert statement_kind("CREATE TABLE t (a INT)") == "other"
    assert sqlglot.parse_one("SELECT 1").sql() == "SELECT 1"


def test_explain(batch: FlinkSession) -> None:
    text = batch.explain("SELECT a FROM (VALUES (1)) AS t(a)")
    assert "== Optimized Physical Plan ==" in text
    shown = batch.execute("SHOW CURRENT CATALOG")
    assert isinstance(shown, pa.Table) and shown.column(0).to_pylist() == ["default_catalog"]


def test_missing_java_is_a_clear_error(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """\
        from planbridge.engines.flink import FlinkSession, JavaNotFoundError
        try:
            FlinkSession().query("SELECT 1")
        except JavaNotFoundError as e:
            print("ERR", e)
        """
    )
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-such-jdk"), "PATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ERR"), out.stdout + out.stderr
    assert "Java 11+" in out.stdout and "JAVA_HOME" in out.stdout and "install" in out.stdout
    assert issubclass(JavaNotFoundError, EngineError)


def test_session_cluster_on_loopback(tmp_path: Path) -> None:
    from planbridge.engines.flink.cluster import SessionCluster

    start = time.perf_counter()
    with SessionCluster(work_dir=tmp_path / "cluster") as cluster:
        assert cluster.rest_port > 0
        session = FlinkSession(FlinkConfig(mode="batch", remote=cluster.address))
        got = session.query(
            "SELECT k, SUM(v) AS s FROM (VALUES ('a', 1), ('b', 2), ('a', 3)) AS t(k, v) GROUP BY k"
        )
        assert sorted(_rows(got)) == [("a", 4), ("b", 2)]
        out = tmp_path / "cluster-out"
        outcome = session.run(
            [
                f"""CREATE TEMPORARY TABLE cluster_sink (k STRING) WITH (
                    'connector' = 'filesystem', 'path' = '{out}', 'format' = 'csv')""",
                "INSERT INTO cluster_sink VALUES ('x'), ('y')",
            ]
        )
        assert isinstance(outcome, JobOutcome) and outcome.status == "FINISHED"
        assert cluster.rest(f"/jobs/{outcome.job_id}")["state"] == "FINISHED"
        assert cluster.finished_jobs() == 2
    assert not cluster.running()
    assert time.perf_counter() - start < 90
