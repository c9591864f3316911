"""Plans are untrusted: hostile table names, column names, output names, string literals and
function names must not change the SQL an engine runs.

Each test runs for real on both engines next to a sentinel table in a user connection, then
checks the result against plain Python and that the sentinel is intact (or that the plan was
refused with a PlanError before anything ran).
"""

from __future__ import annotations

import datafusion
import duckdb
import pyarrow as pa
import pytest

import planbridge as pb
from planbridge.errors import PlanError, TableBindingError, UnsupportedError
from tests.plan_builders import CMP_URN, STR_URN, call, field, plan, read

ENGINES = ["duckdb", "datafusion"]

HOSTILE = [
    'x"; DROP TABLE sentinel; --',
    "x'); DROP TABLE sentinel; --",
    'sentinel" --',
    "a`b",
    "a]b[",
    "/* c */ sentinel",
    "name\nWITH x AS (SELECT 1)",
    "\\'\\\"",
    "ünïcödé ☃",
    "",
]


def _connection(engine: str):
    """A user connection/context holding ``sentinel(x)``; returns (conn, check)."""
    if engine == "duckdb":
        con = duckdb.connect()
        con.execute("CREATE TABLE sentinel AS SELECT 42 AS x")
        return con, lambda: con.execute("SELECT x FROM sentinel").fetchall() == [(42,)]
    ctx = datafusion.SessionContext()
    ctx.register_record_batches("sentinel", [pa.table({"x": [42]}).to_batches()])
    return ctx, lambda: ctx.sql("SELECT x FROM sentinel").to_pylist() == [{"x": 42}]


def _run(engine: str, p: pb.Plan, tables: dict) -> tuple[pa.Table, bool]:
    conn, intact = _connection(engine)
    got = pb.execute(p, engine=engine, tables=tables, connection=conn)
    return got, intact()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", [n for n in HOSTILE if n])
def test_hostile_table_and_column_names(engine: str, name: str) -> None:
    data = pa.table({name: pa.array([3, 1, 2], pa.int64()), "v": ["c", "a", "b"]})
    root = {"filter": {"input": read(name, [(name, "i64"), ("v", "string")])}}
    root["filter"]["condition"] = call(1, [field(0), {"literal": {"i64": "1"}}], "bool")
    p = plan(root, [name, "v"], [(CMP_URN, "gt:i64_i64")])
    got, intact = _run(engine, p, {name: data})
    assert intact
    assert got.column_names == [name, "v"]
    assert sorted(got.to_pylist(), key=lambda r: r["v"]) == [
        {name: 2, "v": "b"},
        {name: 3, "v": "c"},
    ]


def _filter_strings(engine: str, rows: list[str], literal: str, function: tuple[str, str]) -> list:
    """``SELECT s FROM t WHERE function(s, literal)`` over ``rows``; the sentinel must survive."""
    cond = call(1, [field(0), {"literal": {"string": literal}}], "bool")
    root = {"filter": {"input": read("t", [("s", "string")]), "condition": cond}}
    got, intact = _run(engine, plan(root, ["s"], [function]), {"t": pa.table({"s": rows})})
    assert intact
    return got.column("s").to_pylist()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_string_literals(engine: str, value: str) -> None:
    rows = ["plain", value, value + "'", "'" + value]
    got = _filter_strings(engine, rows, value, (CMP_URN, "equal:any_any"))
    assert got == [r for r in rows if r == value]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("pattern", ["%'; DROP TABLE sentinel; --%", '%"%', "%\\%"])
def test_hostile_like_patterns(engine: str, pattern: str) -> None:
    rows = ["a'; DROP TABLE sentinel; --b", 'say "hi"', "back\\slash", "plain"]
    got = _filter_strings(engine, rows, pattern, (STR_URN, "like:str_str"))
    assert got == [r for r in rows if pattern.strip("%") in r]


@pytest.mark.parametrize("engine", ENGINES)
def test_hostile_values_in_a_virtual_table(engine: str) -> None:
    values = [v for v in HOSTILE if v]
    root = {
        "read": {
            "baseSchema": {
                "names": ['c"; DROP TABLE sentinel; --'],
                "struct": {"types": [{"string": {"nullability": "NULLABILITY_REQUIRED"}}]},
            },
            "virtualTable": {
                "expressions": [{"fields": [{"literal": {"string": v}}]} for v in values]
            },
        }
    }
    got, intact = _run(engine, plan(root, ["out"], []), {})
    assert intact
    assert got.column("out").to_pylist() == values


@pytest.mark.parametrize("engine", ENGINES)
def test_hostile_name_of_a_table_the_connection_lacks_is_refused(engine: str) -> None:
    conn, intact = _connection(engine)
    p = plan(read('sentinel"; DROP TABLE sentinel; --', [("x", "i64")]), ["x"], [])
    with pytest.raises(TableBindingError, match="no data for table"):
        pb.execute(p, engine=engine, connection=conn)
    assert intact()


@pytest.mark.parametrize("engine", ENGINES)
def test_hostile_function_name_is_refused(engine: str) -> None:
    data = pa.table({"x": pa.array([1], pa.int64())})
    expr = call(1, [field(0)], "i64")
    root = {"project": {"input": read("t", [("x", "i64")]), "expressions": [expr]}}
    p = plan(root, ["x", "y"], [(CMP_URN, "abs) FROM sentinel; DROP TABLE sentinel; --:i64")])
    conn, intact = _connection(engine)
    with pytest.raises(PlanError) as err:
        pb.execute(p, engine=engine, tables={"t": data}, connection=conn)
    assert isinstance(err.value, UnsupportedError | PlanError)
    assert intact()


@pytest.mark.parametrize("engine", ENGINES)
def test_hostile_user_table_is_read_not_executed(engine: str) -> None:
    """A table in the user's connection whose *name* is hostile is still just read."""
    name = 'evil"; DROP TABLE sentinel; --'
    conn, intact = _connection(engine)
    if engine == "duckdb":
        conn.execute(f"CREATE TABLE {duckdb_quote(name)} AS SELECT 7::BIGINT AS x")
    else:
        conn.register_record_batches(
            name, [pa.table({"x": pa.array([7], pa.int64())}).to_batches()]
        )
    got = pb.execute(plan(read(name, [("x", "i64")]), ["x"], []), engine=engine, connection=conn)
    assert got.to_pylist() == [{"x": 7}]
    assert intact()


def duckdb_quote(name: str) -> str:
    """Quote an identifier for the test's own setup SQL (the code under test never does)."""
    return '"' + name.replace('"', '""') + '"'
