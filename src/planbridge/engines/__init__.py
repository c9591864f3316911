"""Engines that run bound plans: DuckDB (default), DataFusion, Flink.

``ENGINES`` maps an engine name to ``"module:Class"``; modules load lazily so that using
DuckDB never imports DataFusion or starts a JVM.
"""

from __future__ import annotations

import importlib
from typing import Any

from planbridge.errors import PlanError

ENGINES: dict[str, str] = {
    "duckdb": "planbridge.engines.duckdb.engine:DuckDBEngine",
    "datafusion": "planbridge.engines.datafusion.engine:DataFusionEngine",
    "flink": "planbridge.engines.flink.engine:FlinkEngine",
}


def engine_class(name: str) -> Any:
    """The engine class registered under ``name``; a PlanError lists the known ones."""
    target = ENGINES.get(name.lower())
    if target is None:
        raise PlanError(f"unknown engine {name!r}; choose one of {', '.join(sorted(ENGINES))}")
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)


def explain_query(bound: Any, engine: str) -> str:
    """The query ``engine`` would run for a bound plan (tables shown by their plan names)."""
    cls = engine_class(engine)
    explain = getattr(cls, "explain_query", None)
    if explain is not None:
        return explain(bound)
    return cls.translator().sql(bound, pretty=True)
