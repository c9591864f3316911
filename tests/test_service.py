"""The Flight SQL server on loopback: planbridge's client and the real ADBC Flight SQL driver
run TPC-H plans from other producers (checked against DuckDB running the SQL); bad input over
the wire gets clear errors and the server keeps serving; auth, TLS, limits, cancellation."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import adbc_driver_flightsql
import adbc_driver_flightsql.dbapi as flightsql
import adbc_driver_manager
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import planbridge as pb
from planbridge.conformance.compare import compare_tables, format_diff, sql_is_ordered
from planbridge.conformance.duck import run_sql
from planbridge.errors import PlanReadError, TableBindingError
from planbridge.service.catalog import Catalog
from planbridge.service.client import ServiceError
from planbridge.service.limits import Limits
from planbridge.service.server import TLS, PlanServer
from planbridge.testing.tpch import default_cache_dir, write_declared
from tests.plan_builders import CMP_URN, call, field, plan, read

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "interop" / "consumer-testing"
QUERIES = ["q01", "q03", "q06", "q12"]
ARITH_URN = "extension:io.substrait:functions_arithmetic"
AGG_URN = "extension:io.substrait:functions_aggregate_generic"


@pytest.fixture(scope="module")
def tpch() -> dict[str, Path]:
    return write_declared(0.01, default_cache_dir() / "service-sf0.01")


def isthmus_plan(q: str) -> pb.Plan:
    return pb.Plan.load(CORPUS / "plans" / "integration" / "tpch" / f"{q}-isthmus_plan.json")


def expected(q: str, tpch: dict[str, Path]) -> tuple[pa.Table, bool]:
    """DuckDB running the query's SQL over the same files: the independent truth."""
    sql = (CORPUS / "cases" / "integration" / "tpch" / f"{q}.sql").read_text()
    for name, path in tpch.items():
        sql = sql.replace("{" + name + "}", str(path))
    return run_sql(sql), sql_is_ordered(sql)


def assert_same(q: str, got: pa.Table, tpch: dict[str, Path]) -> None:
    want, ordered = expected(q, tpch)
    cmp = compare_tables(want, got, ordered=ordered)
    assert cmp.ok, f"{q}: {format_diff(cmp)}"


def slow_plan() -> pb.Plan:
    """count(*) over lineitem x lineitem with a filter no join strategy can avoid: seconds of
    nested-loop work at sf 0.01, so limits and cancellation have something to stop."""
    cols = [("l_orderkey", "i64")]
    cross = {"cross": {"left": read("lineitem", cols), "right": read("lineitem", cols)}}
    total = call(1, [field(0), field(1)], "i64")
    cond = call(2, [total, {"literal": {"i64": "-7"}}], "bool")
    measure = {"measure": {"functionReference": 3, "outputType": {"i64": {}}, "phase": 3}}
    root = {
        "aggregate": {
            "input": {"filter": {"input": cross, "condition": cond}},
            "groupings": [],
            "measures": [measure],
        }
    }
    fns = [(ARITH_URN, "add:i64_i64"), (CMP_URN, "equal:any_any"), (AGG_URN, "count:")]
    return plan(root, ["n"], fns)


def file_plan(uri: str, kind: str = "uriFile") -> pb.Plan:
    """``SELECT * FROM <parquet file uri>`` as a local-files read."""
    rel = read("ignored", [("a", "i64")])
    del rel["read"]["namedTable"]
    rel["read"]["localFiles"] = {"items": [{kind: uri, "parquet": {}}]}
    return plan(rel, ["a"], [])


def unknown_table_plan() -> pb.Plan:
    return plan(read("secrets", [("a", "i64")]), ["a"], [])


def start(tpch: dict[str, Path], engine: str = "duckdb", **kwargs: object) -> PlanServer:
    limits = kwargs.pop("limits", None) or Limits()
    roots = kwargs.pop("roots", ())
    catalog = Catalog.open({k: str(v) for k, v in tpch.items()}, roots)  # type: ignore[arg-type]
    scheme = "grpc+tls" if kwargs.get("tls") else "grpc"
    return PlanServer(f"{scheme}://127.0.0.1:0", engine, catalog, limits, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=["duckdb", "datafusion"])
def server(request: pytest.FixtureRequest, tpch: dict[str, Path]) -> Iterator[PlanServer]:
    srv = start(tpch, request.param)
    yield srv
    srv.close()


def uri(srv: PlanServer, scheme: str = "grpc") -> str:
    return f"{scheme}://127.0.0.1:{srv.port}"


def adbc_execute(conn: object, data: bytes) -> pa.Table:
    cur = conn.cursor()  # type: ignore[attr-defined]
    try:
        cur.execute(data)
        return cur.fetch_arrow_table()
    finally:
        cur.close()


