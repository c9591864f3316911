"""Unit tests of the conformance harness itself (comparison, parsing, plans, reports)."""

from __future__ import annotations

import decimal
import json
from pathlib import Path

import pyarrow as pa
from click.testing import CliRunner

from planbridge.conformance.case import ERROR, FAIL, PASS, Case, Expected
from planbridge.conformance.compare import compare_tables, sql_is_ordered, values_equal
from planbridge.conformance.funcplan import build_plan, python_value
from planbridge.conformance.functest import Arg, parse_file
from planbridge.conformance.report import regressions, to_html, to_json, to_markdown
from planbridge.conformance.runner import RunOutput, run_case, select
from planbridge.errors import EngineError
from planbridge.plan import Plan
from planbridge.testing import tpch_arrow_tables

FUNC_TESTS = Path(__file__).resolve().parents[2] / "shared" / "substrait-function-tests"


def test_values_equal_tolerance_and_types() -> None:
    assert values_equal(1.0, 1.0 + 1e-12)
    assert not values_equal(1.0, 1.0001)
    assert values_equal(float("nan"), float("nan"))
    assert values_equal(None, None) and not values_equal(None, 0)
    assert not values_equal(True, 1)


def test_compare_decimal_vs_float_and_string_view_by_position() -> None:
    e = pa.table(
        {
            "x": pa.array([decimal.Decimal("1.10"), decimal.Decimal("2.00")], pa.decimal128(15, 2)),
            "s": ["a", "b"],
        }
    )
    a = pa.table({"renamed": [2.0, 1.1], "t": pa.array(["b", "a"], pa.string_view())})
    assert compare_tables(e, a).ok
    assert not compare_tables(e, a, ordered=True).ok


def test_compare_reports_row_diff() -> None:
    e = pa.table({"x": [1, 2, 3]})
    a = pa.table({"x": [1, 2, 4]})
    cmp = compare_tables(e, a)
    assert not cmp.ok and cmp.only_expected == [(3.0,)] and cmp.only_actual == [(4.0,)]


def test_compare_same_rows_other_order() -> None:
    cmp = compare_tables(pa.table({"x": [1, 2]}), pa.table({"x": [2, 1]}), ordered=True)
    assert not cmp.ok and "order" in cmp.reason


def test_sql_is_ordered_top_level_only() -> None:
    assert sql_is_ordered("SELECT a FROM t ORDER BY a")
    assert not sql_is_ordered("SELECT row_number() OVER (ORDER BY a) FROM t")
    assert not sql_is_ordered("SELECT 'order by' FROM t")


def test_parse_function_test_file() -> None:
    parsed = parse_file(FUNC_TESTS / "arithmetic" / "add.test")
    assert parsed.urn == "extension:io.substrait:functions_arithmetic"
    first = parsed.cases[0]
    assert first.function == "add" and first.args[0].text == "120::i8"
    assert any(c.error == "ERROR" and ("overflow", "ERROR") in c.options for c in parsed.cases)


def test_function_case_plan_roundtrips() -> None:
    case = parse_file(FUNC_TESTS / "arithmetic" / "add.test").cases[0]
    plan = build_plan(case)
    again = Plan.from_json(plan.to_json())
    assert again == plan
    ext = again.proto.extensions[0].extension_function
    assert ext.name == "add:i8_i8"


def test_python_values_of_literals() -> None:
    assert python_value(Arg("decimalArg", "1.5::dec<2,1>")) == decimal.Decimal("1.5")
    assert python_value(Arg("stringArg", "'it''s'::str")) == "it's"
    assert python_value(Arg("nullArg", "null::i8")) is None


def test_tpch_arrow_tables_declared_types() -> None:
    tables = tpch_arrow_tables(0.0001)
    li = tables["lineitem"].schema
    assert li.field("l_orderkey").type == pa.int64()
    assert li.field("l_quantity").type == pa.decimal128(15, 2)
    assert li.field("l_shipdate").type == pa.date32()
    assert li.field("l_comment").type == pa.string()
    assert tables["nation"].schema.field("n_nationkey").type == pa.int32()
    assert tables["orders"].schema.field("o_shippriority").type == pa.int32()


