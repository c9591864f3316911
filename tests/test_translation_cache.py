"""The translation cache: a plan run again reuses its SQL only while the tables it reads
answer the same (schema changes, another table under the same name), bounded, thread-safe."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import duckdb
import pyarrow as pa
import pytest

import planbridge as pb
from planbridge.consumer.bind import bind_plan
from planbridge.engines import engine_class
from planbridge.errors import TableBindingError
from planbridge.execute import translation_cache
from tests.plan_builders import filter_equal_string, sorted_read

ENGINES = ["duckdb", "datafusion"]
COLUMNS = [("id", "i64"), ("name", "string")]


def people(ids: list[int] | None = None, id_type: pa.DataType | None = None) -> pa.Table:
    ids = ids if ids is not None else [3, 1, 2]
    id_type = id_type or pa.int64()
    return pa.table(
        {"id": pa.array(ids, id_type), "name": [f"p{i}" for i in ids]},
    )


def by_id_desc(table: pa.Table) -> list[dict]:
    rows = [{"id": r["id"], "name": r["name"]} for r in table.to_pylist()]
    return sorted(rows, key=lambda r: -r["id"])


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    size = translation_cache.maxsize
    translation_cache.clear()
    yield
    translation_cache.maxsize = size
    translation_cache.clear()


@pytest.mark.parametrize("engine", ENGINES)
def test_second_run_hits_and_gives_the_same_rows(engine: str) -> None:
    plan = sorted_read("people", COLUMNS, 0, desc=True).to_bytes()
    data = people()
    first = pb.execute(plan, engine=engine, tables={"people": data})
    second = pb.execute(plan, engine=engine, tables={"people": data})
    assert (translation_cache.misses, translation_cache.hits) == (1, 1)
    assert first.to_pylist() == second.to_pylist() == by_id_desc(data)


@pytest.mark.parametrize("engine", ENGINES)
def test_same_name_other_table_with_other_column_names(engine: str) -> None:
    """``people`` rebound to a table whose columns are upper-cased (matched
    case-insensitively): the cached SQL names ``id``, the new one must name ``ID``."""
    plan = sorted_read("people", COLUMNS, 0, desc=True).to_bytes()
    pb.execute(plan, engine=engine, tables={"people": people()})
    upper = people([7, 9]).rename_columns(["ID", "NAME"])
    got = pb.execute(plan, engine=engine, tables={"people": upper})
    assert got.to_pylist() == [{"id": 9, "name": "p9"}, {"id": 7, "name": "p7"}]
    assert translation_cache.misses == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_same_name_other_table_with_a_widened_type(engine: str) -> None:
    plan = sorted_read("people", COLUMNS, 0, desc=True).to_bytes()
    pb.execute(plan, engine=engine, tables={"people": people()})
    got = pb.execute(plan, engine=engine, tables={"people": people([5, 6], pa.int32())})
    assert got.schema.field("id").type == pa.int64()
    assert got.to_pylist() == [{"id": 6, "name": "p6"}, {"id": 5, "name": "p5"}]
    assert translation_cache.misses == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_same_name_other_table_with_an_incompatible_type(engine: str) -> None:
    plan = filter_equal_string("people", COLUMNS, 1, "p1").to_bytes()
    assert pb.execute(plan, engine=engine, tables={"people": people()}).num_rows == 1
    wrong = pa.table({"id": ["x"], "name": ["p1"]})
    with pytest.raises(TableBindingError, match="column 'id'"):
        pb.execute(plan, engine=engine, tables={"people": wrong})


def test_duckdb_connection_table_changing_schema() -> None:
    """Tables of the user's connection: re-registering or altering the table is seen."""
    plan = filter_equal_string("people", COLUMNS, 1, "p2").to_bytes()
    con = duckdb.connect()
    con.register("people", people())
    assert pb.execute(plan, connection=con).to_pylist() == [{"id": 2, "name": "p2"}]
    assert pb.execute(plan, connection=con).num_rows == 1
    assert translation_cache.hits == 1
    con.register("people", pa.table({"id": pa.array([2.5]), "name": ["p2"]}))
    with pytest.raises(TableBindingError, match="column 'id'"):
        pb.execute(plan, connection=con)
    con.unregister("people")
    con.execute("CREATE TABLE people (id BIGINT, name VARCHAR)")
    con.execute("INSERT INTO people VALUES (8, 'p2')")
    assert pb.execute(plan, connection=con).to_pylist() == [{"id": 8, "name": "p2"}]
    con.execute("ALTER TABLE people ALTER id TYPE VARCHAR")
    with pytest.raises(TableBindingError, match="column 'id'"):
        pb.execute(plan, connection=con)


