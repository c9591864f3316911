"""The dataframe API's core verbs: plans validate, and DuckDB/DataFusion running them agree
with DuckDB running the equivalent SQL over the same data (an independent truth)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

import planbridge as pb
from planbridge.conformance.native import NativeDataFusion
from planbridge.errors import PlanBuildError
from planbridge.validate import validate_plan

ORDERS = pa.table(
    {
        "o_orderkey": pa.array([1, 2, 3, 4, 5, 6], pa.int64()),
        "o_custkey": pa.array([10, 10, 20, None, 30, 20], pa.int64()),
        "o_totalprice": pa.array(
            [Decimal(x) for x in ("500.00", "1500.50", "2500.00", "3000.25", "10.00", "999.99")],
            pa.decimal128(15, 2),
        ),
        "o_orderdate": pa.array([dt.date(2020, 1, d) for d in (1, 2, 3, 4, 5, 6)]),
        "o_comment": pa.array(["fast", "slow", None, "fast lane", "x", "slowly"]),
    }
)
CUSTOMERS = pa.table(
    {
        "c_custkey": pa.array([10, 20, 40], pa.int64()),
        "c_name": pa.array(["ann", "bob", "cy"]),
    }
)
TABLES = {"orders": ORDERS, "customer": CUSTOMERS}


def orders() -> pb.Table:
    return pb.table("orders", ORDERS.schema)


def customers() -> pb.Table:
    return pb.table("customer", CUSTOMERS.schema)


def sql_truth(sql: str) -> list[tuple]:
    con = duckdb.connect()
    for name, data in TABLES.items():
        con.register(name, data)
    return con.execute(sql).fetchall()


def rows(table: pa.Table) -> list[tuple]:
    return [tuple(r.values()) for r in table.to_pylist()]


def check(expr: pb.Table, sql: str, ordered: bool = False, native: bool = True) -> None:
    """Valid plan; DuckDB and DataFusion (planbridge's and, unless told, DataFusion's own
    Substrait consumer) all give the rows DuckDB gives for ``sql``."""
    plan = expr.to_substrait()
    assert validate_plan(plan) == []
    want = sql_truth(sql)
    runs = {e: lambda e=e: expr.execute(engine=e, tables=TABLES) for e in ("duckdb", "datafusion")}
    if native:
        runs["datafusion-native"] = lambda: NativeDataFusion().run(plan, TABLES)
    for engine, run in runs.items():
        got = rows(run())
        if ordered:
            assert got == want, engine
        else:
            assert sorted(got, key=repr) == sorted(want, key=repr), engine


def test_schema_is_known_eagerly_and_typed() -> None:
    t = pb.table("t", {"a": "int64", "b": "decimal(15,2)", "d": "date", "s": "string"})
    assert t.columns == ["a", "b", "d", "s"]
    assert t.schema["b"].decimal.precision == 15
    m = t.mutate(c=t.a + 1, e=t.b * 2)
    assert m.schema["c"].WhichOneof("kind") == "i64"
    assert m.schema["e"].WhichOneof("kind") == "decimal"
    assert (t.a > 1).type.WhichOneof("kind") == "bool"


def test_filter_select_order_limit() -> None:
    o = orders()
    q = (
        o.filter(o.o_totalprice > 100, o.o_custkey.notnull())
        .select("o_orderkey", total=o.o_totalprice * 2)
        .order_by(pb.desc("total"))
        .limit(3, offset=1)
    )
    check(
        q,
        "select o_orderkey, o_totalprice * 2 from orders where o_totalprice > 100 and "
        "o_custkey is not null order by 2 desc limit 3 offset 1",
        ordered=True,
    )


def test_group_by_aggregate_with_composite_metric() -> None:
    o = orders()
    q = o.group_by("o_custkey").aggregate(
        n=o.count(),
        total=o.o_totalprice.sum(),
        mx=o.o_totalprice.max(),
        avg2=o.o_totalprice.sum() / o.o_orderkey.count(),
    )
    got = rows(q.execute(tables=TABLES))
    want = sql_truth(
        "select o_custkey, count(*), sum(o_totalprice), max(o_totalprice), "
        "sum(o_totalprice) / count(o_orderkey) from orders group by 1"
    )
    key = lambda r: repr(r[0])  # noqa: E731
    assert [r[:4] for r in sorted(got, key=key)] == [r[:4] for r in sorted(want, key=key)]
    for g, w in zip(sorted(got, key=key), sorted(want, key=key), strict=True):
        assert float(g[4]) == pytest.approx(float(w[4]))
    assert validate_plan(q.to_substrait()) == []


def test_joins_inner_left_semi_anti_cross() -> None:
    o, c = orders(), customers()
    cond = o.o_custkey == c.c_custkey
    check(
        o.join(c, cond).select("o_orderkey", "c_name"),
        "select o_orderkey, c_name from orders join customer on o_custkey = c_custkey",
    )
    check(
        o.join(c, cond, how="left").select("o_orderkey", "c_name"),
        "select o_orderkey, c_name from orders left join customer on o_custkey = c_custkey",
    )
    check(
        o.join(c, cond, how="outer").select("o_orderkey", "c_name"),
        "select o_orderkey, c_name from orders full join customer on o_custkey = c_custkey",
    )
    check(
        o.semi_join(c, cond).select("o_orderkey"),
        "select o_orderkey from orders where o_custkey in (select c_custkey from customer)",
    )
    check(
        o.anti_join(c, cond).select("o_orderkey"),
        "select o_orderkey from orders where not exists "
        "(select 1 from customer where c_custkey = o_custkey)",
    )
    check(
        o.cross_join(c).select("o_orderkey", "c_name"),
        "select o_orderkey, c_name from orders cross join customer",
    )


def test_self_join_with_view_and_non_equi_condition() -> None:
    o = orders()
    o2 = o.view()
    q = o.join(o2, (o.o_custkey == o2.o_custkey) & (o.o_orderkey < o2.o_orderkey)).select(
        a=o.o_orderkey, b=o2.o_orderkey
    )
    assert "o_orderkey_right" not in q.columns
    check(
        q,
        "select a.o_orderkey, b.o_orderkey from orders a join orders b "
        "on a.o_custkey = b.o_custkey and a.o_orderkey < b.o_orderkey",
    )


def test_mutate_rename_drop_distinct() -> None:
    o = orders()
    q = o.mutate(o_totalprice=o.o_totalprice + 1, big=o.o_totalprice > 1000).drop(
        "o_comment", "o_orderdate"
    )
    assert q.columns == ["o_orderkey", "o_custkey", "o_totalprice", "big"]
    check(
        q.rename(key="o_orderkey"),
        "select o_orderkey, o_custkey, o_totalprice + 1, o_totalprice > 1000 from orders",
    )
    check(orders().select("o_custkey").distinct(), "select distinct o_custkey from orders")


def test_set_operations() -> None:
    o = orders()
    a = o.filter(o.o_orderkey < 4).select("o_custkey")
    b = o.filter(o.o_orderkey > 2).select("o_custkey")
    check(
        a.union(b),
        "select o_custkey from orders where o_orderkey < 4 union all "
        "select o_custkey from orders where o_orderkey > 2",
    )
    check(
        a.union(b, distinct=True),
        "select o_custkey from orders where o_orderkey < 4 union "
        "select o_custkey from orders where o_orderkey > 2",
    )
    check(
        a.intersect(b),
        "select o_custkey from orders where o_orderkey < 4 intersect "
        "select o_custkey from orders where o_orderkey > 2",
    )
    check(
        a.difference(b),
        "select o_custkey from orders where o_orderkey < 4 except "
        "select o_custkey from orders where o_orderkey > 2",
    )


def test_subqueries_scalar_isin_exists() -> None:
    o, c = orders(), customers()
    check(
        o.filter(o.o_totalprice > o.aggregate(m=o.o_totalprice.mean()).as_scalar()).select(
            "o_orderkey"
        ),
        "select o_orderkey from orders where o_totalprice > (select avg(o_totalprice) from orders)",
    )
    check(
        o.filter(o.o_custkey.isin(c.select("c_custkey"))).select("o_orderkey"),
        "select o_orderkey from orders where o_custkey in (select c_custkey from customer)",
    )
    o2 = o.view()
    others = o.filter(
        pb.exists(o2.filter((o2.o_custkey == o.o_custkey) & (o2.o_orderkey != o.o_orderkey)))
    ).select("o_orderkey")
    sql = (
        "select o_orderkey from orders a where exists (select 1 from orders b where "
        "b.o_custkey = a.o_custkey and b.o_orderkey <> a.o_orderkey)"
    )
    check(others, sql, native=False)
    # DataFusion's own consumer loses this correlation (a gap shown, not assumed):
    assert rows(NativeDataFusion().run(others.to_substrait(), TABLES)) == []
    assert sorted(sql_truth(sql)) == [(1,), (2,), (3,), (6,)]


def test_window_functions() -> None:
    o = orders()
    q = o.select(
        "o_orderkey",
        rn=pb.row_number().over(group_by=o.o_custkey, order_by=pb.desc(o.o_orderkey)),
        running=o.o_totalprice.sum().over(order_by=o.o_orderkey),
        moving=o.o_totalprice.sum().over(order_by=o.o_orderkey, rows=(-1, 0)),
        prev=o.o_orderkey.lag().over(order_by=o.o_orderkey),
        rk=pb.rank().over(order_by=o.o_custkey),
    )
    check(
        q,
        "select o_orderkey, row_number() over (partition by o_custkey order by o_orderkey desc), "
        "sum(o_totalprice) over (order by o_orderkey), "
        "sum(o_totalprice) over (order by o_orderkey rows between 1 preceding and current row), "
        "lag(o_orderkey) over (order by o_orderkey), "
        "rank() over (order by o_custkey nulls last) from orders",
    )


def test_expressions_strings_dates_case_coalesce() -> None:
    o = orders()
    exprs = {
        "up": (o.o_comment.upper(), "upper(o_comment)"),
        "like": (o.o_comment.like("slow%"), "o_comment like 'slow%'"),
        "yr": (o.o_orderdate.year(), "year(o_orderdate)"),
        "mo": (o.o_orderdate.month(), "month(o_orderdate)"),
        "later": (
            (o.o_orderdate + pb.interval(months=1)).cast("date"),
            "cast(o_orderdate + interval 1 month as date)",
        ),
        "cls": (
            pb.case()
            .when(o.o_totalprice > 2000, "big")
            .when(o.o_totalprice > 900, "mid")
            .else_("small")
            .end(),
            "case when o_totalprice > 2000 then 'big' when o_totalprice > 900 then 'mid' "
            "else 'small' end",
        ),
        "cust": (pb.coalesce(o.o_custkey, 0), "coalesce(o_custkey, 0)"),
        "flag": (
            pb.ifelse(o.o_comment.isnull(), 1, 0),
            "case when o_comment is null then 1 else 0 end",
        ),
        "isin": (o.o_orderkey.isin([1, 3, 5]), "o_orderkey in (1, 3, 5)"),
        "sub": (o.o_comment.substr(0, 2), "substr(o_comment, 1, 2)"),
        "casted": (o.o_totalprice.cast("float64"), "cast(o_totalprice as double)"),
    }

    def both(names: list[str]) -> tuple[pb.Table, str]:
        q = o.select("o_orderkey", **{n: exprs[n][0] for n in names})
        return q, f"select o_orderkey, {', '.join(exprs[n][1] for n in names)} from orders"

    with_extract, sql = both(list(exprs))
    check(with_extract, sql, native=False)
    # DataFusion's own consumer rejects extract's enumeration argument (YEAR, MONTH):
    with pytest.raises(pb.UnsupportedError, match="non-Value type not supported"):
        NativeDataFusion().run(with_extract.to_substrait(), TABLES)
    check(*both([n for n in exprs if n not in ("yr", "mo")]))


def test_literals_of_many_types_validate() -> None:
    t = pb.table("t", {"a": "int64"})
    q = t.select(
        i8=pb.literal(1, "int8"),
        i16=pb.literal(2, "int16"),
        i32=pb.literal(3, "int32"),
        i64=pb.literal(4),
        f32=pb.literal(1.5, "float32"),
        f64=pb.literal(2.5),
        dec=pb.literal(Decimal("12.34")),
        s=pb.literal("x"),
        b=pb.literal(b"\x00\x01"),
        t=pb.literal(True),
        d=pb.literal(dt.date(2024, 2, 29)),
        ts=pb.literal(dt.datetime(2024, 1, 1, 12, 30)),
        tstz=pb.literal(dt.datetime(2024, 1, 1, 12, 30, tzinfo=dt.UTC)),
        iy=pb.interval(years=1, months=2),
        idy=pb.interval(days=1, seconds=30),
        n=pb.null("decimal(10,3)"),
    )
    assert validate_plan(q.to_substrait()) == []
    got = q.execute(tables={"t": pa.table({"a": [1]})}).to_pylist()[0]
    assert got["dec"] == Decimal("12.34") and got["d"] == dt.date(2024, 2, 29)
    assert got["s"] == "x" and got["t"] is True and got["n"] is None


@pytest.mark.parametrize("engine", ["duckdb", "datafusion"])
def test_time_literal_runs_as_the_same_arrow_time(engine: str) -> None:
    t = pb.table("t", {"a": "int64"})
    q = t.select(tm=pb.literal(dt.time(8, 15, 1, 250000)))
    assert q.schema["tm"].WhichOneof("kind") == "precision_time"
    assert validate_plan(q.to_substrait()) == []
    got = pb.execute(q.to_substrait(), engine=engine, tables={"t": pa.table({"a": [1, 2]})})
    assert got.schema.field("tm").type == pa.time64("us")
    assert got.column("tm").to_pylist() == [dt.time(8, 15, 1, 250000)] * 2


def test_build_errors_name_column_and_expression() -> None:
    o = orders()
    with pytest.raises(AttributeError, match="no column 'nope'"):
        _ = o.nope
    with pytest.raises(PlanBuildError, match="no column 'nope'"):
        o["nope"]
    with pytest.raises(PlanBuildError, match=r"add\(o_orderdate, o_comment\).*no overload"):
        _ = o.o_orderdate + o.o_comment
    with pytest.raises(PlanBuildError, match="aggregate"):
        o.filter(o.o_totalprice.sum() > 1)
    with pytest.raises(PlanBuildError, match="not boolean"):
        o.filter(o.o_orderkey)
    c = customers()
    agg = o.group_by("o_custkey").aggregate(n=o.count())
    with pytest.raises(PlanBuildError, match="c_name"):
        agg.filter(c.c_name == "x").to_substrait()
    with pytest.raises(PlanBuildError, match="not an aggregate"):
        o.group_by("o_custkey").aggregate(x=o.o_orderkey)
    with pytest.raises(PlanBuildError, match="decimal"):
        pb.table("t", {"a": "decimal(50,2)"})


def test_to_substrait_is_deterministic_and_round_trips() -> None:
    o = orders()
    q = o.filter(o.o_totalprice > 1).group_by("o_custkey").aggregate(n=o.count())
    p1, p2 = q.to_substrait(), q.to_substrait()
    assert p1.to_bytes() == p2.to_bytes()
    assert pb.Plan.from_json(p1.to_json()) == p1
    assert all(u.urn.startswith("extension:io.substrait:") for u in p1.proto.extension_urns)
    assert b"https://github.com/substrait-io" in p1.to_bytes(legacy_uris=True)
    assert "Aggregate" in q.explain()


def test_sources_parquet_csv_memtable(tmp_path) -> None:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    data = pa.table({"k": pa.array([1, 2, 3], pa.int64()), "s": ["a", "b", "c"]})
    pq.write_table(data, tmp_path / "d.parquet")
    pcsv.write_csv(data, tmp_path / "d.csv")
    for source in (
        pb.read_parquet(tmp_path / "d.parquet"),
        pb.read_csv(tmp_path / "d.csv"),
        pb.memtable(data),
        pb.memtable({"k": [1, 2, 3], "s": ["a", "b", "c"]}),
    ):
        q = source.filter(source.k > 1).order_by("k")
        assert validate_plan(q.to_substrait()) == []
        for engine in ("duckdb", "datafusion"):
            assert q.execute(engine=engine).to_pydict() == {"k": [2, 3], "s": ["b", "c"]}
    with pytest.raises(PlanBuildError, match="read_parquet"):
        pb.read_parquet(tmp_path / "missing.parquet")


def test_window_keys_by_name_lead_and_conditional_aggregates() -> None:
    o = orders()
    q = o.select(
        "o_orderkey",
        nxt=o.o_orderkey.lead().over(order_by=pb.desc("o_orderkey")),
        big=o.o_totalprice.sum(where=o.o_totalprice > 1000).over(group_by="o_custkey"),
        z=o.o_custkey.nullif(10),
    )
    check(
        q,
        "select o_orderkey, lead(o_orderkey) over (order by o_orderkey desc), "
        "sum(o_totalprice) filter (where o_totalprice > 1000) over (partition by o_custkey), "
        "nullif(o_custkey, 10) from orders",
    )
    # a function reading no table resolves key names in the input it is selected from
    with pytest.raises(PlanBuildError, match=r"'k' is not in the input"):
        o.select(n=pb.row_number().over(order_by="k"))


def test_truncate_is_standard_round_calendar_which_the_engines_reject() -> None:
    o = orders()
    q = o.select(m=o.o_orderdate.truncate("MONTH"))
    assert validate_plan(q.to_substrait()) == []
    with pytest.raises(pb.UnsupportedError, match="round_calendar"):
        q.execute(tables=TABLES)


def test_math_rounding_right_join_and_more_window_functions() -> None:
    o, c = orders(), customers()
    w = o.o_totalprice.cast("float64")
    check(
        o.select(
            "o_orderkey",
            r=w.round(1),
            ce=w.ceil(),
            fl=w.floor(),
            ab=(-o.o_totalprice).abs(),
            sq=w.sqrt(),
            md=o.o_orderkey % 4,
            dr=pb.dense_rank().over(order_by=o.o_custkey),
            fv=o.o_orderkey.first().over(group_by=o.o_custkey, order_by=o.o_orderkey),
        ),
        "select o_orderkey, round(o_totalprice::double, 1), ceil(o_totalprice::double), "
        "floor(o_totalprice::double), abs(-o_totalprice), sqrt(o_totalprice::double), "
        "o_orderkey % 4, dense_rank() over (order by o_custkey nulls last), "
        "first_value(o_orderkey) over (partition by o_custkey order by o_orderkey) from orders",
    )
    check(
        o.join(c, o.o_custkey == c.c_custkey, how="right").select("o_orderkey", "c_name"),
        "select o_orderkey, c_name from orders right join customer on o_custkey = c_custkey",
    )


def test_window_frames_and_ranking_functions() -> None:
    t = pb.table("t", {"k": "int64", "g": "string"})
    data = {"t": pa.table({"k": [1, 2, 3, 5, 8], "g": ["a", "a", "b", "b", "b"]})}
    q = t.select(
        "k",
        r=t.k.sum().over(order_by=t.k, range=(-2, 0)),
        nt=pb.ntile(2).over(order_by=t.k),
        pr=pb.percent_rank().over(order_by=t.k),
        cd=pb.cume_dist().over(order_by=t.k),
        lv=t.k.last().over(group_by=t.g, order_by=t.k, rows=(0, 5)),
        mx=t.k.max().over(group_by="g"),
        run=t.k.sum().over(order_by=t.k, rows=(None, 0)),
        rest=t.k.count().over(order_by=t.k, rows=(0, None)),
    )
    assert validate_plan(q.to_substrait()) == []
    con = duckdb.connect()
    con.register("t", data["t"])
    want = con.execute(
        "select k, sum(k) over (order by k range between 2 preceding and current row), "
        "ntile(2) over (order by k), percent_rank() over (order by k), "
        "cume_dist() over (order by k), last_value(k) over (partition by g order by k rows "
        "between current row and 5 following), max(k) over (partition by g), "
        "sum(k) over (order by k rows between unbounded preceding and current row), "
        "count(k) over (order by k rows between current row and unbounded following) "
        "from t order by k"
    ).fetchall()
    for engine in ("duckdb", "datafusion"):
        assert sorted(rows(q.execute(engine=engine, tables=data))) == want, engine


def test_correlated_subqueries() -> None:
    """Correlated EXISTS, scalar subqueries in select and filter (outer references)."""
    o, c = orders(), customers()
    check(
        c.filter(~pb.exists(o.filter(o.o_custkey == c.c_custkey))).select("c_name"),
        "select c_name from customer where not exists "
        "(select 1 from orders where o_custkey = c_custkey)",
    )
    counted = c.select("c_name", n=o.filter(o.o_custkey == c.c_custkey).aggregate(n=o.count()))
    assert counted.columns == ["c_name", "n"]
    assert sorted(rows(counted.execute(tables=TABLES))) == sorted(
        sql_truth(
            "select c_name, (select count(*) from orders where o_custkey = c_custkey) from customer"
        )
    )
    o2 = o.view()
    above_avg = o.filter(
        o.o_totalprice
        >= o2.filter(o2.o_custkey == o.o_custkey).aggregate(m=o2.o_totalprice.mean()).as_scalar()
    ).select("o_orderkey")
    want = sql_truth(
        "select o_orderkey from orders a where o_totalprice >= "
        "(select avg(o_totalprice) from orders b where b.o_custkey = a.o_custkey)"
    )
    assert validate_plan(above_avg.to_substrait()) == []
    assert sorted(rows(above_avg.execute(tables=TABLES))) == sorted(want)
    # planbridge's DataFusion SQL is flat enough for DataFusion's decorrelation; DataFusion's
    # own Substrait consumer still returns other rows (a third-party gap, shown).
    got = rows(above_avg.execute(engine="datafusion", tables=TABLES))
    assert sorted(got) == sorted(want)
    native = rows(NativeDataFusion().run(above_avg.to_substrait(), TABLES))
    assert sorted(native) != sorted(want)
