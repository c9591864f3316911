"""Engine fixes checked against independent truths: a plain-Python reading of the Substrait
spec's set-operation multiplicities, and DuckDB running plain SQL on the same data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from substrait import algebra_pb2 as stalg

import planbridge
import planbridge as pb
from planbridge.conformance.build import SET, P, col, schema, to_plan

ENGINES = ["duckdb", "datafusion"]

# Three inputs with duplicates and NULLs (NULL matches NULL in set operations)
INPUTS = {
    "p": ["a", "a", "a", "b", "b", "c", None, None, "d"],
    "s1": ["a", "b", "b", "b", None, "e"],
    "s2": ["a", "a", "c", None, None, "b"],
}


def _reference(op: str) -> Counter:
    """Output multiplicity per value, as the spec's set-operation table defines it."""
    m = Counter(INPUTS["p"])
    n = [Counter(INPUTS["s1"]), Counter(INPUTS["s2"])]
    values = set(m) | set(n[0]) | set(n[1])
    out = Counter()
    for v in values:
        counts = [x[v] for x in n]
        k = {
            "UNION_ALL": m[v] + sum(counts),
            "UNION_DISTINCT": 1,
            "MINUS_PRIMARY": int(m[v] > 0 and not any(counts)),
            "MINUS_PRIMARY_ALL": max(0, m[v] - sum(counts)),
            "MINUS_MULTISET": m[v] if min(counts) == 0 else 0,
            "INTERSECTION_PRIMARY": int(m[v] > 0 and any(counts)),
            "INTERSECTION_MULTISET": int(m[v] > 0 and all(counts)),
            "INTERSECTION_MULTISET_ALL": min(m[v], *counts),
        }[op]
        if k:
            out[v] = k
    return out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "op",
    [
        "UNION_ALL",
        "UNION_DISTINCT",
        "MINUS_PRIMARY",
        "MINUS_PRIMARY_ALL",
        "MINUS_MULTISET",
        "INTERSECTION_PRIMARY",
        "INTERSECTION_MULTISET",
        "INTERSECTION_MULTISET_ALL",
    ],
)
def test_set_operation_multiplicities(engine: str, op: str) -> None:
    reads = [P.read_named_table(name, schema({"v": "string"})) for name in INPUTS]
    plan = to_plan(P.set(reads, getattr(SET, f"SET_OP_{op}")))
    tables = {name: pa.table({"v": pa.array(rows, pa.string())}) for name, rows in INPUTS.items()}
    got = planbridge.execute(plan, engine=engine, tables=tables)
    got.validate(full=True)
    assert Counter(got.column(0).to_pylist()) == _reference(op)


def test_union_of_string_and_large_string_inputs_is_valid_arrow() -> None:
    """DataFusion streams each UNION input's batches in its own string type: re-typed."""
    reads = [P.read_named_table(name, schema({"v": "string"})) for name in ("p", "q")]
    plan = to_plan(P.set(reads, SET.SET_OP_UNION_ALL))
    tables = {
        "p": pa.table({"v": pa.array(["x", "yy"], pa.string())}),
        "q": pa.table({"v": pa.array(["zzz", None], pa.large_string())}),
    }
    got = planbridge.execute(plan, engine="datafusion", tables=tables)
    got.validate(full=True)
    assert Counter(got.column(0).to_pylist()) == Counter(["x", "yy", "zzz", None])


SORT_DATA = pa.table({"k": pa.array([3, None, 1, None, 2], pa.int64()), "i": list(range(5))})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("direction", "sql"),
    [
        ("SORT_DIRECTION_ASC_NULLS_FIRST", "k ASC NULLS FIRST"),
        ("SORT_DIRECTION_ASC_NULLS_LAST", "k ASC NULLS LAST"),
        ("SORT_DIRECTION_DESC_NULLS_FIRST", "k DESC NULLS FIRST"),
        ("SORT_DIRECTION_DESC_NULLS_LAST", "k DESC NULLS LAST"),
    ],
)
def test_sort_null_placement(engine: str, direction: str, sql: str) -> None:
    read = P.read_named_table("t", schema({"k": "i64", "i": "i64"}))
    sort = P.sort(read, [(col("k"), getattr(stalg.SortField, direction))])
    got = planbridge.execute(to_plan(sort), engine=engine, tables={"t": SORT_DATA})
    want = duckdb.sql(f"SELECT k FROM SORT_DATA ORDER BY {sql}").fetchall()
    assert got.column("k").to_pylist() == [r[0] for r in want]


