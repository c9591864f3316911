"""The translator's side passes walk only the fields that can hold nodes: over the TPC-H
plans of every producer in the corpus, they see every relation and expression a walk over
every field of every dataclass sees."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

from planbridge.consumer import ir
from planbridge.consumer.bind import bind_plan
from planbridge.engines.sql.nodes import all_nodes, walked_fields
from planbridge.plan import Plan

TPCH = (
    Path(__file__).resolve().parents[2] / "shared/interop/consumer-testing/plans/integration/tpch"
)
PLANS = sorted(TPCH.glob("*_plan.json"))


def every_node(root: object) -> list[object]:
    """Every relation and expression inside ``root``, through every field of every dataclass."""
    out, stack = [], [root]
    while stack:
        v = stack.pop()
        if isinstance(v, tuple | list):
            stack.extend(v)
        elif is_dataclass(v) and not isinstance(v, type):
            if isinstance(v, ir.Rel | ir.Expr | ir.Measure | ir.SortField | ir.WindowBound):
                out.append(v)
            stack.extend(getattr(v, f.name) for f in fields(v))
    return out


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_all_nodes_sees_every_node(path: Path) -> None:
    root = bind_plan(Plan.load(path)).root
    assert {id(n) for n in all_nodes(root)} == {id(n) for n in every_node(root)}


def test_walked_fields_follow_annotations() -> None:
    assert walked_fields(ir.SingularOrList) == ("value", "options")
    assert walked_fields(ir.WindowBound) == ("offset",)  # int | Expr | None
    assert walked_fields(ir.Literal) == ()  # a Python value, never a node
    assert walked_fields(ir.Join) == ("left", "right", "condition", "post_join_filter")
    assert walked_fields(ir.Column) is None