class _Fake:
    def __init__(self, name: str, result: pa.Table | Exception) -> None:
        self.name = name
        self.result = result

    def unavailable(self) -> str | None:
        return None

    def run(self, plan: Plan, tables: dict) -> pa.Table:
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def _case(expected: Expected) -> Case:
    return Case(
        id="x/case",
        source="x",
        feature="f",
        producer="p",
        plan=Plan,
        tables=dict,
        expected=lambda: expected,
    )


def test_run_case_statuses_and_disagreement() -> None:
    exp = Expected(table=pa.table({"x": [1, 2]}))
    engines = [
        _Fake("good", pa.table({"y": [2, 1]})),
        _Fake("bad", pa.table({"y": [1, 3]})),
        _Fake("err", EngineError("boom")),
    ]
    results, disagreements = run_case(_case(exp), engines)
    assert [r.status for r in results] == [PASS, FAIL, ERROR]
    assert "boom" in results[2].reason
    assert len(disagreements) == 1 and "+ good: (2.0,)" in disagreements[0].diff


def test_expected_error_passes_when_engine_raises() -> None:
    results, _ = run_case(
        _case(Expected(error="ERROR", semantics="overflow:ERROR")),
        [_Fake("e", EngineError("overflow")), _Fake("v", pa.table({"r": [1]}))],
    )
    assert [r.status for r in results] == [PASS, "differs"]


def test_reports_and_regressions() -> None:
    results, dis = run_case(
        _case(Expected(table=pa.table({"x": [1]}))),
        [_Fake("a", pa.table({"x": [1]})), _Fake("b", pa.table({"x": [2]}))],
    )
    out = RunOutput(results, dis)
    md = to_markdown(out)
    assert "| x/p |" in md and "**1/1**" in md
    assert "<table" in to_html(out)
    json.dumps(to_json(out), default=str)
    assert regressions(out, {"b": {"x/case": PASS}}) and not regressions(
        out, {"a": {"x/case": PASS}}
    )


def test_select_filters() -> None:
    cases = [_case(Expected()), Case("y/other", "y", "f", "p", Plan, dict, Expected)]
    assert [c.id for c in select(cases, ["other"])] == ["y/other"]
    assert len(select(cases, ["*"])) == 2


def test_cli_lists_and_runs_with_fake_adapter(tmp_path: Path) -> None:
    from planbridge.cli.conformance import conformance

    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "one.case.json").write_text(
        json.dumps({"pipeline": "build.py:build", "tables": {}, "expected": {"rows": [[1]]}})
    )
    (cases / "build.py").write_text(
        "from planbridge.plan import Plan\ndef build():\n    return Plan()\n"
    )
    runner = CliRunner()
    res = runner.invoke(conformance, ["--source", "cases", "--cases", str(cases), "--list"])
    assert res.exit_code == 0 and "cases/one" in res.output
    base = tmp_path / "baseline.json"
    base.write_text(json.dumps({"fake": {"cases/one": "pass"}}))
    res = runner.invoke(
        conformance,
        [
            "--source",
            "cases",
            "--cases",
            str(cases),
            "--report",
            str(tmp_path / "rep"),
            "--engine",
            "conformance_fake:adapter",
            "--baseline",
            str(base),
        ],
    )
    assert res.exit_code == 1, res.output  # the fake engine fails: a regression
    assert (tmp_path / "rep" / "MATRIX.md").exists()
    doc = json.loads((tmp_path / "rep" / "matrix.json").read_text())
    assert doc["results"][0]["status"] == FAIL


def test_decimal_compares_to_its_scale() -> None:
    assert values_equal(decimal.Decimal("25.537587"), 25.537587116854997)
    assert not values_equal(decimal.Decimal("25.537580"), 25.537587116854997)
    assert values_equal(decimal.Decimal("2.50"), decimal.Decimal("2.5"))


def test_reason_groups_are_one_line() -> None:
    from planbridge.conformance.report import reason_group

    assert (
        reason_group("Error: table 'x'\nDid you mean 'y'?")
        == "Error: table <name> Did you mean <name>?"
    )


def test_aggregate_function_case_plan() -> None:
    parsed = parse_file(FUNC_TESTS / "aggregate_generic" / "count.test")
    case = parsed.cases[0]
    assert case.is_aggregate and case.column == ("100", "-200", "300", "-400", "5", "6")
    plan = build_plan(case)
    agg = plan.proto.relations[0].root.input.aggregate
    assert len(agg.input.read.virtual_table.expressions) == 6
    assert plan.proto.extensions[0].extension_function.name == "count:i16"
