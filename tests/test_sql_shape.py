"""The shape of the SQL the DuckDB and DataFusion translators emit: joins share one select
with their inputs' filters and semi joins (so engines reorder them, as for hand-written SQL),
filters are never moved across a join that would change their meaning, and a sub-plan
spelled twice is computed once. Results are compared with DuckDB running equivalent SQL."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest
import sqlglot
import sqlglot.expressions as exp
from google.protobuf.message import Message
from substrait import algebra_pb2 as stalg
from substrait import plan_pb2

import planbridge as pb
from planbridge.consumer.bind import bind_plan
from planbridge.engines import engine_class
from planbridge.plan import Plan

ENGINES = ("duckdb", "datafusion")
A = pa.table({"k": pa.array([1, 2, 3, 4, None], pa.int64()), "x": [10, 20, 30, 40, 50]})
B = pa.table({"k": pa.array([2, 3, 3, 5, None], pa.int64()), "y": [1, 2, 3, 4, 5]})
C = pa.table({"k": pa.array([3, 4, 6], pa.int64()), "z": [7, 8, 9]})
TABLES = {"a": A, "b": B, "c": C}


def tables() -> tuple[pb.Table, pb.Table, pb.Table]:
    return pb.table("a", A.schema), pb.table("b", B.schema), pb.table("c", C.schema)


def truth(sql: str) -> list[tuple]:
    con = duckdb.connect()
    for name, data in TABLES.items():
        con.register(name, data)
    return sorted(con.execute(sql).fetchall(), key=repr)


def rows(t: pa.Table) -> list[tuple]:
    return sorted((tuple(r.values()) for r in t.to_pylist()), key=repr)


def emitted(expr: pb.Table, engine: str) -> exp.Expression:
    """The engine's query for ``expr`` as a sqlglot tree."""
    sql = engine_class(engine).translator().sql(bind_plan(expr.to_substrait()))
    return sqlglot.parse_one(sql, read="duckdb")


def check(expr: pb.Table, sql: str) -> None:
    want = truth(sql)
    for engine in ENGINES:
        assert rows(expr.execute(engine=engine, tables=TABLES)) == want, engine


def _selects_with(tree: exp.Expression, clause: str) -> list[exp.Select]:
    """The selects of ``tree`` that have ``clause`` ("joins", "group" ..), outermost first."""
    return [s for s in tree.find_all(exp.Select, bfs=True) if s.args.get(clause)]


def test_semi_and_anti_joins_are_exists_in_the_joining_select_on_datafusion() -> None:
    a, b, c = tables()
    kept = a.filter(a.x > 10).semi_join(b, b.k == a.k).anti_join(c, c.z == a.x)
    q = kept.join(c, c.k == kept.k).select("x", "z")
    tree = emitted(q, "datafusion")
    joining = _selects_with(tree, "joins")
    assert len(joining) == 1
    where = joining[0].args["where"]
    exists = [e for e in where.find_all(exp.Exists) if e.parent_select is joining[0]]
    assert len(exists) == 2  # the semi and the anti join, beside the join they feed
    assert isinstance(joining[0].args["joins"][0].this, exp.Table)  # no derived table
    check(
        q,
        "SELECT a.x, c.z FROM a JOIN c ON c.k = a.k WHERE a.x > 10 "
        "AND EXISTS (SELECT 1 FROM b WHERE b.k = a.k) "
        "AND NOT EXISTS (SELECT 1 FROM c c2 WHERE c2.z = a.x)",
    )


def test_semi_and_anti_joins_are_join_clauses_on_duckdb() -> None:
    a, b, c = tables()
    kept = a.filter(a.x > 10).semi_join(b, b.k == a.k).anti_join(c.filter(c.z > 7), c.z == a.x)
    q = kept.join(c, c.k == kept.k).select("x", "z")
    tree = emitted(q, "duckdb")
    assert not list(tree.find_all(exp.Exists))
    (joining,) = _selects_with(tree, "joins")  # one select: no derived tables
    kinds = [(j.args.get("kind"), type(j.this)) for j in joining.args["joins"]]
    assert kinds == [("SEMI", exp.Table), ("ANTI", exp.Table), (None, exp.Table)]
    check(
        q,
        "SELECT a.x, c.z FROM a JOIN c ON c.k = a.k WHERE a.x > 10 "
        "AND EXISTS (SELECT 1 FROM b WHERE b.k = a.k) "
        "AND NOT EXISTS (SELECT 1 FROM c c2 WHERE c2.z = a.x AND c2.z > 7)",
    )