def assert_still_serving(srv: PlanServer, tpch: dict[str, Path], token: str | None = None) -> None:
    with pb.connect(uri(srv), token=token) as conn:
        assert_same("q06", conn.execute(isthmus_plan("q06")), tpch)


# -- results ---------------------------------------------------------------------------------
@pytest.mark.parametrize("q", QUERIES)
def test_client_runs_tpch_plans(server: PlanServer, tpch: dict[str, Path], q: str) -> None:
    with pb.connect(uri(server)) as conn:
        assert_same(q, conn.execute(isthmus_plan(q)), tpch)


@pytest.mark.parametrize("q", QUERIES)
def test_adbc_driver_runs_tpch_plans(server: PlanServer, tpch: dict[str, Path], q: str) -> None:
    with flightsql.connect(uri(server), autocommit=True) as conn:
        assert_same(q, adbc_execute(conn, isthmus_plan(q).to_bytes()), tpch)


def test_adbc_statement_without_prepare(server: PlanServer, tpch: dict[str, Path]) -> None:
    """ADBC's statement path sends CommandStatementSubstraitPlan (no prepared statement)."""
    with flightsql.connect(uri(server), autocommit=True) as conn:
        cur = conn.cursor()
        cur.adbc_statement.set_substrait_plan(isthmus_plan("q03").to_bytes())
        handle, _ = cur.adbc_statement.execute_query()
        got = pa.RecordBatchReader._import_from_c(handle.address).read_all()
        cur.close()
    assert_same("q03", got, tpch)


def test_adbc_prepared_statement_runs_twice(server: PlanServer, tpch: dict[str, Path]) -> None:
    with flightsql.connect(uri(server), autocommit=True) as conn:
        cur = conn.cursor()
        cur.adbc_statement.set_substrait_plan(isthmus_plan("q01").to_bytes())
        cur.adbc_prepare(isthmus_plan("q01").to_bytes())
        for _ in range(2):
            cur.execute(isthmus_plan("q01").to_bytes())
            assert_same("q01", cur.fetch_arrow_table(), tpch)
        cur.close()


def test_client_prepared_plan(server: PlanServer, tpch: dict[str, Path]) -> None:
    with pb.connect(uri(server)) as conn, conn.prepare(isthmus_plan("q03")) as prepared:
        for _ in range(2):
            assert_same("q03", prepared.execute(), tpch)


def test_metadata_over_flight_sql(server: PlanServer) -> None:
    with pb.connect(uri(server)) as conn:
        info = conn.sql_info()
        assert conn.tables() == sorted(
            ["customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"]
        )
    assert info[0] == "planbridge" and info[5] is True and info[4] is False
    with flightsql.connect(uri(server), autocommit=True) as conn:
        assert conn.adbc_get_info()["vendor_name"] == "planbridge"


def test_streams_large_results_in_batches(server: PlanServer, tpch: dict[str, Path]) -> None:
    cols = [("l_orderkey", "i64"), ("l_comment", "string")]
    with pb.connect(uri(server)) as conn:
        reader = conn.execute_batches(plan(read("lineitem", cols), ["k", "c"], []))
        batches = list(reader)
    got = pa.Table.from_batches(batches)
    truth = pq.read_table(tpch["lineitem"], columns=["l_orderkey", "l_comment"])
    assert got.num_rows == truth.num_rows
    assert sorted(got["k"].to_pylist()) == sorted(truth["l_orderkey"].to_pylist())


# -- bad input over the wire ------------------------------------------------------------------
def test_garbage_and_oversized_plans(tpch: dict[str, Path]) -> None:
    srv = start(tpch, limits=Limits(max_plan_bytes=10_000))
    try:
        with pb.connect(uri(srv)) as conn:
            with pytest.raises(PlanReadError, match="not a Substrait plan"):
                conn.execute(b"\x08\x96\x01 garbage \xff\xfe")
            with pytest.raises(PlanReadError, match=r"20000 bytes; .* at most 10000 bytes"):
                conn.execute(b"\x00" * 20_000)
        with flightsql.connect(uri(srv), autocommit=True) as conn:
            with pytest.raises(adbc_driver_manager.Error, match="not a binary Substrait plan"):
                adbc_execute(conn, b"definitely not a plan")
            with pytest.raises(adbc_driver_manager.Error, match="at most 10000 bytes"):
                adbc_execute(conn, b"{" * 20_000)
        assert_still_serving(srv, tpch)
    finally:
        srv.close()