def _window_functions(msg: Any) -> Iterator[Any]:
    """Every WindowFunction message inside a protobuf message."""
    if isinstance(msg, stalg.Expression.WindowFunction):
        yield msg
    for fd, value in msg.ListFields():
        if fd.message_type is None:
            continue
        for item in value if fd.is_repeated else [value]:
            if hasattr(item, "ListFields"):
                yield from _window_functions(item)


WINDOW_DATA = pa.table(
    {
        "g": ["a", "a", "a", "b", "b"],
        "d": [
            dt.date(2024, 1, 1),
            dt.date(2024, 1, 2),
            dt.date(2024, 1, 5),
            dt.date(2024, 1, 1),
            dt.date(2024, 1, 3),
        ],
        "v": [1, 2, 3, 4, 5],
    }
)


@pytest.mark.parametrize("engine", ENGINES)
def test_window_missing_upper_bound_is_partition_end(engine: str) -> None:
    """Substrait: an absent upper bound is the end of the partition (not the current row)."""
    t = pb.memtable(WINDOW_DATA)
    q = t.select("g", "d", s=t.v.sum().over(group_by="g", order_by="d", rows=(-1, 0)))
    plan = q.to_substrait()
    (wf,) = _window_functions(plan.proto)
    wf.ClearField("upper_bound")
    got = sorted(
        planbridge.execute(plan, engine=engine).to_pylist(), key=lambda r: (r["g"], r["d"])
    )
    want = duckdb.sql(
        "SELECT g, d, sum(v) OVER (PARTITION BY g ORDER BY d "
        "ROWS BETWEEN 1 PRECEDING AND UNBOUNDED FOLLOWING) FROM WINDOW_DATA ORDER BY g, d"
    ).fetchall()
    assert [(r["g"], r["d"], r["s"]) for r in got] == want


@pytest.mark.parametrize("engine", ENGINES)
def test_range_window_with_interval_offsets(engine: str) -> None:
    t = pb.memtable(WINDOW_DATA)
    day = dt.timedelta(days=1)
    q = t.select(
        "g",
        "d",
        back=t.v.sum().over(group_by="g", order_by="d", range=(-day, 0)),
        ahead=t.v.sum().over(group_by="g", order_by="d", range=(0, 3 * day)),
    )
    got = sorted(q.execute(engine=engine).to_pylist(), key=lambda r: (r["g"], r["d"]))
    want = duckdb.sql(
        "SELECT g, d, sum(v) OVER (PARTITION BY g ORDER BY d RANGE BETWEEN INTERVAL 1 DAY "
        "PRECEDING AND CURRENT ROW), sum(v) OVER (PARTITION BY g ORDER BY d RANGE BETWEEN "
        "CURRENT ROW AND INTERVAL 3 DAY FOLLOWING) FROM WINDOW_DATA ORDER BY g, d"
    ).fetchall()
    assert [(r["g"], r["d"], r["back"], r["ahead"]) for r in got] == want


@pytest.mark.parametrize("engine", ENGINES)
def test_date_plus_interval_year_is_a_date(engine: str) -> None:
    from substrait.builders.type import interval_year

    from planbridge.conformance.build import E, fn

    dates = pa.table({"dt": [dt.date(2024, 1, 31), dt.date(2023, 12, 15), None]})
    months = E.literal((1, 2), interval_year())  # 1 year 2 months
    proj = P.project(
        P.read_named_table("t", schema({"dt": "date"})),
        [fn("datetime", "add", col("dt"), months, alias="later")],
    )
    got = planbridge.execute(to_plan(proj), engine=engine, tables={"t": dates})
    assert got.schema.field("later").type == pa.date32()
    want = duckdb.sql("SELECT CAST(dt + INTERVAL 14 MONTH AS DATE) FROM dates").fetchall()
    assert got.column("later").to_pylist() == [r[0] for r in want]


