"""Unit tests of the conformance harness itself (comparison, parsing, plans, reports)."""

from __future__ import annotations

import decimal
import json
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

from planbridge.conformance import EngineAdapter, LocalSource, PlanbridgeEngine, load_adapter
from planbridge.conformance.build import P, lit, schema, to_plan
from planbridge.conformance.case import CRASH, FAIL, PASS, UNSUPPORTED, Case, Expected
from planbridge.conformance.compare import compare_tables, sql_is_ordered, values_equal
from planbridge.conformance.funcplan import build_plan, python_value
from planbridge.conformance.functest import Arg, parse_file
from planbridge.conformance.report import regressions, to_html, to_json, to_markdown
from planbridge.conformance.runner import (
    RunOutput,
    _agreement,
    _check,
    _checked,
    run_case,
    select,
)
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


ROOT = Path(__file__).resolve().parents[1]
USER_ADAPTER = ROOT / "conformance" / "adapters" / "datafusion_single_partition.py"


def _virtual_case(expected: Expected, case_id: str = "x/case") -> Case:
    """A real plan (a two-row virtual table built with substrait-python) and an expectation."""
    rows = [[lit(1, "i64")], [lit(2, "i64")]]
    return Case(
        id=case_id,
        source="x",
        feature="f",
        producer="p",
        plan=lambda: to_plan(P.virtual_table(rows, schema({"x": "i64"}))),
        tables=dict,
        expected=lambda: expected,
    )


def test_run_case_statuses_on_real_engines() -> None:
    engines = [PlanbridgeEngine("duckdb"), PlanbridgeEngine("datafusion"), PlanbridgeEngine("nope")]
    results, disagreements = run_case(
        _virtual_case(Expected(table=pa.table({"x": [2, 1]}))), engines
    )
    assert [r.status for r in results] == [PASS, PASS, UNSUPPORTED]
    assert "engine unavailable: unknown engine 'nope'" in results[2].reason
    assert disagreements == []
    (bad,), _ = run_case(_virtual_case(Expected(table=pa.table({"x": [1, 3]}))), engines[:1])
    assert (
        bad.status == FAIL and "- expected: (3.0,)" in bad.diff and "+ actual: (2.0,)" in bad.diff
    )


def test_agreement_is_a_row_diff() -> None:
    dis = _agreement(
        _virtual_case(Expected()), {"a": pa.table({"x": [1, 2]}), "b": pa.table({"y": [1, 3]})}
    )
    assert len(dis) == 1 and dis[0].engines == ("a", "b")
    assert "- a: (2.0,)" in dis[0].diff and "+ b: (3.0,)" in dis[0].diff


def test_invalid_arrow_result_is_a_crash() -> None:
    good = pa.array(["ab", "c"])
    broken = pa.StringArray.from_buffers(
        2, pa.py_buffer(b"\x00\x00\x00\x00\x05\x00\x00\x00\x01\x00\x00\x00"), pa.py_buffer(b"abc")
    )
    assert good.to_pylist() == ["ab", "c"]
    status, reason, _ = _checked(Expected(table=pa.table({"s": good})), pa.table({"s": broken}))
    assert status == CRASH and "invalid Arrow data" in reason


def test_expected_error_passes_when_engine_raises() -> None:
    case = {c.id: c for c in LocalSource(ROOT / "conformance" / "cases").cases()}[
        "cases/function/functions/add_overflow_error"
    ]
    (result,), _ = run_case(case, [PlanbridgeEngine("duckdb")])
    assert result.status == PASS and "raised as the spec requires" in result.reason
    status, reason, _ = _check(
        Expected(error="ERROR", semantics="overflow:ERROR"), pa.table({"r": [1]})
    )
    assert status == "differs" and "requires an error" in reason


def test_reports_and_regressions() -> None:
    engines = [PlanbridgeEngine("duckdb"), PlanbridgeEngine("nope")]
    results, dis = run_case(_virtual_case(Expected(table=pa.table({"x": [1, 2]}))), engines)
    out = RunOutput(results, dis)
    md = to_markdown(out)
    assert "| x/p |" in md and "**1/1**" in md and "**0/1** (unsupported 1)" in md
    page = to_html(out, ["a note"])
    assert page.startswith("<!doctype html>") and '"x/case"' in page and "a note" in page
    assert "http" not in page.replace("http-equiv", "")  # self-contained
    doc = to_json(out)
    json.dumps(doc, default=str)
    (cell,) = doc["matrix"]
    assert cell["feature"] == "f" and cell["engines"]["duckdb"] == {PASS: 1}
    assert cell["engines"]["nope"]["unsupported"] == 1
    assert "unknown engine" in cell["engines"]["nope"]["reason"]
    assert regressions(out, {"nope": {"x/case": PASS}})
    assert not regressions(out, {"duckdb": {"x/case": PASS}})


def test_select_filters() -> None:
    cases = [_virtual_case(Expected()), _virtual_case(Expected(), "y/other")]
    assert [c.id for c in select(cases, ["other"])] == ["y/other"]
    assert len(select(cases, ["*"])) == 2


