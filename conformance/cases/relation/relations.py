"""Pipelines for every standard relation, built with substrait-python's plan builders.

Each function returns a ``planbridge.Plan``; relations.cases.json pairs each with the SQL
DuckDB runs on the same tables (or literal rows) as the independent expectation.
"""

from __future__ import annotations

from pathlib import Path

from substrait import algebra_pb2 as stalg

from planbridge.conformance.build import (
    ASC_NULLS_FIRST,
    ASC_NULLS_LAST,
    DESC_NULLS_FIRST,
    DESC_NULLS_LAST,
    DISTINCT,
    JOIN,
    SET,
    E,
    P,
    agg,
    col,
    emit,
    fn,
    lit,
    schema,
    table_t,
    table_u,
    to_plan,
)

DATA = Path(__file__).resolve().parent.parent / "data"
CSV_COLUMNS = {"id": "i64", "g": "string", "a": "i64", "x": "fp64", "s": "string"}


def _eq(left: str | int, right: str | int):
    return fn("comparison", "equal", col(left), col(right))


# ---- read -------------------------------------------------------------------------------


def read_named_table():
    return to_plan(table_t())


def _local(fmt: str, columns: dict[str, str], **options):
    LF = stalg.ReadRel.LocalFiles.FileOrFiles
    path = (DATA / f"t.{fmt}").as_uri()
    kind = {
        "parquet": {"parquet": LF.ParquetReadOptions()},
        "arrow": {"arrow": LF.ArrowReadOptions()},
        "csv": {"text": LF.DelimiterSeparatedTextReadOptions(**options)},
    }[fmt]
    return to_plan(P.local_files(schema(columns), [LF(uri_file=path, **kind)]))


def read_local_parquet():
    from planbridge.conformance.build import T_COLUMNS

    return _local("parquet", T_COLUMNS)


def read_local_arrow():
    from planbridge.conformance.build import T_COLUMNS

    return _local("arrow", T_COLUMNS)


def read_local_csv():
    return _local(
        "csv",
        CSV_COLUMNS,
        field_delimiter=",",
        quote='"',
        header_lines_to_skip=1,
        escape="\\",
        value_treated_as_null="",
    )


def read_virtual_table():
    rows = [
        [lit(1, "i64"), lit("one", "string"), lit(1.5, "fp64")],
        [lit(2, "i64"), lit(None, "string"), lit(-2.0, "fp64")],
        [lit(3, "i64"), lit("three", "string"), lit(None, "fp64")],
    ]
    return to_plan(P.virtual_table(rows, schema({"k": "i64", "v": "string", "f": "fp64"})))


def read_virtual_table_empty():
    return to_plan(P.virtual_table([], schema({"k": "i64", "v": "string"})))


# ---- filter / project ---------------------------------------------------------------------


def filter_compare():
    return to_plan(P.filter(table_t(), fn("comparison", "gt", col("a"), lit(15, "i64"))))


def filter_and_null():
    cond = fn(
        "boolean",
        "and",
        fn("comparison", "is_not_null", col("x")),
        fn("comparison", "lte", col("x"), lit(3.0, "fp64")),
    )
    return to_plan(P.filter(table_t(["id", "x", "flag"]), cond))


def filter_bool_column():
    return to_plan(P.filter(table_t(["id", "flag"]), col("flag")))


def project_append():
    expr = fn("arithmetic", "multiply", col("a"), lit(2, "i64"), alias="a2")
    return to_plan(P.project(table_t(["id", "a"]), [expr]))


def project_select():
    exprs = [col("s", alias="name"), fn("arithmetic", "add", col("id"), col("a"), alias="ida")]
    return to_plan(P.select(table_t(), exprs))


def project_emit():
    # project appends a2 after (id, a, x); emit keeps (a2, id) in that order
    expr = fn("arithmetic", "subtract", col("a"), lit(1, "i64"), alias="a1")
    return emit(to_plan(P.project(table_t(["id", "a", "x"]), [expr])), [3, 0], ["a1", "id"])


def filter_emit():
    plan = to_plan(P.filter(table_t(["id", "g", "a"]), fn("comparison", "is_null", col("g"))))
    return emit(plan, [2, 0], ["a", "id"])


# ---- aggregate ----------------------------------------------------------------------------


def aggregate_group_by():
    return to_plan(
        P.aggregate(
            table_t(),
            [col("g")],
            [
                agg("arithmetic", "sum", col("a"), alias="sa"),
                agg("aggregate_generic", "count", col("a"), alias="ca"),
                agg("arithmetic", "min", col("x"), alias="mx"),
                agg("arithmetic", "max", col("a"), alias="ma"),
            ],
        )
    )


