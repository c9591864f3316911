"""explain: works on every corpus plan and names functions (not anchors)."""

from __future__ import annotations

from pathlib import Path

from planbridge.errors import PlanError
from planbridge.explain import explain_plan
from planbridge.plan import Plan
from tests.test_bind import KNOWN_INVALID

INTEROP = Path("/work/shared/interop")


def test_explain_tpch_q1() -> None:
    text = explain_plan(Plan.load(INTEROP / "ibis-substrait-tpch" / "tpc_h01.json"))
    lines = text.splitlines()
    assert lines[0].startswith("Root [l_returnflag: string?")
    assert "Aggregate" in text and "sum(" in text and "avg(" in text
    assert any(line.startswith("        NamedTableRead lineitem") for line in lines)


def test_explain_every_corpus_plan() -> None:
    paths = sorted((INTEROP / "consumer-testing" / "plans").rglob("*.json"))
    paths += sorted((INTEROP / "ibis-substrait-tpch").glob("*.json"))
    explained = 0
    for path in paths:
        try:
            text = explain_plan(Plan.load(path))
        except PlanError:
            continue  # the known-invalid plans (see test_bind.KNOWN_INVALID)
        assert text.startswith("Root [")
        explained += 1
    assert explained == len(paths) - len(KNOWN_INVALID)