def test_reads_outside_roots_are_refused(tpch: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "data"
    root.mkdir()
    pq.write_table(pa.table({"a": pa.array([1, 2, 3], pa.int64())}), root / "ok.parquet")
    (root / "escape.parquet").symlink_to("/etc/passwd")
    srv = start(tpch, roots=(str(root),))
    try:
        with pb.connect(uri(srv)) as conn:
            assert conn.execute(file_plan(f"file://{root}/ok.parquet"))["a"].to_pylist() == [
                1,
                2,
                3,
            ]
            for bad in ("file:///etc/passwd", "/etc/passwd", f"file://{root}/../../etc/passwd"):
                with pytest.raises(TableBindingError, match="outside this server's roots") as e:
                    conn.execute(file_plan(bad))
                assert e.value.path == "relations[0].root.input.read.local_files.items[0]"
            with pytest.raises(TableBindingError, match="outside this server's roots"):
                conn.execute(file_plan(f"file://{root}/escape.parquet"))
            with pytest.raises(TableBindingError, match="outside this server's roots"):
                conn.execute(file_plan(f"{root}/*.parquet", "uriPathGlob"))  # matches escape
            with pytest.raises(TableBindingError, match="outside this server's roots"):
                conn.execute(file_plan("/etc/*", "uriPathGlob"))
            with pytest.raises(TableBindingError, match="only local files"):
                conn.execute(file_plan("https://example.invalid/x.parquet"))
        with flightsql.connect(uri(srv), autocommit=True) as conn:
            with pytest.raises(adbc_driver_manager.Error, match="outside this server's roots"):
                adbc_execute(conn, file_plan("file:///etc/passwd").to_bytes())
        assert_still_serving(srv, tpch)
    finally:
        srv.close()


def test_no_roots_means_no_file_reads(server: PlanServer) -> None:
    with pb.connect(uri(server)) as conn, pytest.raises(TableBindingError, match="without --root"):
        conn.execute(file_plan("file:///etc/passwd"))


def test_unknown_table(server: PlanServer, tpch: dict[str, Path]) -> None:
    with pb.connect(uri(server)) as conn:
        with pytest.raises(TableBindingError, match=r"unknown table 'secrets'.*lineitem") as e:
            conn.execute(unknown_table_plan())
        assert e.value.path == "relations[0].root.input.read"
    with flightsql.connect(uri(server), autocommit=True) as conn:
        with pytest.raises(adbc_driver_manager.Error, match="unknown table 'secrets'"):
            adbc_execute(conn, unknown_table_plan().to_bytes())
    assert_still_serving(server, tpch)


def test_sql_text_is_refused_clearly(server: PlanServer) -> None:
    with flightsql.connect(uri(server), autocommit=True) as conn:
        with pytest.raises(adbc_driver_manager.Error, match="Substrait plans, not SQL"):
            adbc_execute(conn, "SELECT * FROM lineitem")  # type: ignore[arg-type]


# -- auth and TLS ----------------------------------------------------------------------------
def test_bearer_token(tpch: dict[str, Path]) -> None:
    srv = start(tpch, token="s3cret")
    try:
        for token in (None, "wrong"):
            with pb.connect(uri(srv), token=token) as conn:
                with pytest.raises(ServiceError, match="bearer token"):
                    conn.execute(isthmus_plan("q06"))
        with (
            flightsql.connect(
                uri(srv),
                db_kwargs={
                    adbc_driver_flightsql.DatabaseOptions.AUTHORIZATION_HEADER.value: "Bearer x"
                },
                autocommit=True,
            ) as conn,
            pytest.raises(adbc_driver_manager.Error, match="wrong bearer token"),
        ):
            adbc_execute(conn, isthmus_plan("q06").to_bytes())
        with flightsql.connect(
            uri(srv),
            db_kwargs={
                adbc_driver_flightsql.DatabaseOptions.AUTHORIZATION_HEADER.value: "Bearer s3cret"
            },
            autocommit=True,
        ) as conn:
            assert_same("q06", adbc_execute(conn, isthmus_plan("q06").to_bytes()), tpch)
        assert_still_serving(srv, tpch, token="s3cret")
    finally:
        srv.close()


def self_signed(tmp: Path) -> tuple[bytes, bytes]:
    """A throwaway certificate for 127.0.0.1 / localhost (openssl CLI)."""
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert.read_bytes(), key.read_bytes()


def test_tls(tpch: dict[str, Path], tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    srv = start(tpch, tls=TLS(cert, key), token="t")
    try:
        with pb.connect(uri(srv, "grpc+tls"), token="t", tls_root_certs=cert) as conn:
            assert_same("q06", conn.execute(isthmus_plan("q06")), tpch)
        with flightsql.connect(
            uri(srv, "grpc+tls"),
            db_kwargs={
                adbc_driver_flightsql.DatabaseOptions.TLS_ROOT_CERTS.value: cert.decode(),
                adbc_driver_flightsql.DatabaseOptions.AUTHORIZATION_HEADER.value: "Bearer t",
            },
            autocommit=True,
        ) as conn:
            assert_same("q06", adbc_execute(conn, isthmus_plan("q06").to_bytes()), tpch)
        with pb.connect(uri(srv), token="t", timeout=5) as conn:  # plaintext to a TLS port
            with pytest.raises(ServiceError):
                conn.execute(isthmus_plan("q06"))
    finally:
        srv.close()


# -- limits, cancellation, shutdown ------------------------------------------------------------
def wait_idle(srv: PlanServer, seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while srv.slots.running and time.monotonic() < end:
        time.sleep(0.05)
    assert srv.slots.running == 0


def run_slow_query(
    srv: PlanServer, timeout: float | None = None
) -> tuple[threading.Thread, list[Exception]]:
    """Start the slow plan from another thread; its PlanError (if any) lands in the list."""
    errors: list[Exception] = []

    def slow() -> None:
        with pb.connect(uri(srv), timeout=timeout) as conn:
            try:
                conn.execute(slow_plan())
            except pb.PlanError as exc:
                errors.append(exc)

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.5)
    return worker, errors


def test_query_timeout_stops_the_engine(tpch: dict[str, Path]) -> None:
    srv = start(tpch, limits=Limits(query_timeout=1.0))
    try:
        t0 = time.monotonic()
        with pb.connect(uri(srv)) as conn:
            with pytest.raises(ServiceError, match=r"longer than .* 1 s \(--query-timeout\)"):
                conn.execute(slow_plan())
        assert time.monotonic() - t0 < 5
        wait_idle(srv)  # DuckDB was interrupted, the slot is free again
        assert_still_serving(srv, tpch)
    finally:
        srv.close()


def test_concurrency_limit_and_client_cancel(tpch: dict[str, Path]) -> None:
    srv = start(tpch, limits=Limits(max_concurrent=1, queue_wait=0.3))
    try:
        worker, errors = run_slow_query(srv, timeout=2.0)  # the client gives up after 2 s
        with pb.connect(uri(srv)) as conn, pytest.raises(ServiceError, match="server busy"):
            conn.execute(isthmus_plan("q06"))
        worker.join(20)
        assert len(errors) == 1 and isinstance(errors[0], ServiceError)
        wait_idle(srv)  # the client's cancellation reached the engine
        assert_still_serving(srv, tpch)
    finally:
        srv.close()


def test_cancel_flight_info(tpch: dict[str, Path]) -> None:
    srv = start(tpch)
    try:
        with pb.connect(uri(srv)) as conn:
            cols = [("l_orderkey", "i64")]
            query = conn.submit(plan(read("lineitem", cols), ["k"], []))
            assert query.cancel() is True
            with pytest.raises(pb.PlanError, match="unknown or expired ticket"):
                query.read_all()
            assert query.cancel() is False  # nothing left to cancel
        wait_idle(srv)
        assert_still_serving(srv, tpch)
    finally:
        srv.close()


def test_result_size_limit(tpch: dict[str, Path]) -> None:
    srv = start(tpch, limits=Limits(max_result_bytes=100_000))
    try:
        cols = [("l_orderkey", "i64"), ("l_comment", "string")]
        with pb.connect(uri(srv)) as conn:
            with pytest.raises(pb.PlanError, match=r"larger than .* 100000 bytes"):
                conn.execute(plan(read("lineitem", cols), ["k", "c"], []))
        assert_still_serving(srv, tpch)
    finally:
        srv.close()


def test_shutdown_cancels_running_queries(tpch: dict[str, Path]) -> None:
    srv = start(tpch)
    worker, errors = run_slow_query(srv)
    t0 = time.monotonic()
    srv.close()
    worker.join(20)
    assert time.monotonic() - t0 < 10
    assert len(errors) == 1
    assert srv.slots.running == 0


def test_catalog_errors_at_start(tmp_path: Path) -> None:
    with pytest.raises(TableBindingError, match="does not exist"):
        Catalog.open({"t": str(tmp_path / "missing.parquet")})
    with pytest.raises(pb.PlanError, match="not a directory"):
        Catalog.open({}, [str(tmp_path / "nope")])


def test_plan_json_round_trip_over_wire(server: PlanServer, tpch: dict[str, Path]) -> None:
    """Plans in the protobuf JSON mapping travel as bytes too (format detected server-side)."""
    text = json.dumps(json.loads(isthmus_plan("q06").to_json())).encode()
    with pb.connect(uri(server)) as conn:
        assert_same("q06", conn.execute(text), tpch)
