"""Pipelines for the standard function families: ``SELECT id, f(...) FROM t`` as plans.

Built with substrait-python's builders; functions.cases.json holds the DuckDB SQL that gives
each expectation on the same data.
"""

from __future__ import annotations

import datetime

from substrait.builders.extended_expression import EnumArg
from substrait.builders.type import i64, interval_day
from substrait.builders.type import list as list_type

from planbridge.conformance.build import (
    ASC_NULLS_LAST,
    DISTINCT,
    E,
    P,
    agg,
    col,
    fn,
    lit,
    table_t,
    to_plan,
)


def _sel(*exprs):
    return to_plan(P.select(table_t(), [col("id"), *exprs]))


def _agg(*measures, keys=("g",)):
    return to_plan(P.aggregate(table_t(), [col(k) for k in keys], list(measures)))


# ---- arithmetic ---------------------------------------------------------------------------


def add():
    return _sel(fn("arithmetic", "add", col("a"), col("id"), alias="r"))


def subtract():
    return _sel(fn("arithmetic", "subtract", col("a"), lit(7, "i64"), alias="r"))


def multiply_fp():
    return _sel(fn("arithmetic", "multiply", col("x"), lit(2.5, "fp64"), alias="r"))


def divide_int():
    return _sel(fn("arithmetic", "divide", col("a"), lit(3, "i64"), alias="r"))


def divide_fp():
    return _sel(fn("arithmetic", "divide", col("x"), lit(4.0, "fp64"), alias="r"))


def modulus():
    return _sel(fn("arithmetic", "modulus", col("a"), lit(7, "i64"), alias="r"))


def negate():
    return _sel(fn("arithmetic", "negate", col("a"), alias="r"))


def abs_():
    return _sel(fn("arithmetic", "abs", col("x"), alias="r"))


def power():
    return _sel(fn("arithmetic", "power", col("x"), lit(2.0, "fp64"), alias="r"))


def sqrt():
    return _sel(fn("arithmetic", "sqrt", fn("arithmetic", "abs", col("x")), alias="r"))


def exp():
    return _sel(fn("arithmetic", "exp", col("x"), alias="r"))


def sign():
    return _sel(fn("arithmetic", "sign", col("x"), alias="r"))


def trig():
    return _sel(
        fn("arithmetic", "sin", col("x"), alias="s"),
        fn("arithmetic", "cos", col("x"), alias="c"),
        fn("arithmetic", "atan2", col("x"), lit(2.0, "fp64"), alias="t"),
    )


def add_overflow_error():
    big = lit(9223372036854775807, "i64")
    return _sel(fn("arithmetic", "add", col("id"), big, alias="r", overflow="ERROR"))


# ---- decimal arithmetic -------------------------------------------------------------------


def decimal_add():
    return _sel(fn("arithmetic_decimal", "add", col("d"), col("d"), alias="r"))


def decimal_multiply():
    return _sel(fn("arithmetic_decimal", "multiply", col("d"), lit("1.5", "dec(2,1)"), alias="r"))


def decimal_subtract():
    return _sel(fn("arithmetic_decimal", "subtract", col("d"), lit("0.25", "dec(3,2)"), alias="r"))


def decimal_sum_avg():
    return _agg(
        agg("arithmetic_decimal", "sum", col("d"), alias="s"),
        agg("arithmetic_decimal", "avg", col("d"), alias="a"),
        agg("arithmetic_decimal", "max", col("d"), alias="m"),
    )


# ---- boolean ------------------------------------------------------------------------------


def boolean_and_or():
    t = fn("comparison", "gt", col("a"), lit(15, "i64"))
    return _sel(
        fn("boolean", "and", col("flag"), t, alias="a"),
        fn("boolean", "or", col("flag"), t, alias="o"),
    )


def boolean_not_xor():
    t = fn("comparison", "gt", col("a"), lit(15, "i64"))
    return _sel(
        fn("boolean", "not", col("flag"), alias="n"),
        fn("boolean", "xor", col("flag"), t, alias="x"),
    )


def boolean_and_not():
    t = fn("comparison", "gt", col("a"), lit(15, "i64"))
    return _sel(fn("boolean", "and_not", col("flag"), t, alias="r"))


