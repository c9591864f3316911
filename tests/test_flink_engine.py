"""``engine="flink"``: plans translated to Flink SQL and run on real Flink (one JVM, no mocks).

Results are compared with DuckDB running the same plan or the conformance expectations
(DuckDB running the case's own SQL). Inputs are small so the whole file stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from click.testing import CliRunner

import planbridge as pb
from planbridge.cli.main import cli
from planbridge.conformance import PlanbridgeEngine
from planbridge.conformance.case import PASS
from planbridge.conformance.compare import compare_tables
from planbridge.conformance.runner import run_case
from planbridge.engines.flink import FlinkConfig, FlinkSession, FlinkSqlError
from planbridge.engines.flink.cluster import SessionCluster
from planbridge.errors import PlanError, TableBindingError, UnsupportedError
from planbridge.plan import Plan
from tests.plan_builders import (
    CMP_URN,
    STR_URN,
    call,
    field,
    filter_equal_string,
    plan,
    read,
    sorted_read,
    typ,
)
from tests.test_conformance_corpus import _cases

# Relations, functions and producers Flink must agree on (inputs of < 2,000 rows each,
# plus one TPC-H query over the 0.1-scale tables).
INTEROP = [
    "interop/relation/filter/where_in-datafusion",
    "interop/relation/project/extended_project-isthmus",
    "interop/relation/project/distinct_in_project-isthmus",
    "interop/relation/project/count_distinct_in_project-duckdb",
    "interop/relation/aggregate/multiple_measure_aggregate-isthmus",
    "interop/relation/aggregate/aggregate_with_computation-duckdb",
    "interop/relation/aggregate/computation_between_aggregates-datafusion",
    "interop/relation/join/left_join-isthmus",
    "interop/relation/join/left_semi_join-duckdb",
    "interop/relation/join/right_anti_join-isthmus",
    "interop/relation/join/full_join-duckdb",
    "interop/relation/join/cross_join-datafusion",
    "interop/relation/join/left_single_join-isthmus",
    "interop/relation/project/subquery_in_project-duckdb",
    "interop/relation/set/except-isthmus",
    "interop/relation/set/intersect-duckdb",
    "interop/relation/set/union_distinct-datafusion",
    "interop/relation/read/isthmus_read_virtual_table-isthmus",
    "interop/function/arithmetic/abs-ibis",
    "interop/function/boolean/or-isthmus",
    "interop/function/comparison/between-duckdb",
    "interop/function/comparison/coalesce-isthmus",
    "interop/function/comparison/is_not_distinct_from-datafusion",
    "interop/function/string/like-isthmus",
    "interop/function/string/substring0-ibis",
    "interop/function/string/lpad-duckdb",
    "interop/function/string/starts_with0-datafusion",
    "interop/function/string/string_agg-duckdb",
    "interop/integration/tpch/q06-duckdb",
]

FUNCTIONS = [
    "functions/arithmetic/add#1",
    "functions/arithmetic/multiply#1",
    "functions/boolean/not#1",
    "functions/comparison/is_null#1",
    "functions/string/concat#1",
    "functions/aggregate_generic/count#1",
    "functions/arithmetic/sum#1",
]


@pytest.mark.parametrize("case_id", INTEROP + FUNCTIONS)
def test_conformance_case_passes_on_flink(case_id: str) -> None:
    case = _cases()[case_id]
    (result,), _ = run_case(case, [PlanbridgeEngine("flink")])
    assert result.status == PASS, f"{result.status}: {result.reason}\n{result.diff}"


# ---------------------------------------------------------------------------------------
# Hand-built plans: hostile names and literals, types, streaming mode
# ---------------------------------------------------------------------------------------
COLUMNS = [("id", "i64"), ("name", "string")]


def people() -> pa.Table:
    return pa.table(
        {
            "id": pa.array([3, 1, 2, 4, None], pa.int64()),
            "name": ["o'brien", "", "'; DROP TABLE x; --", "back`tick", None],
        }
    )


def test_sort_and_hostile_literals_match_duckdb() -> None:
    data = people()
    for p in (
        sorted_read("people", COLUMNS, 0, desc=True),
        filter_equal_string("people", COLUMNS, 1, "back`tick"),
        filter_equal_string("people", COLUMNS, 1, "'; DROP TABLE x; --"),
        filter_equal_string("people", COLUMNS, 1, ""),
    ):
        got = pb.execute(p, engine="flink", tables={"people": data})
        want = pb.execute(p, engine="duckdb", tables={"people": data})
        assert got.to_pylist() == want.to_pylist()
        assert got.schema == want.schema


def test_hostile_table_and_column_names() -> None:
    cols = [("a`b", "i64"), ("select", "string")]
    data = pa.table({"a`b": pa.array([1, 2], pa.int64()), "select": ["x", "y"]})
    p = sorted_read("t`; DROP", cols, 0, desc=False)
    got = pb.execute(p, engine="flink", tables={"t`; DROP": data})
    assert got.column_names == ["a`b", "select"]
    assert got.to_pylist() == data.to_pylist()


def _typed_table() -> pa.Table:
    import datetime as dt
    from decimal import Decimal

    return pa.table(
        {
            "d": pa.array([Decimal("12345.67"), None, Decimal("-0.01")], pa.decimal128(12, 2)),
            "f": pa.array([0.1, float("nan"), -1e300], pa.float64()),
            "ts": pa.array(
                [dt.datetime(2024, 2, 29, 10, 0, 0, 123456), None, dt.datetime(1970, 1, 1)],
                pa.timestamp("us"),
            ),
            "day": pa.array([dt.date(2024, 2, 29), dt.date(1999, 12, 31), None], pa.date32()),
            "b": pa.array([b"\x00\xff", b"", None], pa.binary()),
            "flag": pa.array([True, None, False]),
        }
    )


def test_source_types_round_trip_exactly() -> None:
    data = _typed_table()
    cols = [
        ("d", "decimal"),
        ("f", "fp64"),
        ("ts", "string"),
        ("day", "date"),
        ("b", "binary"),
        ("flag", "bool"),
    ]
    root = read("t", cols)
    schema = root["read"]["baseSchema"]["struct"]["types"]
    schema[0] = {"decimal": {"precision": 12, "scale": 2, "nullability": "NULLABILITY_NULLABLE"}}
    schema[2] = {"precisionTimestamp": {"precision": 6, "nullability": "NULLABILITY_NULLABLE"}}
    p = plan(root, [n for n, _ in cols], [])
    got = pb.execute(p, engine="flink", tables={"t": data})
    want = pb.execute(p, engine="duckdb", tables={"t": data})
    assert got.schema == want.schema
    g, w = got.to_pylist(), want.to_pylist()
    assert str(g[1]["f"]) == "nan"
    for row in (g, w):
        row[1]["f"] = None
    assert g == w


def test_streaming_mode_folds_a_grouped_aggregate() -> None:
    data = pa.table({"k": ["a", "b", "a", "c", "a"], "v": pa.array([1, 2, 3, 4, 5], pa.int64())})
    p = Plan.from_json(json.dumps(_group_sum_plan()))
    got = pb.execute(p, engine="flink", tables={"t": data}, connection="streaming")
    want = pb.execute(p, engine="duckdb", tables={"t": data})
    assert sorted(got.to_pylist(), key=str) == sorted(want.to_pylist(), key=str)


def _group_sum_plan(write_to: str | None = None) -> dict:
    root = {
        "aggregate": {
            "input": read("t", [("k", "string"), ("v", "i64")]),
            "groupings": [{"groupingExpressions": [field(0)]}],
            "measures": [
                {
                    "measure": {
                        "functionReference": 1,
                        "arguments": [{"value": field(1)}],
                        "outputType": typ("i64"),
                        "invocation": "AGGREGATION_INVOCATION_ALL",
                        "phase": "AGGREGATION_PHASE_INITIAL_TO_RESULT",
                    }
                }
            ],
        }
    }
    if write_to is not None:
        root = {
            "write": {
                "namedTable": {"names": [write_to]},
                "tableSchema": {
                    "names": ["k", "total"],
                    "struct": {
                        "types": [typ("string"), typ("i64")],
                        "nullability": "NULLABILITY_REQUIRED",
                    },
                },
                "op": "WRITE_OP_INSERT",
                "input": root,
            }
        }
    return {
        "extensionUrns": [
            {"extensionUrnAnchor": 1, "urn": "extension:io.substrait:functions_arithmetic"}
        ],
        "extensions": [
            {
                "extensionFunction": {
                    "extensionUrnReference": 1,
                    "functionAnchor": 1,
                    "name": "sum:i64",
                }
            }
        ],
        "relations": [{"root": {"input": root, "names": ["k", "total"]}}],
        "version": {"minorNumber": 75, "producer": "planbridge-tests"},
    }


# ---------------------------------------------------------------------------------------
# Sinks
# ---------------------------------------------------------------------------------------
def test_write_relation_runs_insert_into_a_sink(tmp_path: Path) -> None:
    data = pa.table({"k": ["a", "b", "a"], "v": pa.array([1, 2, 3], pa.int64())})
    p = Plan.from_json(json.dumps(_group_sum_plan(write_to="totals")))
    out = tmp_path / "totals"
    got = pb.execute(p, engine="flink", tables={"t": data, "totals": str(out)})
    assert got.column_names == ["job_id", "status", "seconds"]
    assert got.column("status").to_pylist() == ["FINISHED"]
    rows = [
        json.loads(line)
        for f in sorted(out.rglob("*"))
        if f.is_file() and not f.name.startswith(".")
        for line in f.read_text().splitlines()
    ]
    assert sorted(rows, key=str) == [{"k": "a", "total": 4}, {"k": "b", "total": 2}]


def test_write_without_a_sink_is_a_clear_error() -> None:
    data = pa.table({"k": ["a"], "v": pa.array([1], pa.int64())})
    p = Plan.from_json(json.dumps(_group_sum_plan(write_to="totals")))
    with pytest.raises(TableBindingError, match="no sink for table 'totals'"):
        pb.execute(p, engine="flink", tables={"t": data})


# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------
def test_function_flink_lacks_is_unsupported_with_its_name() -> None:
    cond = call(1, [call(2, [field(1)], "i64"), {"literal": {"i64": "3"}}], "bool")
    root = {"filter": {"input": read("people", COLUMNS), "condition": cond}}
    p = plan(root, ["id", "name"], [(CMP_URN, "equal:any_any"), (STR_URN, "octet_length:str")])
    with pytest.raises(UnsupportedError, match="octet_length") as info:
        pb.execute(p, engine="flink", tables={"people": people()})
    assert info.value.path.startswith("relations[0].root.input")


def test_flink_rejection_names_the_failing_relation() -> None:
    # lower(id) = 'x': lower of a BIGINT, which Flink's validator refuses (with a position).
    cond = call(1, [call(2, [field(0)], "string"), {"literal": {"string": "x"}}], "bool")
    inner = {"filter": {"input": read("people", COLUMNS), "condition": cond}}
    root = {"fetch": {"input": inner, "count": "2"}}
    p = plan(root, ["id", "name"], [(CMP_URN, "equal:any_any"), (STR_URN, "lower:str")])
    with pytest.raises(PlanError) as info:
        pb.execute(p, engine="flink", tables={"people": people()})
    assert isinstance(info.value, FlinkSqlError), info.value
    assert info.value.path == "relations[0].root.input.fetch.input.filter"
    assert "LOWER" in info.value.reason


def test_missing_table_is_a_binding_error() -> None:
    with pytest.raises(TableBindingError, match="no data for table 'people'"):
        pb.execute(sorted_read("people", COLUMNS, 0, False), engine="flink", tables={})


# ---------------------------------------------------------------------------------------
# explain: a script for Flink's SQL client
# ---------------------------------------------------------------------------------------
def test_explain_prints_a_runnable_flink_script(tmp_path: Path) -> None:
    p = sorted_read("people", COLUMNS, 0, desc=True)
    plan_file = tmp_path / "p.json"
    p.save(plan_file)
    result = CliRunner().invoke(cli, ["explain", str(plan_file), "--engine", "flink"])
    assert result.exit_code == 0, result.output
    script = result.output.split("-- query on flink\n", 1)[1]
    assert "CREATE TEMPORARY TABLE `people` (\n  `id` BIGINT,\n  `name` STRING\n)" in script
    assert "'connector' = 'filesystem'" in script
    assert "ORDER BY" in script
    # Paste it into a session with the placeholder path pointing at real data.
    data = tmp_path / "people.json"
    data.write_text("\n".join(json.dumps(r) for r in people().to_pylist()))
    script = script.replace("/path/to/people.json", str(data))
    statements = [s.strip() for s in script.strip().rstrip(";").split(";\n\n")]
    session = FlinkSession(FlinkConfig(mode="batch"))
    for stmt in statements[:-1]:
        session.execute(stmt)
    got = session.query(statements[-1])
    con = duckdb.connect()
    con.register("people", people())
    want = con.sql("SELECT id, name FROM people ORDER BY id DESC NULLS LAST").fetchall()
    assert [tuple(r.values())[:2] for r in got.to_pylist()] == want


# ---------------------------------------------------------------------------------------
# A loopback session cluster
# ---------------------------------------------------------------------------------------
def test_plan_runs_on_a_loopback_session_cluster() -> None:
    case = _cases()["interop/relation/join/inner_join-isthmus"]
    with SessionCluster() as cluster:
        session = FlinkSession(FlinkConfig(mode="batch", remote=cluster.address))
        got = pb.execute(case.plan(), engine="flink", tables=case.tables(), connection=session)
    expected = case.expected()
    cmp = compare_tables(expected.table, got, ordered=expected.ordered)
    assert cmp.ok, cmp.reason