def test_filters_stay_below_joins_that_null_extend_them() -> None:
    a, b, c = tables()
    fa, fb = a.filter(a.x > 10), b.filter(b.y < 4)
    check(
        fa.join(fb, fa.k == fb.k, how="outer").select(ak=fa.k, bk=fb.k),
        "SELECT a2.k, b2.k FROM (SELECT * FROM a WHERE x > 10) a2 "
        "FULL JOIN (SELECT * FROM b WHERE y < 4) b2 ON a2.k = b2.k",
    )
    check(
        fa.join(fb, fa.k == fb.k, how="right").select(ak=fa.k, bk=fb.k),
        "SELECT a2.k, b2.k FROM (SELECT * FROM a WHERE x > 10) a2 "
        "RIGHT JOIN (SELECT * FROM b WHERE y < 4) b2 ON a2.k = b2.k",
    )
    left = fa.join(fb, fa.k == fb.k, how="left")
    check(
        left.join(c, c.k == left.x, how="outer", rname="{name}_c").select(ak=fa.k, bk=fb.k, ck=c.k),
        "SELECT a2.k, b2.k, c.k FROM (SELECT * FROM a WHERE x > 10) a2 "
        "LEFT JOIN (SELECT * FROM b WHERE y < 4) b2 ON a2.k = b2.k "
        "FULL JOIN c ON c.k = a2.x",
    )
    check(
        fa.join(fb, fa.k == fb.k)
        .join(c, c.k == fb.k, how="left", rname="{name}_c")
        .select(bk=fb.k, ck=c.k),
        "SELECT b.k, c.k FROM a JOIN b ON a.k = b.k LEFT JOIN c ON c.k = b.k "
        "WHERE a.x > 10 AND b.y < 4",
    )
    check(
        fa.cross_join(fb).select(x=fa.x, y=fb.y),
        "SELECT a.x, b.y FROM a, b WHERE a.x > 10 AND b.y < 4",
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_a_left_joins_filtered_right_side_joins_directly_with_its_filter_in_on(
    engine: str,
) -> None:
    a, b, _ = tables()
    fb = b.filter(b.y < 4)
    q = a.join(fb, a.k == fb.k, how="left").select(x=a.x, y=fb.y)
    joining = _selects_with(emitted(q, engine), "joins")
    assert len(joining) == 1
    join = joining[0].args["joins"][0]
    assert isinstance(join.this, exp.Table)  # the table itself, not a derived table
    assert join.args["on"].find(exp.LT) is not None  # b's filter went into ON
    assert joining[0].args.get("where") is None  # a WHERE would drop the null-extended rows
    # a's rows with k 1, 4 and null find no b row (b's k 5 is filtered out): y is null
    check(q, "SELECT a.x, b2.y FROM a LEFT JOIN (SELECT * FROM b WHERE y < 4) b2 ON a.k = b2.k")


def test_a_string_literal_cast_to_a_string_is_the_bare_literal_on_datafusion() -> None:
    """DataFusion's VARCHAR is Utf8View: a cast literal made it cast the column it meets on
    every row; the bare literal (the same characters) is coerced once."""
    names = pb.table("n", pa.schema([("s", pa.string())]))
    data = {"n": pa.table({"s": ["a%b", "xyz", "ab", None]})}
    pattern = pb.literal("a%", "varchar(5)").cast("string")
    q = names.filter(
        names.s.like(pattern), names.s != pb.literal("ab", "fixed_char(2)").cast("string")
    )
    sql = engine_class("datafusion").translator().sql(bind_plan(q.to_substrait()))
    tree = sqlglot.parse_one(sql, read="duckdb")
    assert not [c for c in tree.find_all(exp.Cast) if isinstance(c.this, exp.Literal)], sql
    con = duckdb.connect()
    con.register("n", data["n"])
    want = sorted(con.execute("SELECT s FROM n WHERE s LIKE 'a%' AND s <> 'ab'").fetchall())
    for engine in ENGINES:
        assert (
            sorted(tuple(r.values()) for r in q.execute(engine=engine, tables=data).to_pylist())
            == want
        )


PER_KEY = "WITH t AS (SELECT k, sum(y) total FROM b GROUP BY k) "
SPELLED_TWICE = (
    f"{PER_KEY}SELECT a.x, t.total FROM a JOIN t ON a.k = t.k "
    "WHERE t.total = (SELECT max(total) FROM t)"
)


def _spelled_twice() -> pb.Table:
    """b's totals per key feed a join and a scalar subquery (TPC-H q15's shape)."""
    a, b, _ = tables()
    per_key = b.group_by("k").aggregate(total=b.y.sum())
    top = per_key.aggregate(m=per_key.total.max()).as_scalar()
    return a.join(per_key, a.k == per_key.k).filter(per_key.total == top).select("x", "total")


def _computed_once(tree: exp.Expression) -> None:
    """One CTE, and one select that groups: the repeated aggregate is computed once."""
    assert len(list(tree.find_all(exp.CTE))) == 1
    assert len(_selects_with(tree, "group")) == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_a_sub_plan_spelled_twice_is_computed_once(engine: str) -> None:
    q = _spelled_twice()
    _computed_once(emitted(q, engine))
    check(q, SPELLED_TWICE)


def _rels_of_kind(msg: Message, kind: str) -> list[Message]:
    """The ``kind`` bodies (``aggregate`` ..) of every relation in plan message ``msg``."""
    found, stack = [], [msg]
    while stack:
        m = stack.pop()
        if isinstance(m, stalg.Rel) and m.WhichOneof("rel_type") == kind:
            found.append(getattr(m, kind))
        for fd, value in m.ListFields():
            if fd.type == fd.TYPE_MESSAGE:
                stack.extend(value if fd.is_repeated else [value])
    return found


@pytest.mark.parametrize("engine", ENGINES)
def test_a_sub_plan_repeated_in_two_branches_is_computed_once_with_its_filter(
    engine: str,
) -> None:
    """The copies sit under different joins on both sides of a union; the repeat is the
    filter over the aggregate (found from the equal aggregates up), not the aggregate only."""
    a, b, c = tables()
    per_key = b.group_by("k").aggregate(total=b.y.sum())
    big = per_key.filter(per_key.total > 1)
    left = a.join(big, a.k == big.k).select("x", "total")
    right = c.join(big, c.k == big.k).select("z", "total")
    q = left.union(right)
    tree = emitted(q, engine)
    _computed_once(tree)
    assert len(list(tree.find_all(exp.GT))) == 1  # the filter is inside the shared part
    check(
        q,
        "WITH t AS (SELECT k, sum(y) total FROM b GROUP BY k HAVING sum(y) > 1) "
        "SELECT a.x, t.total FROM a JOIN t ON a.k = t.k "
        "UNION ALL SELECT c.z, t.total FROM c JOIN t ON c.k = t.k",
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_copies_encoded_differently_but_bound_alike_are_still_shared(engine: str) -> None:
    """A hint on one copy changes its encoding, not its meaning: the bound copies are
    equal, so the sub-plan is still computed once (repeats compare bound plans; equal
    encodings only save comparing them)."""
    proto = plan_pb2.Plan()
    proto.CopyFrom(_spelled_twice().to_substrait().proto)
    copies = [r for r in _rels_of_kind(proto, "aggregate") if r.input.HasField("read")]
    assert len(copies) == 2 and copies[0] == copies[1]
    copies[1].common.hint.alias = "per_key"
    assert copies[0] != copies[1]
    plan = Plan(proto)
    sql = engine_class(engine).translator().sql(bind_plan(plan))
    _computed_once(sqlglot.parse_one(sql, read="duckdb"))
    assert rows(pb.execute(plan, engine=engine, tables=TABLES)) == truth(SPELLED_TWICE)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_repeat_beside_a_correlated_subquery_is_still_computed_once(engine: str) -> None:
    """With an outer reference in the plan, repeats compare bound relations rather than
    encodings: the uncorrelated repeat is still shared, the correlated subquery inline."""
    a, b, c = tables()
    per_key = b.group_by("k").aggregate(total=b.y.sum())
    low = per_key.aggregate(m=per_key.total.min()).as_scalar()
    lonely = a.filter(c.filter(c.k == a.k).aggregate(n=c.z.count()).as_scalar() == 0)
    q = lonely.join(per_key, lonely.k == per_key.k).filter(per_key.total == low)
    q = q.select("x", "total")
    _computed_once(emitted(q, engine))
    check(
        q,
        f"{PER_KEY}SELECT a.x, t.total FROM a JOIN t ON a.k = t.k "
        "WHERE (SELECT count(z) FROM c WHERE c.k = a.k) = 0 "
        "AND t.total = (SELECT min(total) FROM t)",
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_repeated_correlated_sub_plans_stay_inline(engine: str) -> None:
    a, b, _ = tables()

    def total() -> pb.Expr:
        return b.filter(b.k == a.k).aggregate(t=b.y.sum()).as_scalar()

    q = a.filter(total() > 1, total() < 5).select("x")
    tree = emitted(q, engine)
    assert not list(tree.find_all(exp.CTE))
    check(
        q,
        "SELECT x FROM a WHERE (SELECT sum(y) FROM b WHERE b.k = a.k) > 1 "
        "AND (SELECT sum(y) FROM b WHERE b.k = a.k) < 5",
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_widening_casts_are_plain_casts(engine: str) -> None:
    w = pa.table(
        {
            "i": pa.array([1, 2, None], pa.int32()),
            "d": pa.array([Decimal("1.50"), Decimal("2.00"), None], pa.decimal128(15, 2)),
        }
    )
    t = pb.table("w", w.schema)
    a = pb.table("a", A.schema)
    q = a.join(t, a.k == t.i).filter(t.d < Decimal("1.755")).select("x", "d")
    tree = emitted(q, engine)
    assert not list(tree.find_all(exp.TryCast))
    casts = {(c.this.name, c.to.sql()) for c in tree.find_all(exp.Cast) if c.this.name}
    assert ("i", "BIGINT") in casts and ("d", "DECIMAL(16, 3)") in casts
    got = rows(q.execute(engine=engine, tables={"a": A, "w": w}))
    assert got == [(10, Decimal("1.50"))]


@pytest.mark.parametrize("engine", ENGINES)
def test_equalities_of_one_value_to_constants_are_one_in_list(engine: str) -> None:
    """``k = 1 OR k = 3 OR ..`` (how Isthmus spells ``IN``) is ``k IN (1, 3)``: DataFusion
    evaluates the OR chain once per constant (TPC-H q22 ran 1.5x slower)."""
    a, _, _ = tables()
    q = a.filter((a.k == 1) | (a.x == 40) | (a.k == 3) | (a.k + 1 == 5)).select("k", "x")
    tree = emitted(q, engine)
    (where,) = [s.args["where"] for s in tree.find_all(exp.Select) if s.args.get("where")]
    (in_list,) = list(where.find_all(exp.In))
    assert in_list.this.name == "k" and [e.name for e in in_list.expressions] == ["1", "3"]
    assert len(list(where.find_all(exp.Or))) == 2  # k IN (1, 3) OR x = 40 OR k + 1 = 5
    check(q, "SELECT k, x FROM a WHERE k = 1 OR x = 40 OR k = 3 OR k + 1 = 5")


@pytest.mark.parametrize("engine", ENGINES)
def test_equalities_to_constants_of_other_types_stay_apart(engine: str) -> None:
    s = pa.table({"s": ["1", "2", None, "x"]})
    t = pb.table("s", s.schema)
    q = t.filter((t.s == "1") | (t.s.length() == 1)).select("s")
    tree = emitted(q, engine)
    assert not list(tree.find_all(exp.In))
    got = rows(q.execute(engine=engine, tables={"s": s}))
    assert got == [("1",), ("2",), ("x",)]


@pytest.mark.parametrize("engine", ENGINES)
def test_equalities_of_one_computed_value_are_one_in_list(engine: str) -> None:
    """Equalities of one computed value (``substring(s, 1, 2) = '13' OR ..``, as Isthmus
    spells TPC-H q22's IN list) are one IN list over the value, translated once, constants
    in the plan's order; a constant on the left and a nested OR join the same list."""
    s = pa.table({"s": ["13x", "31y", "23z", "99w", None, "1"], "n": [1, 2, 3, 4, 5, 6]})
    t = pb.table("s", s.schema)
    head = t.s.substr(0, 2)  # 0-based here, SUBSTRING(s, 1, 2) in SQL
    q = t.filter(
        (head == "13") | (pb.literal("31") == t.s.substr(0, 2)) | ((t.n == 4) | (head == "23"))
    ).select("s", "n")
    tree = emitted(q, engine)
    (in_list,) = list(tree.find_all(exp.In))
    assert isinstance(in_list.this, exp.Substring)
    assert [e.name for e in in_list.expressions] == ["13", "31", "23"]
    assert len(list(tree.find_all(exp.Substring))) == 1
    con = duckdb.connect()
    con.register("s", s)
    sql = "SELECT s, n FROM s WHERE substr(s, 1, 2) IN ('13', '31', '23') OR n = 4"
    assert rows(q.execute(engine=engine, tables={"s": s})) == sorted(con.sql(sql).fetchall())


def test_ir_keys_are_equal_for_equal_structure_only() -> None:
    """The key grouping equalities before translation: equal for separately built
    expressions of equal structure, different when any part differs, None for a value
    the grouping leaves alone (a subquery, an outer reference)."""
    from planbridge.consumer import ir
    from planbridge.engines.sql.in_lists import ir_key
    from planbridge.types import make

    def i32() -> ir.Type:
        return make("i32")

    def string() -> ir.Type:
        return make("string")

    def head(start: int, field: int = 0) -> ir.Call:
        args = (ir.FieldRef(string(), field), ir.Literal(i32(), start), ir.Literal(i32(), 2))
        return ir.Call(string(), "substring", "urn", args)

    assert ir_key(head(1)) == ir_key(head(1)) is not None
    assert len({ir_key(head(1)), ir_key(head(2)), ir_key(head(1, field=1))}) == 3
    assert ir_key(ir.Literal(string(), "1")) != ir_key(ir.Literal(i32(), 1))
    assert ir_key(ir.OuterRef(i32(), 1, 0)) is None
    assert ir_key(ir.Call(i32(), "add", "urn", (ir.OuterRef(i32(), 1, 0),))) is None


def ordered_truth(sql: str) -> list[tuple]:
    con = duckdb.connect()
    for name, data in TABLES.items():
        con.register(name, data)
    return con.execute(sql).fetchall()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_sorted_fetch_is_one_select_with_its_joins(engine: str) -> None:
    """Sort keys, ORDER BY and LIMIT go into the select that joins and filters (as in
    hand-written SQL), not into three selects wrapped around it: fewer derived tables for
    the engine to plan on every execution."""
    a, b, _ = tables()
    q = (
        a.join(b, a.k == b.k)
        .filter(a.x > 10)
        .select("x", "y")
        .order_by(pb.desc("y"), "x")
        .limit(2, offset=1)
    )
    tree = emitted(q, engine)
    assert len(list(tree.find_all(exp.Select))) == 1
    assert tree.args.get("joins") and tree.args.get("order") and tree.args.get("limit")
    assert [e.alias for e in tree.expressions] == ["c0", "c1"]  # no hidden sort columns
    want = ordered_truth(
        "SELECT x, y FROM a JOIN b ON a.k = b.k WHERE x > 10 ORDER BY y DESC, x LIMIT 2 OFFSET 1"
    )
    assert len(want) == 2
    for e in ENGINES:
        got = q.execute(engine=e, tables=TABLES)
        assert [tuple(r.values()) for r in got.to_pylist()] == want, e


@pytest.mark.parametrize("engine", ENGINES)
def test_ordering_by_an_aggregate_sorts_the_grouping_select(engine: str) -> None:
    """A sort over an aggregate orders the grouping select by the aggregate, also when the
    aggregate is not an output (the ordered select list carries no hidden key)."""
    a, _, _ = tables()
    g = a.group_by("k").aggregate(s=a.x.sum(), n=a.count())
    q = g.order_by(pb.desc("s")).limit(3).select("k")
    tree = emitted(q, engine)
    grouping = _selects_with(tree, "group")
    assert len(grouping) == 1 and grouping[0].args.get("order") and grouping[0].args.get("limit")
    want = ordered_truth("SELECT k FROM a GROUP BY k ORDER BY sum(x) DESC LIMIT 3")
    got = q.execute(engine=engine, tables=TABLES)
    assert [tuple(r.values()) for r in got.to_pylist()] == want
    unlimited = g.order_by("n", pb.desc("k"))
    tree = emitted(unlimited, engine)
    assert len(list(tree.find_all(exp.Select))) == 1
    assert [e.alias for e in tree.expressions] == ["c0", "c1", "c2"]
    got = unlimited.execute(engine=engine, tables=TABLES)
    want = ordered_truth("SELECT k, sum(x), count(*) FROM a GROUP BY k ORDER BY 3, k DESC")
    assert [tuple(r.values()) for r in got.to_pylist()] == want


@pytest.mark.parametrize("engine", ENGINES)
def test_exists_over_plain_columns_selects_one(engine: str) -> None:
    """``EXISTS`` of a relation that lists its input's columns (Isthmus spells ``SELECT *``
    so) selects ``1``: the rows matter, not the columns the engine would bind."""
    a, b, _ = tables()
    q = a.filter(pb.exists(b.filter(b.k == a.k))).select("x")
    tree = emitted(q, engine)
    (exists,) = list(tree.find_all(exp.Exists))
    assert [e.sql() for e in exists.this.expressions] == ["1"]
    check(q, "SELECT x FROM a WHERE EXISTS (SELECT * FROM b WHERE b.k = a.k)")


@pytest.mark.parametrize("engine", ENGINES)
def test_sorting_a_grouped_join_is_one_select(engine: str) -> None:
    a, b, _ = tables()
    j = a.join(b, a.k == b.k)
    q = j.group_by(a.k).aggregate(n=j.count(), s=b.y.sum()).order_by(pb.desc("n"), "k").limit(5)
    tree = emitted(q, engine)
    assert len(list(tree.find_all(exp.Select))) == 1
    assert tree.args.get("joins") and tree.args.get("group") and tree.args.get("order")
    want = ordered_truth(
        "SELECT a.k, count(*), sum(y) FROM a JOIN b ON a.k = b.k GROUP BY a.k "
        "ORDER BY 2 DESC, 1 LIMIT 5"
    )
    got = q.execute(engine=engine, tables=TABLES)
    assert [tuple(r.values()) for r in got.to_pylist()] == want


@pytest.mark.parametrize("engine", ENGINES)
def test_a_filter_over_a_grouped_join_is_its_having(engine: str) -> None:
    """Filter, projection and sort over an aggregate of a join share the aggregate's select
    (``GROUP BY .. HAVING .. ORDER BY``, as TPC-H q11 is written): no derived table."""
    a, b, _ = tables()
    j = a.join(b, a.k == b.k)
    g = j.group_by(a.k).aggregate(s=b.y.sum(), n=j.count())
    q = g.filter(g.s > 2).select("k", t=g.s * 10).order_by(pb.desc("t"))
    tree = emitted(q, engine)
    assert len(list(tree.find_all(exp.Select))) == 1
    assert all(tree.args.get(k) for k in ("joins", "group", "having", "order"))
    want = ordered_truth(
        "SELECT a.k, sum(y) * 10 AS t FROM a JOIN b ON a.k = b.k GROUP BY a.k "
        "HAVING sum(y) > 2 ORDER BY t DESC"
    )
    assert len(want) == 1
    got = q.execute(engine=engine, tables=TABLES)
    assert [tuple(r.values()) for r in got.to_pylist()] == want
    twice = g.filter(g.n > 0).filter(g.s < 100).select("k")  # both conditions in HAVING
    tree = emitted(twice, engine)
    assert len(list(tree.find_all(exp.Select))) == 1
    assert len(list(tree.args["having"].find_all(exp.Sum))) == 1
    check(twice, "SELECT a.k FROM a JOIN b ON a.k = b.k GROUP BY a.k HAVING sum(y) < 100")


@pytest.mark.parametrize("engine", ENGINES)
def test_casts_to_text_are_plain_casts(engine: str) -> None:
    """A date (or number) always has a text form: ``CAST``, not ``TRY_CAST`` (the API's
    TPC-H q07-q09 read the year from a date's text)."""
    import datetime as dt

    d = pa.table({"d": [dt.date(1995, 3, 1), None], "f": [1.5, 2.0]})
    t = pb.table("d", d.schema)
    q = t.select(y=t.d.cast("string").substr(0, 4).cast("int64"), s=t.f.cast("string"))
    tree = emitted(q, engine)
    plain = {c.this.name for c in tree.find_all(exp.Cast) if not isinstance(c, exp.TryCast)}
    assert {"d", "f"} <= plain
    assert [c.to.sql() for c in tree.find_all(exp.TryCast)] == ["BIGINT"]  # text may fail
    got = q.execute(engine=engine, tables={"d": d}).to_pylist()
    assert [r["y"] for r in got] == [1995, None]
    assert got[0]["s"] in ("1.5", "1.5e0", "1.5E0")


@pytest.mark.parametrize("engine", ENGINES)
def test_an_aggregate_computes_its_input_expressions_in_place(engine: str) -> None:
    """An aggregate over computed columns of a join takes the expressions into its arguments
    and keys (``SUM(x * y) .. GROUP BY k % 2``, as TPC-H q01 and q11 are written); a
    constant key stays in a derived table (``GROUP BY 1`` would name a column)."""
    a, b, _ = tables()
    j = a.join(b, a.k == b.k).select(g=a.k % 2, v=a.x * b.y)
    q = j.group_by("g").aggregate(s=j.v.sum())
    tree = emitted(q, engine)
    assert len(list(tree.find_all(exp.Select))) == 1
    check(q, "SELECT a.k % 2, sum(a.x * b.y) FROM a JOIN b ON a.k = b.k GROUP BY a.k % 2")
    c = a.select(one=pb.literal(1), x=a.x)
    constant = c.group_by("one").aggregate(s=c.x.sum())
    assert len(list(emitted(constant, engine).find_all(exp.Select))) == 2
    check(constant, "SELECT 1, sum(x) FROM a")


def test_repeats_tell_negative_zero_from_zero() -> None:
    """Structural numbering (what makes two sub-plans one) keeps -0.0 and 0.0 apart, though
    they compare equal: ``x * -0.0`` and ``x * 0.0`` are not the same computation."""
    from planbridge.consumer import ir
    from planbridge.engines.sql.repeats import _Numbers
    from planbridge.types import make

    numbers = _Numbers()
    fp64 = make("fp64")
    assert numbers.of(ir.Literal(fp64, -0.0)) != numbers.of(ir.Literal(fp64, 0.0))
    assert numbers.of(ir.Literal(fp64, 0.5)) == numbers.of(ir.Literal(make("fp64"), 0.5))