def boolean_bool_and_or():
    return _agg(
        agg("boolean", "bool_and", col("flag"), alias="all"),
        agg("boolean", "bool_or", col("flag"), alias="any"),
    )


# ---- comparison ---------------------------------------------------------------------------


def comparisons():
    ten = lit(20, "i64")
    return _sel(
        fn("comparison", "lt", col("a"), ten, alias="lt"),
        fn("comparison", "lte", col("a"), ten, alias="lte"),
        fn("comparison", "equal", col("a"), ten, alias="eq"),
        fn("comparison", "not_equal", col("a"), ten, alias="ne"),
        fn("comparison", "gte", col("a"), ten, alias="gte"),
    )


def null_checks():
    return _sel(
        fn("comparison", "is_null", col("a"), alias="n"),
        fn("comparison", "is_not_null", col("g"), alias="nn"),
    )


def between():
    return _sel(fn("comparison", "between", col("a"), lit(10, "i64"), lit(40, "i64"), alias="r"))


def coalesce():
    return _sel(fn("comparison", "coalesce", col("a"), lit(-1, "i64"), alias="r"))


def distinct_from():
    return _sel(fn("comparison", "is_distinct_from", col("g"), lit("a", "string"), alias="r"))


def greatest_least():
    return _sel(
        fn("comparison", "greatest", col("a"), col("id"), alias="g"),
        fn("comparison", "least", col("a"), col("id"), alias="l"),
    )


def is_true_false():
    return _sel(
        fn("comparison", "is_true", col("flag"), alias="t"),
        fn("comparison", "is_not_false", col("flag"), alias="nf"),
    )


def is_nan():
    return _sel(fn("comparison", "is_nan", col("x"), alias="r"))


# ---- string -------------------------------------------------------------------------------


def concat():
    return _sel(fn("string", "concat", col("g"), lit("-", "string"), col("s"), alias="r"))


def lower_upper():
    return _sel(
        fn("string", "lower", col("s"), alias="l"), fn("string", "upper", col("s"), alias="u")
    )


def substring():
    return _sel(fn("string", "substring", col("s"), lit(2, "i32"), lit(3, "i32"), alias="r"))


def like():
    return _sel(fn("string", "like", col("s"), lit("%e%", "string"), alias="r"))


def char_length():
    return _sel(fn("string", "char_length", col("s"), alias="r"))


def trim():
    return _sel(
        fn("string", "trim", col("s"), lit(" ", "string"), alias="t"),
        fn("string", "ltrim", col("s"), lit(" ", "string"), alias="l"),
        fn("string", "rtrim", col("s"), lit(" ", "string"), alias="r"),
    )


def replace():
    return _sel(
        fn("string", "replace", col("s"), lit("e", "string"), lit("E", "string"), alias="r")
    )


def starts_ends_contains():
    return _sel(
        fn("string", "starts_with", col("s"), lit("a", "string"), alias="sw"),
        fn("string", "ends_with", col("s"), lit("e", "string"), alias="ew"),
        fn("string", "contains", col("s"), lit("an", "string"), alias="c"),
    )


def strpos():
    return _sel(fn("string", "strpos", col("s"), lit("e", "string"), alias="r"))


def reverse():
    return _sel(fn("string", "reverse", col("s"), alias="r"))


def lpad_rpad():
    return _sel(
        fn("string", "lpad", col("g"), lit(3, "i32"), lit("*", "string"), alias="l"),
        fn("string", "rpad", col("g"), lit(3, "i32"), lit("*", "string"), alias="r"),
    )


def string_agg():
    return _agg(
        agg(
            "string",
            "string_agg",
            col("s"),
            lit(",", "string"),
            alias="r",
            sorts=[(col("s"), ASC_NULLS_LAST)],
        )
    )


# ---- datetime -----------------------------------------------------------------------------


def extract_date():
    return _sel(
        fn("datetime", "extract", EnumArg("YEAR"), col("dt"), alias="y"),
        fn("datetime", "extract", EnumArg("MONTH"), EnumArg("ONE"), col("dt"), alias="m"),
        fn("datetime", "extract", EnumArg("DAY"), EnumArg("ONE"), col("dt"), alias="d"),
    )


