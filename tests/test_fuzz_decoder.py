"""Fuzzing: mutated corpus plans never raise anything but PlanError through decode/bind/validate."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planbridge.consumer.bind import bind_plan
from planbridge.errors import PlanError
from planbridge.plan import Plan
from planbridge.validate import validate_plan

SEEDS = [
    Path("/work/shared/interop/ibis-substrait-tpch") / f"tpc_h{n:02d}.json" for n in (1, 3, 17, 22)
]
DOCS = [json.loads(p.read_text()) for p in SEEDS]
BINARIES = [Plan.load(p).to_bytes() for p in SEEDS]


def _nodes(doc: Any, out: list[tuple[Any, Any]]) -> None:
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.append((doc, k))
            _nodes(v, out)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.append((doc, i))
            _nodes(v, out)


def _mutate(doc: Any, rnd: random.Random, n: int) -> Any:
    doc = json.loads(json.dumps(doc))
    for _ in range(n):
        nodes: list[tuple[Any, Any]] = []
        _nodes(doc, nodes)
        parent, key = rnd.choice(nodes)
        value = parent[key]
        choice = rnd.randrange(4)
        if choice == 0 and isinstance(parent, dict):
            del parent[key]  # drop a message/field
        elif isinstance(value, int) and not isinstance(value, bool):
            parent[key] = rnd.choice([0, 1, -1, value + 1, 2**31, 4294967295])
        elif isinstance(value, str) and value.lstrip("-").isdigit():
            parent[key] = str(rnd.choice([0, -1, 99, 2**40]))
        elif choice == 1 and isinstance(value, dict) and value:
            parent[key] = {}
        elif choice == 2 and isinstance(value, list) and value:
            value.pop(rnd.randrange(len(value)))
        elif isinstance(value, bool):
            parent[key] = not value
    return doc


def _check(data: bytes) -> None:
    try:
        plan = Plan.from_data(data)
    except PlanError:
        return
    try:
        bind_plan(plan)
    except PlanError:
        pass
    validate_plan(plan)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, len(DOCS) - 1), st.integers(0, 2**32), st.integers(1, 4))
def test_mutated_json(which: int, seed: int, n: int) -> None:
    doc = _mutate(DOCS[which], random.Random(seed), n)
    _check(json.dumps(doc).encode())


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, len(BINARIES) - 1), st.data())
def test_mutated_bytes(which: int, data: st.DataObject) -> None:
    raw = bytearray(BINARIES[which])
    cut = data.draw(st.integers(1, len(raw)))
    flips = data.draw(st.lists(st.tuples(st.integers(0, cut - 1), st.integers(0, 255)), max_size=4))
    for pos, byte in flips:
        raw[pos] = byte
    _check(bytes(raw[:cut]))


# -- through translation and execution -------------------------------------------------
_CT = Path("/work/shared/interop/consumer-testing/plans")
ENGINE_SEEDS = [
    _CT / "relation/aggregate/aggregate_with_group_by_rollup-isthmus_plan.json",
    _CT / "relation/aggregate/aggregate_in_subquery-isthmus_plan.json",
    _CT / "relation/fetch/fetch_with_offset-duckdb_plan.json",
    _CT / "relation/filter/where_in-datafusion_plan.json",
    _CT / "relation/filter/where_like-isthmus_plan.json",
    _CT / "integration/tpch/q04-isthmus_plan.json",
    _CT / "integration/tpch/q13-isthmus_plan.json",
    SEEDS[1],
]
ENGINE_DOCS = [json.loads(p.read_text()) for p in ENGINE_SEEDS if p.exists()]


def _feature_docs() -> list[Any]:
    """Plans with lambdas (nested, reading a column) and unsigned-integer literals: kinds of
    node the corpus plans above do not have."""
    from planbridge.conformance.funcplan import build_plan
    from planbridge.conformance.functest import parse_file
    from tests.test_lambdas import PLAN as LAMBDAS

    tests = Path("/work/shared/substrait-function-tests")
    unsigned = parse_file(tests / "arithmetic_unsigned" / "add.test").cases[0]
    lam = parse_file(tests / "list" / "filter.test").cases[0]
    return [json.loads(p.to_json()) for p in (LAMBDAS, build_plan(unsigned), build_plan(lam))]


FEATURE_DOCS = _feature_docs()
DOCS += FEATURE_DOCS
ENGINE_DOCS += FEATURE_DOCS


def _tiny_tables(bound: Any) -> dict[str, Any]:
    """Two rows of zero-ish values per table, typed as the plan declares (cheap to run)."""
    import pyarrow as pa

    from planbridge import types as T
    from planbridge.consumer import ir

    out: dict[str, Any] = {}
    for rel in ir.walk_rels(bound.root):
        if not isinstance(rel, ir.NamedTableRead):
            continue
        cols = {}
        for c in rel.base_schema:
            try:
                t = T.type_to_arrow(c.type)
            except PlanError:
                t = pa.int64()
            cols[c.name] = pa.nulls(2, t) if not pa.types.is_integer(t) else pa.array([0, 1], t)
        out[rel.names[-1]] = pa.table(cols) if cols else pa.table({"x": [0, 1]})
    return out


def _check_engines(doc: Any) -> None:
    from planbridge.engines.datafusion import DataFusionTranslator
    from planbridge.engines.duckdb.engine import DuckDBTranslator
    from planbridge.execute import execute

    try:
        bound = bind_plan(Plan.from_data(json.dumps(doc).encode()))
    except PlanError:
        return
    for translator in (DuckDBTranslator, DataFusionTranslator):
        try:
            translator().sql(bound)
        except PlanError:
            pass
    try:
        tables = _tiny_tables(bound)
    except Exception:  # the data could not be made: nothing to run
        return
    for engine in ("duckdb", "datafusion"):
        try:
            execute(bound.source, engine=engine, tables=tables)
        except PlanError:
            pass


@settings(
    max_examples=int(os.environ.get("PLANBRIDGE_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(st.integers(0, len(ENGINE_DOCS) - 1), st.integers(0, 2**32), st.integers(1, 3))
def test_mutated_plans_translate_and_run_or_raise_plan_errors(
    which: int, seed: int, n: int
) -> None:
    """Decode + bind + translate (both dialects) + execute on tiny data: only PlanError."""
    _check_engines(_mutate(ENGINE_DOCS[which], random.Random(seed), n))