def aggregate_global():
    return to_plan(
        P.aggregate(
            table_t(),
            [],
            [
                agg("arithmetic", "sum", col("a"), alias="sa"),
                agg("arithmetic", "avg", col("x"), alias="ax"),
                agg("aggregate_generic", "count", alias="n"),
            ],
        )
    )


def aggregate_global_empty_input():
    empty = P.filter(table_t(["a"]), fn("comparison", "gt", col("a"), lit(1000, "i64")))
    return to_plan(
        P.aggregate(
            empty,
            [],
            [
                agg("arithmetic", "sum", col("a"), alias="sa"),
                agg("aggregate_generic", "count", alias="n"),
            ],
        )
    )


def aggregate_two_keys():
    return to_plan(
        P.aggregate(
            table_t(),
            [col("g"), col("flag")],
            [agg("aggregate_generic", "count", alias="n")],
        )
    )


def _grouping_sets(sets):
    # With more than one grouping set the output ends with the grouping set's ordinal (i32).
    return to_plan(
        P.aggregate(
            table_t(),
            [col("g"), col("flag")],
            [agg("arithmetic", "sum", col("a"), alias="sa")],
            grouping_sets=sets,
        ),
        names=["g", "flag", "sa", "grouping_set"],
    )


def aggregate_grouping_sets():
    return _grouping_sets([[0], [1]])


def aggregate_rollup():
    return _grouping_sets([[0, 1], [0], []])


def aggregate_cube():
    return _grouping_sets([[0, 1], [0], [1], []])


def aggregate_measure_filter():
    return to_plan(
        P.aggregate(
            table_t(),
            [col("g")],
            [
                agg("aggregate_generic", "count", alias="n"),
                agg("arithmetic", "sum", col("a"), alias="big"),
            ],
            filters=[None, fn("comparison", "gt", col("a"), lit(15, "i64"))],
        )
    )


def aggregate_distinct():
    return to_plan(
        P.aggregate(
            table_t(),
            [col("g")],
            [
                agg("aggregate_generic", "count", col("a"), alias="nd", invocation=DISTINCT),
                agg("arithmetic", "sum", col("a"), alias="sd", invocation=DISTINCT),
            ],
        )
    )


def aggregate_expression_key():
    key = fn("arithmetic", "modulus", col("id"), lit(3, "i64"), alias="k")
    return to_plan(P.aggregate(table_t(), [key], [agg("arithmetic", "max", col("id"), alias="m")]))


# ---- sort / fetch -------------------------------------------------------------------------


def sort_nulls_first():
    return to_plan(P.sort(table_t(["id", "a"]), [(col("a"), ASC_NULLS_FIRST), col("id")]))


def sort_nulls_last_desc():
    return to_plan(
        P.sort(table_t(["id", "x"]), [(col("x"), DESC_NULLS_LAST), (col("id"), ASC_NULLS_LAST)])
    )


def sort_desc_nulls_first_multi():
    return to_plan(
        P.sort(
            table_t(["id", "g", "a"]),
            [(col("g"), DESC_NULLS_FIRST), (col("a"), ASC_NULLS_LAST), (col("id"), ASC_NULLS_LAST)],
        )
    )


def _sorted_t():
    return P.sort(table_t(["id", "s"]), [(col("id"), DESC_NULLS_LAST)])


def fetch_offset_count():
    return to_plan(P.fetch(_sorted_t(), lit(2, "i64"), lit(3, "i64")))


def fetch_count_only():
    return to_plan(P.fetch(_sorted_t(), None, lit(4, "i64")))


def fetch_offset_only():
    return to_plan(P.fetch(_sorted_t(), lit(7, "i64"), None))


def fetch_zero():
    return to_plan(P.fetch(_sorted_t(), lit(0, "i64"), lit(0, "i64")))


# ---- join ---------------------------------------------------------------------------------


def _left():
    return table_t(["id", "g", "a"])


def _join(kind: str, on=None, **kw):
    cond = on or _eq("g", 4)  # t.g = u.g (u's columns follow t's three)
    return to_plan(P.join(_left(), table_u(), cond, getattr(JOIN, f"JOIN_TYPE_{kind}"), **kw))


def join_inner():
    return _join("INNER")


def join_left():
    return _join("LEFT")


def join_right():
    return _join("RIGHT")


def join_outer():
    return _join("OUTER")


def join_left_semi():
    return _join("LEFT_SEMI")


def join_left_anti():
    return _join("LEFT_ANTI")


def join_right_semi():
    return _join("RIGHT_SEMI")