@pytest.mark.parametrize("engine", ENGINES)
def test_integer_overflow_error_option_raises(engine: str) -> None:
    """``overflow: ERROR`` must raise (DataFusion's own ``+`` wraps around silently)."""
    from planbridge.conformance.build import fn, lit

    big = lit(9223372036854775807, "i64")
    proj = P.project(
        P.read_named_table("t", schema({"a": "i64"})),
        [fn("arithmetic", "add", col("a"), big, alias="r", overflow="ERROR")],
    )
    plan = to_plan(proj)
    ok = planbridge.execute(plan, engine=engine, tables={"t": pa.table({"a": [-1, 0]})})
    assert ok.column("r").to_pylist() == [9223372036854775806, 9223372036854775807]
    with pytest.raises(planbridge.errors.PlanError):
        planbridge.execute(plan, engine=engine, tables={"t": pa.table({"a": [0, 1]})})


@pytest.mark.parametrize("engine", ENGINES)
def test_csv_value_treated_as_null(engine: str, tmp_path: Any) -> None:
    """The option's value (here the empty string) is null when unquoted; quoted it is text."""
    LF = stalg.ReadRel.LocalFiles.FileOrFiles
    path = tmp_path / "n.csv"
    path.write_text('k,s,n\n1,"x",5\n2,,\n3,"",7\n')
    opts = LF.DelimiterSeparatedTextReadOptions(
        field_delimiter=",", quote='"', header_lines_to_skip=1, value_treated_as_null=""
    )
    cols = {"k": "i64", "s": "string", "n": "i64"}
    read = P.local_files(schema(cols), [LF(uri_file=path.as_uri(), text=opts)])
    got = planbridge.execute(to_plan(read), engine=engine)
    want = duckdb.sql(
        f"SELECT * FROM read_csv('{path}', header=true, nullstr='', allow_quoted_nulls=false, "
        "columns={'k': 'BIGINT', 's': 'VARCHAR', 'n': 'BIGINT'}) ORDER BY k"
    ).fetchall()
    assert sorted(tuple(r.values()) for r in got.to_pylist()) == want


@pytest.mark.parametrize("engine", ENGINES)
def test_over_with_column_names_of_a_tableless_window_function(engine: str) -> None:
    """``row_number().over(group_by="g")``: strings are column names of the input."""
    data = pa.table({"g": ["a", "a", "b", "b", "b"], "v": [3, 1, 2, 5, 4]})
    t = pb.memtable(data)
    q = t.select(
        "g",
        "v",
        n=pb.row_number().over(group_by="g", order_by="v"),
        r=pb.rank().over(order_by=pb.desc("v")),
        s=t.v.sum().over(group_by="g"),
    )
    got = sorted(tuple(r.values()) for r in q.execute(engine=engine).to_pylist())
    want = duckdb.sql(
        "SELECT g, v, row_number() OVER (PARTITION BY g ORDER BY v), "
        "rank() OVER (ORDER BY v DESC), sum(v) OVER (PARTITION BY g) FROM data"
    ).fetchall()
    assert got == sorted(want)
    with pytest.raises(planbridge.errors.PlanError, match="'nope' is not in the input"):
        t.select(n=pb.row_number().over(group_by="nope")).execute(engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_decimal_round_keeps_the_scale(engine: str) -> None:
    from decimal import Decimal

    from planbridge.conformance.build import fn, lit

    d = pa.table({"d": pa.array([Decimal("10.25"), Decimal("500.00"), Decimal("-0.05")])})
    d = d.cast(pa.schema([("d", pa.decimal128(15, 2))]))
    proj = P.project(
        P.read_named_table("t", schema({"d": "dec(15,2)"})),
        [fn("rounding_decimal", "round", col("d"), lit(1, "i32"), alias="r")],
    )
    got = planbridge.execute(to_plan(proj), engine=engine, tables={"t": d})
    want = duckdb.sql("SELECT round(d, 1) FROM d").fetchall()
    assert got.column("r").to_pylist() == [r[0] for r in want]
