"""Fuzzing: mutated corpus plans never raise anything but PlanError through decode/bind/validate."""

from __future__ import annotations

import json
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


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
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