def test_multi_case_file(tmp_path: Path) -> None:
    (tmp_path / "p.py").write_text(
        "from planbridge.conformance.build import P, table_t, to_plan, col\n"
        "def ids():\n    return to_plan(P.select(table_t(), [col('id')]))\n"
    )
    data = ROOT / "conformance" / "cases" / "data" / "t.parquet"
    (tmp_path / "m.cases.json").write_text(
        json.dumps(
            {
                "defaults": {"module": "p.py", "tables": {"t": str(data)}},
                "cases": {
                    "ids": {"expected": {"sql": "SELECT id FROM t ORDER BY id"}},
                    "missing": {"expected": {"rows": [[1]]}},
                },
            }
        )
    )
    cases = LocalSource(tmp_path).cases()
    assert [c.id for c in cases] == ["cases/m/ids", "cases/m/missing"]
    exp = cases[0].expected()
    assert exp.ordered and exp.table.column(0).to_pylist() == list(range(1, 11))
    (ok,), _ = run_case(cases[0], [PlanbridgeEngine("duckdb")])
    (inv,), _ = run_case(cases[1], [PlanbridgeEngine("duckdb")])
    assert ok.status == PASS
    assert inv.status == "invalid" and "no function 'missing'" in inv.reason


def test_cli_with_user_adapter_file(tmp_path: Path) -> None:
    """A user adapter module (planbridge on a one-partition DataFusion) run by the command."""
    from planbridge.cli.conformance import conformance

    cases = str(ROOT / "conformance" / "cases")
    runner = CliRunner()
    res = runner.invoke(conformance, ["--source", "cases", "--cases", cases, "--list"])
    assert res.exit_code == 0 and "cases/relation/relations/join_inner" in res.output
    adapter = f"{USER_ADAPTER}:adapter"
    base = tmp_path / "baseline.json"
    base.write_text(json.dumps({"datafusion-1p": {"cases/relation/relations/join_inner": "pass"}}))
    args = ["--source", "cases", "--cases", cases, "--report", str(tmp_path / "rep")]
    args += ["--engine", f"duckdb,{adapter}", "--baseline", str(base)]
    res = runner.invoke(conformance, [*args, "--filter", "relations/join_inner"])
    assert res.exit_code == 0, res.output
    assert "datafusion-1p: 1/1 pass" in res.output
    doc = json.loads((tmp_path / "rep" / "matrix.json").read_text())
    assert {(r["engine"], r["status"]) for r in doc["results"]} == {
        ("duckdb", PASS),
        ("datafusion-1p", PASS),
    }
    assert "datafusion-1p" in (tmp_path / "rep" / "matrix.html").read_text()
    # a case that passed in the baseline and fails now is a regression: exit 1
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "w.cases.json").write_text(
        json.dumps(
            {
                "defaults": {
                    "module": str(ROOT / "conformance" / "cases" / "relation" / "relations.py"),
                    "tables": {"t": str(ROOT / "conformance" / "cases" / "data" / "t.parquet")},
                },
                "cases": {"filter_compare": {"expected": {"sql": "SELECT * FROM t WHERE a > 25"}}},
            }
        )
    )
    base.write_text(json.dumps({"datafusion-1p": {"cases/w/filter_compare": "pass"}}))
    args[3] = str(wrong)
    res = runner.invoke(conformance, args)
    assert res.exit_code == 1 and "1 regressions" in res.output
    assert "datafusion-1p: cases/w/filter_compare: now fail" in res.output


def test_adapter_loading_errors() -> None:
    adapter = load_adapter(f"{USER_ADAPTER}:adapter")
    assert isinstance(adapter, EngineAdapter) and adapter.name == "datafusion-1p"
    with pytest.raises(TypeError, match="not an engine adapter"):
        load_adapter("json:dumps")


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


def test_engine_limited_to_sources() -> None:
    from planbridge.conformance.runner import run

    cases = [_virtual_case(Expected(pa.table({"x": [1, 2]})))]
    engines = [PlanbridgeEngine("duckdb"), PlanbridgeEngine("datafusion")]
    out = run(cases, engines, only={"datafusion": ("interop",)})
    assert [(r.engine, r.status) for r in out.results] == [("duckdb", PASS)]
    out = run(cases, engines, only={"datafusion": ("x", "interop")})
    assert [r.engine for r in out.results] == ["duckdb", "datafusion"]


def test_cli_usage_errors() -> None:
    from planbridge.cli.conformance import conformance

    runner = CliRunner()
    res = runner.invoke(conformance, ["--source", "nope"])
    assert (
        res.exit_code == 2 and "unknown nope; choose from cases, interop, functions" in res.output
    )
    res = runner.invoke(conformance, ["--engine", "duckdb@cases+nope"])
    assert res.exit_code == 2 and "--engine: unknown nope" in res.output
    res = runner.invoke(conformance, ["--engine", "no_such_module_x:adapter"])
    assert res.exit_code == 2 and "No module named 'no_such_module_x'" in res.output
