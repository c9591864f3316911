"""planbridge's own conformance cases (conformance/cases) on DuckDB and DataFusion.

Every case runs on both engines (a few seconds; the TPC-H cases are run by
tests/test_tpch_queries.py). A case that passes in the committed
baseline must still pass; a case that does not must give the same kind of outcome with a
reason (an engine's known gap is asserted, not skipped). The full suite with the interop
corpus and the function tests is ``planbridge conformance``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from planbridge.conformance import LocalSource, PlanbridgeEngine
from planbridge.conformance.case import PASS
from planbridge.conformance.runner import Result, run

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("duckdb", "datafusion")


@functools.cache
def _results() -> dict[tuple[str, str], Result]:
    # the TPC-H cases are left to tests/test_tpch_queries.py (same queries, same truth)
    cases = [c for c in LocalSource(ROOT / "conformance" / "cases").cases() if "/tpch/" not in c.id]
    out = run(cases, [PlanbridgeEngine(e) for e in ENGINES])
    return {(r.engine, r.case): r for r in out.results}


def _baseline() -> dict[str, dict[str, str]]:
    return json.loads((ROOT / "conformance" / "baseline.json").read_text(encoding="utf-8"))


def test_every_relation_and_function_family_has_cases() -> None:
    ids = {case for _, case in _results()}
    for prefix in (
        "read_",
        "filter_",
        "project_",
        "aggregate_",
        "sort_",
        "fetch_",
        "join_",
        "cross",
        "set_",
        "window_",
        "reference_",
    ):
        assert any(i.startswith(f"cases/relation/relations/{prefix}") for i in ids), prefix
    for name in (
        "add",
        "decimal_add",
        "boolean_and_or",
        "comparisons",
        "concat",
        "extract_date",
        "round_",
        "logarithms",
        "aggregate_generic_count",
        "aggregate_approx_count_distinct",
        "list_cardinality",
    ):
        assert f"cases/function/functions/{name}" in ids, name
    for name in ("cast_numeric", "if_then", "switch", "in_list", "scalar_subquery"):
        assert f"cases/expression/expressions/{name}" in ids, name
    assert sum(i.startswith("cases/api/api/") for i in ids) >= 8


def test_tpch_cases_point_at_the_api_queries() -> None:
    cases = [c for c in LocalSource(ROOT / "conformance" / "cases").cases() if "/tpch/" in c.id]
    assert [c.id for c in cases] == [f"cases/tpch/tpch/q{i:02d}" for i in range(1, 23)]
    plan = cases[0].plan()  # compiled from conformance/tpch/q01.py like `planbridge compile`
    assert plan.proto.relations[-1].root.names[0] == "l_returnflag"


@pytest.mark.parametrize("engine", ENGINES)
def test_cases_hold_the_baseline(engine: str) -> None:
    baseline = _baseline().get(engine, {})
    problems = []
    for (eng, case), r in sorted(_results().items()):
        if eng != engine:
            continue
        want = baseline.get(case)
        if r.status != PASS and not r.reason:
            problems.append(f"{case}: {r.status} without a reason")
        if want is None:
            problems.append(f"{case}: not in conformance/baseline.json (run --update-baseline)")
        elif r.status != PASS and r.status != want:
            problems.append(f"{case}: baseline {want}, now {r.status}: {r.reason}\n{r.diff}")
    assert problems == []
    assert sum(r.status == PASS for (e, _), r in _results().items() if e == engine) >= 100
