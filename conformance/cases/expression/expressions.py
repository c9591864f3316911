"""Pipelines for the non-function expression kinds: cast, if-then, switch, IN lists,
subqueries (scalar, EXISTS, IN, correlated) and nested field references.

Built with substrait-python's builders; expressions.cases.json holds the DuckDB SQL.
"""

from __future__ import annotations

from substrait import algebra_pb2 as stalg

from planbridge.conformance.build import E, P, agg, col, dtype, fn, lit, table_t, table_u, to_plan


def _sel(*exprs):
    return to_plan(P.select(table_t(), [col("id"), *exprs]))


def cast_numeric():
    return _sel(
        E.cast(col("a"), dtype("i32"), alias="ai"),
        E.cast(col("a"), dtype("fp64"), alias="af"),
        E.cast(col("d"), dtype("fp64"), alias="df"),
    )


def cast_string():
    return _sel(
        E.cast(col("a"), dtype("string"), alias="as"),
        E.cast(col("dt"), dtype("string"), alias="ds"),
    )


def if_then():
    gt = fn("comparison", "gt", col("a"), lit(30, "i64"))
    lt = fn("comparison", "lt", col("a"), lit(15, "i64"))
    return _sel(
        E.if_then(
            [(gt, lit("big", "string")), (lt, lit("small", "string"))],
            lit("mid", "string"),
            alias="r",
        )
    )


def switch():
    return _sel(
        E.switch(
            col("g"),
            [(lit("a", "string"), lit(1, "i64")), (lit("b", "string"), lit(2, "i64"))],
            lit(0, "i64"),
        )
    )


def in_list():
    return _sel(E.singular_or_list(col("a"), [lit(10, "i64"), lit(40, "i64"), lit(90, "i64")]))


def scalar_subquery():
    inner = P.aggregate(table_u(), [], [agg("arithmetic", "max", col("w"), alias="m")])
    return _sel(E.scalar_subquery(inner, alias="mx"))


def exists_correlated():
    inner = P.filter(table_u(), fn("comparison", "equal", col("uid"), E.outer_reference("id")))
    op = stalg.Expression.Subquery.SetPredicate.PREDICATE_OP_EXISTS
    return to_plan(P.filter(table_t(["id", "g"]), E.set_predicate(inner, op)))


def in_subquery():
    inner = P.select(table_u(), [col("uid")])
    return to_plan(P.filter(table_t(["id", "g"]), E.in_predicate([col("id")], inner)))