def join_right_anti():
    return _join("RIGHT_ANTI")


def join_left_single():
    return _join("LEFT_SINGLE", on=_eq("id", 3))  # u.uid is unique: at most one match


def join_right_single():
    return _join("RIGHT_SINGLE", on=_eq("id", 3))


def join_left_mark():
    return _join("LEFT_MARK", on=_eq("id", 3))


def join_right_mark():
    return _join("RIGHT_MARK", on=_eq("id", 3))


def join_post_filter():
    post = fn("comparison", "gt", col("w"), lit(150, "i64"))
    return _join("INNER", post_join_filter=post)


def join_non_equi():
    cond = fn(
        "boolean",
        "and",
        _eq("g", 4),
        fn("comparison", "lt", col("a"), fn("arithmetic", "divide", col("w"), lit(10, "i64"))),
    )
    return _join("LEFT", on=cond)


def join_null_safe():
    cond = fn("comparison", "is_not_distinct_from", col("g"), col(4))
    return _join("INNER", on=cond)


def cross():
    return to_plan(P.cross(table_t(["id"]), P.select(table_u(), [col("uid")])))


# ---- set operations -----------------------------------------------------------------------


def _set(op: str):
    left = P.select(table_t(), [col("g")])
    right = P.select(table_u(), [col("g")])
    return to_plan(P.set([left, right], getattr(SET, f"SET_OP_{op}")))


def set_union_all():
    return _set("UNION_ALL")


def set_union_distinct():
    return _set("UNION_DISTINCT")


def set_intersect_distinct():
    return _set("INTERSECTION_MULTISET")


def set_intersect_all():
    return _set("INTERSECTION_MULTISET_ALL")


def set_intersect_primary():
    return _set("INTERSECTION_PRIMARY")


def set_minus_distinct():
    return _set("MINUS_PRIMARY")


def set_minus_all():
    return _set("MINUS_PRIMARY_ALL")


def set_minus_multiset():
    return _set("MINUS_MULTISET")


def set_union_all_three():
    third = P.virtual_table([[lit("q", "string")]], schema({"g": "string"}))
    left = P.select(table_t(), [col("g")])
    right = P.select(table_u(), [col("g")])
    return to_plan(P.set([left, right, third], SET.SET_OP_UNION_ALL))


# ---- window -------------------------------------------------------------------------------


def _wf(name: str, *args, alias: str):
    return E.window_function(
        "extension:io.substrait:functions_arithmetic", name, list(args), alias=alias
    )


def window_rel_rank():
    fns = [_wf("row_number", alias="rn"), _wf("rank", alias="rk")]
    return to_plan(
        P.consistent_partition_window(
            table_t(["id", "g", "a"]),
            fns,
            partition_expressions=[col("g")],
            sorts=[col("a"), col("id")],
        )
    )


def window_rel_sum():
    fns = [_wf("sum", col("a"), alias="running")]
    return to_plan(
        P.consistent_partition_window(
            table_t(["id", "g", "a"]), fns, partition_expressions=[col("g")], sorts=[col("id")]
        )
    )


def window_expression_partition_sum():
    expr = E.window_function(
        "extension:io.substrait:functions_arithmetic",
        "sum",
        [col("a")],
        partitions=[col("g")],
        alias="total",
    )
    return to_plan(P.project(table_t(["id", "g", "a"]), [expr]))


# ---- reference ----------------------------------------------------------------------------


def reference_shared_subtree():
    shared = P.reference(
        P.filter(table_t(["id", "a"]), fn("comparison", "gt", col("a"), lit(20, "i64")))
    )
    return to_plan(P.set([shared, shared], SET.SET_OP_UNION_ALL))


def reference_self_join():
    shared = P.reference(P.select(table_u(), [col("uid"), col("g")]))
    return to_plan(P.join(shared, shared, _eq(1, 3), JOIN.JOIN_TYPE_INNER))


# ---- read options -------------------------------------------------------------------------


def read_projection():
    # ReadRel.projection (a MaskExpression) keeps id and x of the base schema
    plan = to_plan(table_t(), names=["id", "x"])
    read = plan.proto.relations[-1].root.input.read
    for index in (0, 3):
        read.projection.select.struct_items.add(field=index)
    return plan


def read_filter():
    # ReadRel.filter: the read itself drops rows where the condition is not true
    filtered = to_plan(P.filter(table_t(), fn("comparison", "gt", col("a"), lit(15, "i64"))))
    rel = filtered.proto.relations[-1].root
    condition = rel.input.filter.condition
    rel.input.CopyFrom(rel.input.filter.input)
    rel.input.read.filter.CopyFrom(condition)
    return filtered
