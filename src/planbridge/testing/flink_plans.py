"""Flink's ``EXPLAIN`` reduced to its operator tree, to compare the physical plans of two
queries that name their columns differently (planbridge's ``c0 ..`` vs a hand-written
query's own names).

Each optimized-plan line keeps its depth in the tree, the operator, and the attributes that
name no field: join type, window kinds, exchange distribution kind, and whether the node is
reused elsewhere (``reuse_id``); column lists, expressions and aliases are dropped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

_SECTION = "== Optimized Execution Plan =="
_LINE = re.compile(r"^([\s:|+\-]*)([A-Za-z]+)\((.*)$")
_WINDOW = re.compile(r"\b(window|leftWindow|rightWindow)=\[([A-Z]+)\(")


def optimized_plan(explain: str) -> str:
    """The ``Optimized Execution Plan`` section of Flink's EXPLAIN text."""
    if _SECTION not in explain:
        raise ValueError("not Flink EXPLAIN output: no optimized execution plan section")
    return explain.split(_SECTION, 1)[1].strip()


def operator_tree(explain: str) -> list[str]:
    """One line per operator: indentation (tree depth), name and field-free attributes."""
    out = []
    for line in optimized_plan(explain).splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        indent, name, rest = m.groups()
        attrs = [f"{k}={v}" for k, v in _WINDOW.findall(rest)]
        join = re.search(r"\bjoinType=\[(\w+)\]", rest)
        if join:
            attrs.append(f"joinType={join[1]}")
        dist = re.search(r"\bdistribution=\[(\w+)", rest)
        if dist:
            attrs.append(f"distribution={dist[1]}")
        if "(reuse_id=[" in rest:
            attrs.append("reused")
        out.append(" " * len(indent) + name + (f" [{', '.join(attrs)}]" if attrs else ""))
    return out


def tree_diff(ours: str, theirs: str, labels: tuple[str, str] = ("theirs", "ours")) -> list[str]:
    """Unified diff of two EXPLAIN outputs' operator trees (empty when they are the same)."""
    a, b = operator_tree(theirs), operator_tree(ours)
    return list(difflib.unified_diff(a, b, labels[0], labels[1], lineterm=""))


def declare_plan(session: Any, plan: Any, tables: Mapping[str, Any]) -> str:
    """Translate a Substrait plan for ``session`` (declaring its source tables there) and
    return its query's Flink SQL, ready to EXPLAIN or run in that session."""
    from planbridge.engines.flink.engine import FlinkEngine
    from planbridge.execute import bind

    engine = FlinkEngine(session)
    sql = engine.query(bind(plan, "flink"), tables)
    assert engine.statements is not None
    for ddl, _ in engine.statements.ddl_sql():
        session.execute(ddl)
    return sql