def test_datafusion_context_table_changing_schema() -> None:
    """Tables of the user's DataFusion context (found case-insensitively): re-registering
    one with a widened or an incompatible type is seen on the next run."""
    import datafusion

    plan = filter_equal_string("people", COLUMNS, 1, "p2").to_bytes()
    ctx = datafusion.SessionContext()
    ctx.register_record_batches("People", [people().to_batches()])
    assert pb.execute(plan, "datafusion", connection=ctx).to_pylist() == [{"id": 2, "name": "p2"}]
    assert pb.execute(plan, "datafusion", connection=ctx).num_rows == 1
    assert translation_cache.hits == 1
    ctx.deregister_table("People")
    ctx.register_record_batches("People", [people([2, 5], pa.int32()).to_batches()])
    got = pb.execute(plan, "datafusion", connection=ctx)
    assert got.to_pylist() == [{"id": 2, "name": "p2"}]
    assert got.schema.field("id").type == pa.int64()  # the plan's declared type
    ctx.deregister_table("People")
    ctx.register_record_batches("People", [pa.table({"id": [2.5], "name": ["p2"]}).to_batches()])
    with pytest.raises(TableBindingError, match="column 'id'"):
        pb.execute(plan, "datafusion", connection=ctx)


def test_cache_is_bounded_lru() -> None:
    translation_cache.maxsize = 2
    data = {"people": people()}
    plans = [filter_equal_string("people", COLUMNS, 1, f"p{i}").to_bytes() for i in (1, 2, 3)]
    for p in plans:
        pb.execute(p, tables=data)
    assert len(translation_cache) == 2
    pb.execute(plans[2], tables=data)  # still cached
    pb.execute(plans[0], tables=data)  # evicted first, translated again
    assert (translation_cache.hits, translation_cache.misses) == (1, 4)
    translation_cache.maxsize = 0
    pb.execute(plans[2], tables=data)
    assert translation_cache.hits == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_threads_share_the_cache(engine: str) -> None:
    """Threads run several plans at once over tables that differ per thread."""
    plans = {i: filter_equal_string("people", COLUMNS, 1, f"p{i}").to_bytes() for i in range(4)}
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            for round_ in range(6):
                i = (t + round_) % 4
                # odd threads bind a table with i32 ids (a cast), even ones i64
                data = people([i, 10 + t], pa.int32() if t % 2 else pa.int64())
                got = pb.execute(plans[i], engine=engine, tables={"people": data})
                assert got.to_pylist() == [{"id": i, "name": f"p{i}"}], (t, i)
                assert got.schema.field("id").type == pa.int64()
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[0]
    assert translation_cache.hits > 0
    assert translation_cache.hits + translation_cache.misses == 36


def test_large_plans_are_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from planbridge.engines import cache

    plan = sorted_read("people", COLUMNS, 0, desc=True).to_bytes()
    monkeypatch.setattr(cache, "MAX_CACHED_PLAN_BYTES", len(plan) - 1)
    for _ in range(2):
        got = pb.execute(plan, tables={"people": people()})
        assert got.to_pylist() == by_id_desc(people())
    assert (len(translation_cache), translation_cache.hits) == (0, 0)


@pytest.mark.parametrize("engine", ENGINES)
def test_other_plans_reuse_column_matches_only_for_the_same_declared_columns(engine: str) -> None:
    """Column matches are remembered per declared schema across plans: a plan declaring
    other types or names over the same table is matched on its own (its own cast, its own
    error, its own case-insensitive names)."""
    data = people([2, 1], pa.int32())

    def sql(columns: list[tuple[str, str]]) -> str:
        runner = engine_class(engine)(None)
        try:
            return runner.query(
                bind_plan(sorted_read("people", columns, 0, False)), {"people": data}
            )
        finally:
            runner.close()

    widened = sql(COLUMNS)  # i64 over int32 data: cast
    assert "CAST" in widened.upper()
    assert "CAST" not in sql([("id", "i32"), ("name", "string")]).upper()
    assert "CAST" in sql(COLUMNS).upper()  # a later plan with the first plan's columns
    upper = sql([("ID", "i32"), ("NAME", "string")])
    assert '"id"' in upper and '"name"' in upper  # matched case-insensitively
    with pytest.raises(TableBindingError, match=r"column 'id': the plan declares i8"):
        sql([("id", "i8"), ("name", "string")])
    with pytest.raises(TableBindingError, match=r"has no column 'ident'"):
        sql([("ident", "i32"), ("name", "string")])
    got = pb.execute(
        sorted_read("people", [("id", "i32"), ("name", "string")], 0, False),
        engine=engine,
        tables={"people": data},
    )
    assert got.to_pylist() == [{"id": 1, "name": "p1"}, {"id": 2, "name": "p2"}]
