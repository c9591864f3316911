"""validate: valid plans have no problems; each kind of problem is reported with its path."""

from __future__ import annotations

import json
from pathlib import Path

from planbridge.plan import Plan
from planbridge.validate import validate_plan

SAMPLE = Path("/work/shared/interop/ibis-substrait-tpch/tpc_h01.json")


def test_valid() -> None:
    assert validate_plan(Plan.load(SAMPLE)) == []


def test_dangling_urn_reference() -> None:
    doc = json.loads(SAMPLE.read_text())
    doc["extensions"][0]["extensionFunction"]["extensionUriReference"] = 42
    problems = validate_plan(Plan.from_json(json.dumps(doc)))
    assert problems and problems[0].path == "extensions[0].extension_function"


def test_signature_mismatch() -> None:
    path = Path("/work/shared/interop/consumer-testing/plans/function/rounding")
    plans = sorted(path.glob("round-datafusion_plan.json"))
    assert plans
    problems = validate_plan(Plan.load(plans[0]))
    assert any("round(fp64?, i64) matches no signature" in p.reason for p in problems)
