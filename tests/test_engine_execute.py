"""planbridge.execute on DuckDB and DataFusion: results, table binding, hostile names."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

import planbridge as pb
from planbridge.errors import PlanError, TableBindingError
from tests.plan_builders import filter_equal_string, sorted_read

ENGINES = ["duckdb", "datafusion"]
COLUMNS = [("id", "i64"), ("name", "string")]


def people() -> pa.Table:
    return pa.table(
        {
            "id": pa.array([3, 1, 2, 4], pa.int64()),
            "name": ["o'brien", "ann", "'; DROP TABLE sentinel; --", 'say "hi"'],
        }
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_sort_matches_python(engine: str) -> None:
    data = people()
    got = pb.execute(
        sorted_read("people", COLUMNS, 0, desc=True), engine=engine, tables={"people": data}
    )
    expected = sorted(data.to_pylist(), key=lambda r: -r["id"])
    assert got.to_pylist() == expected
    assert got.column_names == ["id", "name"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("value", ["o'brien", "'; DROP TABLE sentinel; --", 'say "hi"', "no match"])
def test_string_literals_cannot_inject(engine: str, value: str) -> None:
    data = people()
    con = duckdb.connect()
    con.execute("CREATE TABLE sentinel AS SELECT 42 AS x")
    conn = con if engine == "duckdb" else None
    got = pb.execute(
        filter_equal_string("people", COLUMNS, 1, value),
        engine=engine,
        tables={"people": data},
        connection=conn,
    )
    assert got.to_pylist() == [r for r in data.to_pylist() if r["name"] == value]
    assert con.execute("SELECT x FROM sentinel").fetchall() == [(42,)]


HOSTILE_NAMES = ['t"; DROP TABLE sentinel; --', "a'b", 'x" FROM sentinel --', "select"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_table_and_column_names_cannot_inject(engine: str, name: str) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE sentinel AS SELECT 42 AS x")
    data = pa.table({name: pa.array([2, 1], pa.int64()), "v": ["b", "a"]})
    plan = sorted_read(name, [(name, "i64"), ("v", "string")], 0, desc=False)
    got = pb.execute(
        plan, engine=engine, tables={name: data}, connection=con if engine == "duckdb" else None
    )
    assert got.to_pylist() == [{name: 1, "v": "a"}, {name: 2, "v": "b"}]
    assert con.execute("SELECT x FROM sentinel").fetchall() == [(42,)]


@pytest.mark.parametrize("engine", ENGINES)
def test_safe_widening_is_cast(engine: str) -> None:
    data = pa.table(
        {"id": pa.array([2, 1], pa.int32()), "name": pa.array(["b", "a"], pa.string_view())}
    )
    got = pb.execute(
        sorted_read("people", COLUMNS, 0, desc=False), engine=engine, tables={"people": data}
    )
    assert got.schema.field("id").type == pa.int64()
    assert got.to_pylist() == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


@pytest.mark.parametrize("engine", ENGINES)
def test_narrowing_is_a_clear_error(engine: str) -> None:
    data = pa.table({"id": pa.array([1], pa.int64()), "name": ["a"]})
    plan = sorted_read("people", [("id", "i32"), ("name", "string")], 0, desc=False)
    with pytest.raises(TableBindingError) as err:
        pb.execute(plan, engine=engine, tables={"people": data})
    message = str(err.value)
    assert "'people'" in message and "'id'" in message and "i32" in message and "int64" in message
    assert err.value.path.endswith("read")


@pytest.mark.parametrize("engine", ENGINES)
def test_table_names_match_case_insensitively(engine: str) -> None:
    data = people()
    plan = sorted_read("PEOPLE", [("ID", "i64"), ("NAME", "string")], 0, desc=False)
    got = pb.execute(plan, engine=engine, tables={"people": data})
    assert got.column_names == ["ID", "NAME"]
    assert got.column("ID").to_pylist() == [1, 2, 3, 4]


def test_missing_table_names_what_was_given() -> None:
    with pytest.raises(TableBindingError, match=r"no data for table 'people'.*tables given: other"):
        pb.execute(sorted_read("people", COLUMNS, 0, False), tables={"other": people()})


def test_unknown_engine_is_a_plan_error() -> None:
    with pytest.raises(PlanError, match="unknown engine 'nope'"):
        pb.execute(
            sorted_read("people", COLUMNS, 0, False), engine="nope", tables={"people": people()}
        )


@pytest.mark.parametrize("engine", ENGINES)
def test_execute_batches_streams(engine: str) -> None:
    reader = pb.execute_batches(
        sorted_read("people", COLUMNS, 0, False), engine=engine, tables={"people": people()}
    )
    assert isinstance(reader, pa.RecordBatchReader)
    assert sum(b.num_rows for b in reader) == 4


def test_tables_of_a_users_duckdb_connection() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE people AS SELECT * FROM (VALUES (2, 'b'), (1, 'a')) v(id, name)")
    got = pb.execute(
        sorted_read("people", [("id", "i32"), ("name", "string")], 0, False), connection=con
    )
    assert got.to_pylist() == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


@pytest.mark.parametrize("engine", ENGINES)
def test_files_by_path(engine: str, tmp_path) -> None:
    import pyarrow.csv as csv
    import pyarrow.parquet as pq

    pq.write_table(people(), tmp_path / "p.parquet")
    csv.write_csv(people(), tmp_path / "p.csv")
    for path in ("p.parquet", "p.csv"):
        got = pb.execute(
            sorted_read("people", COLUMNS, 0, False),
            engine=engine,
            tables={"people": str(tmp_path / path)},
        )
        assert got.column("id").to_pylist() == [1, 2, 3, 4]
