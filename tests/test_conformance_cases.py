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
    for name in STREAMING:
        assert f"cases/streaming/streaming/{name}" in ids, name
    for q in ("q0", "q1", "q2", "q3", "q5", "q7", "q8"):
        assert f"cases/nexmark/nexmark/{q}" in ids, q


STREAMING = (
    "tumble_aggregate",
    "hop_aggregate",
    "cumulate_aggregate",
    "session_global",
    "session_per_key",
    "window_top_n",
    "window_dedup_first",
    "window_join",
    "interval_join",
    "over_time_range",
    "over_row_count",
    "dedup_first",
    "dedup_last",
    "replay_tumble_late",
    "replay_hop_late",
)


def test_streaming_cases_agree_with_flink() -> None:
    """The streaming cases on Flink (natively, in streaming mode) pass like the batch engines
    (their lowered form): the cross-engine check that the lowering reproduces Flink."""
    engine = PlanbridgeEngine("flink")
    why = engine.unavailable()
    cases = [
        c for c in LocalSource(ROOT / "conformance" / "cases").cases() if "/streaming/" in c.id
    ]
    out = run(cases, [engine])
    if why:  # no JVM here: every case says so, none fails
        assert {r.reason for r in out.results} == {f"engine unavailable: {why}"}
        return
    baseline = _baseline().get("flink", {})
    bad = [
        f"{r.case}: {r.status} {r.reason}\n{r.diff}"
        for r in out.results
        if r.status != PASS and baseline.get(r.case) == PASS
    ]
    assert bad == []
    assert sum(r.status == PASS for r in out.results) >= 15


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