def extract_timestamp():
    return _sel(
        fn("datetime", "extract", EnumArg("HOUR"), col("ts"), alias="h"),
        fn("datetime", "extract", EnumArg("MINUTE"), col("ts"), alias="mi"),
        fn("datetime", "extract", EnumArg("SECOND"), col("ts"), alias="s"),
    )


def extract_quarter_doy():
    return _sel(
        fn("datetime", "extract", EnumArg("QUARTER"), EnumArg("ONE"), col("dt"), alias="q"),
        fn("datetime", "extract", EnumArg("DAY_OF_YEAR"), EnumArg("ONE"), col("dt"), alias="doy"),
    )


def date_compare():
    return _sel(fn("datetime", "lt", col("dt"), lit(datetime.date(2024, 1, 1), "date"), alias="r"))


def date_min_max():
    return _agg(
        agg("datetime", "min", col("dt"), alias="lo"), agg("datetime", "max", col("ts"), alias="hi")
    )


# ---- rounding / logarithmic -----------------------------------------------------------------


def ceil_floor():
    return _sel(
        fn("rounding", "ceil", col("x"), alias="c"), fn("rounding", "floor", col("x"), alias="f")
    )


def round_():
    return _sel(
        fn("rounding", "round", col("x"), lit(0, "i32"), alias="r", rounding="TIE_AWAY_FROM_ZERO")
    )


def round_decimal():
    return _sel(
        fn(
            "rounding_decimal",
            "round",
            col("d"),
            lit(1, "i32"),
            alias="r",
            rounding="TIE_AWAY_FROM_ZERO",
        )
    )


def logarithms():
    pos = fn("arithmetic", "add", fn("arithmetic", "abs", col("x")), lit(1.0, "fp64"))
    return _sel(
        fn("logarithmic", "ln", pos, alias="ln"),
        fn("logarithmic", "log10", pos, alias="l10"),
        fn("logarithmic", "log2", pos, alias="l2"),
    )


def logb():
    pos = fn("arithmetic", "add", fn("arithmetic", "abs", col("x")), lit(1.0, "fp64"))
    return _sel(fn("logarithmic", "logb", pos, lit(3.0, "fp64"), alias="r"))


# ---- aggregates ---------------------------------------------------------------------------


def aggregate_generic_count():
    return _agg(
        agg("aggregate_generic", "count", alias="n"),
        agg("aggregate_generic", "count", col("a"), alias="na"),
        agg("aggregate_generic", "count", col("a"), alias="nd", invocation=DISTINCT),
    )


def aggregate_arithmetic():
    return _agg(
        agg("arithmetic", "sum", col("x"), alias="s"),
        agg("arithmetic", "avg", col("a"), alias="a"),
        agg("arithmetic", "min", col("a"), alias="lo"),
        agg("arithmetic", "max", col("x"), alias="hi"),
    )


def aggregate_statistics():
    return _agg(
        agg("arithmetic", "std_dev", col("x"), alias="sd", options={"distribution": "SAMPLE"}),
        agg("arithmetic", "variance", col("x"), alias="v", options={"distribution": "SAMPLE"}),
        keys=(),
    )


def aggregate_any_value():
    # any_value of a column that is constant per group is deterministic
    return _agg(agg("aggregate_generic", "any_value", col("g"), alias="r"))


def aggregate_approx_count_distinct():
    return _agg(agg("aggregate_approx", "approx_count_distinct", col("a"), alias="r"))


# ---- list ---------------------------------------------------------------------------------


def list_cardinality():
    return _sel(fn("list", "cardinality", E.literal([1, 2, 3], list_type(i64())), alias="r"))


def date_add_interval():
    from substrait.builders.type import interval_day, interval_year

    days = E.literal(datetime.timedelta(days=10, hours=6), interval_day(6))
    months = E.literal((0, 14), interval_year())
    return _sel(
        fn("datetime", "add", col("ts"), days, alias="plus_days"),
        fn("datetime", "add", col("dt"), months, alias="plus_months"),
    )


def date_subtract_dates():
    return _sel(
        fn(
            "datetime",
            "subtract",
            col("ts"),
            E.literal(datetime.timedelta(minutes=90), interval_day(6)),
            alias="r",
        )
    )
