"""Function-test translation: multi-argument aggregate tables, list and interval values."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import planbridge as pb
from planbridge.conformance.compare import values_equal
from planbridge.conformance.funcplan import HarnessUnsupported, build_plan, python_value
from planbridge.conformance.functest import Arg, parse_file

FUNC_TESTS = Path(__file__).resolve().parents[2] / "shared" / "substrait-function-tests"
HEADER = "### SUBSTRAIT_AGGREGATE_TEST: v1.0\n### SUBSTRAIT_INCLUDE: extension:io.substrait:functions_arithmetic\n\n"


def _parse(tmp_path: Path, body: str, header: str = HEADER):
    f = tmp_path / "case.test"
    f.write_text(header + body, encoding="utf-8")
    parsed = parse_file(f)
    assert parsed.errors == [] and parsed.other == 0
    return parsed.cases


def _run(case, engine: str = "duckdb") -> object:
    return pb.execute(build_plan(case), engine=engine).column(0)[0].as_py()


def test_compact_aggregate_case_parses_rows_enum_and_column(tmp_path: Path) -> None:
    (case,) = _parse(
        tmp_path,
        "# g: d\n((1.0), (Null), (4.0)) std_dev(POPULATION::enum, col0::fp64?) = 1.5::fp64?\n",
    )
    assert case.is_aggregate and case.column is None
    assert case.table == (("1.0",), ("Null",), ("4.0",))
    assert case.args == (Arg("enumArg", "POPULATION::enum"), Arg("columnArg", "col0::fp64?"))
    plan = build_plan(case).proto
    assert plan.extensions[0].extension_function.name == "std_dev:req_fp64"
    measure = plan.relations[0].root.input.aggregate.measures[0].measure
    assert measure.arguments[0].enum == "POPULATION"
    assert measure.arguments[1].value.selection.direct_reference.struct_field.field == 0


@pytest.mark.parametrize("engine", ["duckdb", "datafusion"])
def test_define_table_aggregate_runs_over_its_columns(tmp_path: Path, engine: str) -> None:
    xs, ys = [1.0, 2.0, 4.0, 7.0], [2.0, 1.0, 9.0, 3.0]
    rows = ", ".join(f"({x}, {y})" for x, y in zip(xs, ys, strict=True))
    (case,) = _parse(
        tmp_path,
        f"# g: d\nDEFINE t1(fp64, fp64) = ({rows}) corr(t1.col0, t1.col1) = 0.5::fp64?\n",
    )
    assert case.table_types == ("fp64", "fp64")
    assert [a.text for a in case.args] == ["col0::fp64", "col1::fp64"]
    read = build_plan(case).proto.relations[0].root.input.aggregate.input.read
    assert list(read.base_schema.names) == ["col0", "col1"]
    assert math.isclose(_run(case, engine), statistics.correlation(xs, ys), rel_tol=1e-9)


def test_empty_table_aggregates_over_no_rows(tmp_path: Path) -> None:
    (case,) = _parse(tmp_path, "# g: d\n(()) variance(SAMPLE::enum, col0::fp64) = Null::fp64?\n")
    assert case.table == ()
    assert (
        len(
            build_plan(case)
            .proto.relations[0]
            .root.input.aggregate.input.read.virtual_table.expressions
        )
        == 0
    )
    assert _run(case) is None


def test_table_column_without_a_type_is_a_harness_limit(tmp_path: Path) -> None:
    (case,) = _parse(tmp_path, "# g: d\n((1, 2), (3, 4)) count(col1::i64) = 2::i64\n")
    with pytest.raises(HarnessUnsupported, match="col0 of type 'unknown'"):
        build_plan(case)


def test_std_dev_file_is_fully_translated() -> None:
    parsed = parse_file(FUNC_TESTS / "arithmetic" / "std_dev.test")
    assert parsed.other == 0 and len(parsed.cases) == 29
    sample = [
        c
        for c in parsed.cases
        if c.text.startswith(
            "((1.0), (2.0), (3.0), (4.0), (5.0)) std_dev(SAMPLE::enum, col0::fp64)"
        )
    ]
    assert math.isclose(_run(sample[0]), statistics.stdev([1.0, 2.0, 3.0, 4.0, 5.0]))


def test_list_arguments_and_results() -> None:
    arg = Arg("listArg", "[1,Null,3]::list<i32?>", ("1", "Null", "3"))
    assert python_value(arg) == [1, None, 3]
    assert python_value(Arg("listArg", "['a,b','c']::list<str>", ("'a,b'", "'c'"))) == ["a,b", "c"]
    (case,) = [
        c
        for c in parse_file(FUNC_TESTS / "list" / "cardinality.test").cases
        if c.args[0].text == "[1,Null,3]::list<i32?>"
    ]
    lit = build_plan(case).proto.relations[0].root.input.project.expressions[0]
    values = lit.scalar_function.arguments[0].value.literal.list.values
    assert [v.WhichOneof("literal_type") for v in values] == ["i32", "null", "i32"]
    assert _run(case) == 3


def test_empty_list_literal_keeps_its_element_type() -> None:
    (case,) = [
        c
        for c in parse_file(FUNC_TESTS / "list" / "cardinality.test").cases
        if c.args[0].text.startswith("[]")
    ]
    arg = build_plan(case).proto.relations[0].root.input.project.expressions[0]
    empty = arg.scalar_function.arguments[0].value.literal.empty_list
    assert empty.type.WhichOneof("kind") == "i32"
    assert _run(case) == 0


@pytest.mark.parametrize(
    ("text", "sql"),
    [
        ("P1DT10H0M0S::iday", "INTERVAL 1 DAY + INTERVAL 10 HOUR"),
        ("PT15H::iday", "INTERVAL 15 HOUR"),
        ("P1Y2M::iyear", "INTERVAL 14 MONTH"),
    ],
)
def test_interval_results_compare_with_engine_intervals(text: str, sql: str) -> None:
    """Expected interval values equal what an engine returns for the same interval."""
    got = duckdb.sql(f"SELECT {sql} AS v").to_arrow_table().column(0)[0].as_py()
    want = python_value(Arg("intervalDayArg", text))
    assert values_equal(want, got)
    assert not values_equal(python_value(Arg("intervalDayArg", "PT14H::iday")), got)
    assert pa.array([want]).type == pa.month_day_nano_interval()


def test_precision_time_literal_counts_units_since_midnight() -> None:
    (case,) = [
        c
        for c in parse_file(FUNC_TESTS / "datetime" / "extract.test").cases
        if c.args[-1].text == "01:02:03.155::pt<6>"
    ]
    call = build_plan(case).proto.relations[0].root.input.project.expressions[0]
    lit = call.scalar_function.arguments[1].value.literal.precision_time
    assert (lit.precision, lit.value) == (6, (3600 + 2 * 60 + 3) * 10**6 + 155_000)


def test_unsigned_integers_are_user_defined_literals() -> None:
    (case,) = [
        c
        for c in parse_file(FUNC_TESTS / "arithmetic_unsigned" / "add.test").cases
        if c.text == "add(('200')::u!u8, ('50')::u!u8) = ('250')::u!u8"
    ]
    plan = build_plan(case).proto
    types = {e.extension_type.type_anchor: e.extension_type.name for e in plan.extensions[1:]}
    assert plan.extensions[0].extension_function.name == "add:u!u8_u!u8"
    arg = plan.relations[0].root.input.project.expressions[0].scalar_function.arguments[0]
    udt = arg.value.literal.user_defined
    assert types[udt.type_reference] == "u8" and udt.struct.fields[0].string == "200"
    assert python_value(case.result) == 250


def test_unsigned_aggregate_column_written_as_one_value() -> None:
    case = parse_file(FUNC_TESTS / "arithmetic_unsigned" / "max.test").cases[0]
    assert case.is_aggregate and case.column == ("'20'", "'3'", "'1'", "'10'", "'0'", "'5'")
    rows = build_plan(case).proto.relations[0].root.input.aggregate.input.read.virtual_table
    assert [r.fields[0].literal.user_defined.struct.fields[0].string for r in rows.expressions] == [
        "20",
        "3",
        "1",
        "10",
        "0",
        "5",
    ]


LAMBDA_FILES = ("filter", "transform", "any_match", "all_match")


@pytest.mark.parametrize("name", LAMBDA_FILES)
def test_lambda_cases_run_on_duckdb_as_the_files_expect(name: str) -> None:
    """Each case's lambda is a Substrait lambda whose body calls a function of the file's
    dependency extension; DuckDB gives the value the test file states."""
    cases = [c for c in parse_file(FUNC_TESTS / "list" / f"{name}.test").cases]
    ran = 0
    for case in cases:
        lam = [a for a in case.args if a.lam is not None]
        if not lam:  # null::func?<..>: no Substrait literal has a function type
            with pytest.raises(HarnessUnsupported, match="no literal of a function type"):
                build_plan(case)
            continue
        plan = build_plan(case).proto
        declared = {e.extension_function.name.split(":")[0] for e in plan.extensions}
        assert {case.function, lam[0].lam.body.function} <= declared
        got = _run(case)
        assert values_equal(got, python_value(case.result)), (case.text, got)
        ran += 1
    assert ran >= 4


def test_lambda_cases_are_a_clear_unsupported_error_on_datafusion() -> None:
    case = parse_file(FUNC_TESTS / "list" / "transform.test").cases[0]
    with pytest.raises(pb.UnsupportedError, match="lambda expressions are not supported"):
        _run(case, "datafusion")


@pytest.mark.parametrize("engine", ["duckdb", "datafusion"])
def test_list_sort_follows_the_direction_option(engine: str) -> None:
    cases = parse_file(FUNC_TESTS / "list" / "sort.test").cases
    assert {dict(c.options)["direction"] for c in cases} == {
        "ASC_NULLS_FIRST",
        "ASC_NULLS_LAST",
        "DESC_NULLS_FIRST",
        "DESC_NULLS_LAST",
    }
    for case in cases:
        got = _run(case, engine)
        assert values_equal(got, python_value(case.result)), (case.text, got)


def _cases(area: str, stem: str):
    return parse_file(FUNC_TESTS / area / f"{stem}.test").cases


# Where an engine's semantics differ from the file (recorded as `differs` by the harness)
_UNSIGNED_DIFFERS = {("datafusion", "sum.test", 11)}  # DataFusion's sum wraps past u64


@pytest.mark.parametrize("engine", ["duckdb", "datafusion"])
def test_unsigned_integer_cases_give_the_files_answers(engine: str) -> None:
    """The ``unsigned_integers`` extension's types run as the engines' unsigned integers:
    values, overflow errors, SATURATE (clamped) and division by zero as the files say."""

    def keep(case) -> bool:
        return (engine, case.file, case.line) not in _UNSIGNED_DIFFERS

    stems = ("add", "subtract", "multiply", "divide", "sum", "min", "max")
    assert sum(_expect_file("arithmetic_unsigned", s, engine, keep) for s in stems) >= 50


@pytest.mark.parametrize("engine", ["duckdb", "datafusion"])
def test_saturate_and_logical_shift_on_signed_integers(engine: str) -> None:
    cases = [
        c
        for stem in ("add", "subtract", "negate", "abs", "divide", "shift_right_unsigned")
        for c in _cases("arithmetic", stem)
        if dict(c.options).get("overflow") == "SATURATE" or c.function == "shift_right_unsigned"
    ]
    assert len(cases) >= 15
    for case in cases:
        got = _run(case, engine)
        assert values_equal(got, python_value(case.result)), (case.text, got)


def test_unsigned_literals_are_checked() -> None:
    (case,) = [c for c in _cases("arithmetic_unsigned", "add") if c.line == 5]
    plan = build_plan(case)
    lit = plan.proto.relations[0].root.input.project.expressions[0].scalar_function
    lit.arguments[0].value.literal.user_defined.struct.fields[0].string = "256"
    with pytest.raises(pb.PlanValidationError, match="'256' is not a u8 value"):
        pb.execute(plan, engine="duckdb")
    plan.proto.extensions[1].extension_type.name = "u7"  # no longer the extension's type
    with pytest.raises(pb.UnsupportedError, match="user-defined literal"):
        pb.execute(plan, engine="duckdb")


def _expect_file(area: str, stem: str, engine: str, keep=lambda c: True) -> int:
    """Run the file's cases that ``keep`` selects; each must give the file's value (or raise
    where the file says ERROR). Returns how many ran."""
    ran = 0
    for case in _cases(area, stem):
        if not keep(case) or case.error == "UNDEFINED":
            continue
        if case.result is None:
            with pytest.raises(pb.PlanError):
                _run(case, engine)
        else:
            got = _run(case, engine)
            assert values_equal(got, python_value(case.result)), (case.text, got)
        ran += 1
    return ran


@pytest.mark.parametrize("engine", ["duckdb", "datafusion"])
def test_string_split_add_intervals_and_time_extracts(engine: str) -> None:
    assert _expect_file("string", "string_split", engine) == 5
    assert _expect_file("datetime", "add_intervals", engine) >= 5
    time_or_epoch = lambda c: "UNIX_TIME" in c.text or "::pt<" in c.text  # noqa: E731
    assert _expect_file("datetime", "extract", engine, time_or_epoch) >= 6


def test_regexp_string_split_on_duckdb_and_a_clear_error_on_datafusion() -> None:
    no_lookaround = lambda c: dict(c.options).get("lookaround") != "TRUE"  # noqa: E731
    assert _expect_file("string", "regexp_string_split", "duckdb", no_lookaround) == 15
    case = _cases("string", "regexp_string_split")[0]
    with pytest.raises(pb.UnsupportedError, match="DataFusion has no regexp_string_split"):
        _run(case, "datafusion")


@pytest.mark.parametrize("engine", ["duckdb", "datafusion"])
def test_38_digit_decimal_literals_are_exact(engine: str) -> None:
    """A decimal<38, 0> literal of 38 nines survives binding unrounded (Python's default
    decimal context keeps 28 digits); negating it gives the exact opposite."""
    (case,) = [c for c in _cases("arithmetic_decimal", "negate") if c.line == 15]
    got = _run(case, engine)
    assert got == -(10**38 - 1) == python_value(case.result)


def test_datafusion_decimal_sum_overflow_is_an_error_not_invalid_data() -> None:
    (case,) = [c for c in _cases("arithmetic_decimal", "sum_decimal") if c.line == 11]
    assert case.error == "ERROR"
    with pytest.raises(pb.EngineError, match="decimal beyond 38 digits"):
        _run(case, "datafusion")


@pytest.mark.parametrize("engine", ["duckdb", "datafusion"])
def test_decimal_factorial_and_duckdb_128_bit_bitwise(engine: str) -> None:
    assert _expect_file("arithmetic_decimal", "factorial_decimal", engine) >= 5
    if engine == "duckdb":  # DataFusion has no integer wider than 64 bits
        assert _expect_file("arithmetic_decimal", "bitwise_and", engine) >= 10


@pytest.mark.parametrize("engine", ["duckdb", "datafusion"])
def test_concat_ws_skips_nulls_and_modulus_by_zero_can_be_null(engine: str) -> None:
    """Both engines agree with the function tests: concat_ws leaves null strings out;
    modulus by zero under on_domain_error:NULL is null (ERROR: an error)."""
    assert _expect_file("string", "concat_ws", engine, lambda c: "null::str?" in c.text) >= 2
    domain = lambda c: "on_domain_error" in dict(c.options)  # noqa: E731
    assert _expect_file("arithmetic", "modulus", engine, domain) >= 2
