"""Case source over a cases directory in planbridge's own format (``conformance/cases``).

A case is a ``*.case.json`` file (format in docs/conformance.md)::

    {"plan": "q_plan.json" | "pipeline": "build.py:build",
     "tables": {"nation": "tpch:nation@0.01", "t": "data/t.parquet", "u": {"a": [1, 2]}},
     "expected": {"sql": "SELECT ... FROM nation"} | {"rows": [[1]]},
     "ordered": false, "float_tolerance": 1e-9, "producer": "planbridge", "notes": "..."}
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pyarrow as pa

from planbridge.conformance.case import Case, CaseSetupError, Expected, project_root
from planbridge.conformance.compare import sql_is_ordered
from planbridge.conformance.duck import run_sql
from planbridge.plan import Plan
from planbridge.testing.tpch import default_cache_dir, write_declared

CASE_GLOB = "*.case.json"


def default_cases_dir() -> Path:
    return project_root() / "conformance" / "cases"


def _table(spec: object, base: Path) -> object:
    if isinstance(spec, dict):
        return pa.table(spec)
    if isinstance(spec, str) and spec.startswith("tpch:"):
        name, _, scale = spec[5:].partition("@")
        sf = float(scale or 0.01)
        return write_declared(sf, default_cache_dir() / "tpch-declared" / f"sf{sf:g}")[name]
    path = (base / str(spec)).resolve()
    if not path.exists():
        raise CaseSetupError(f"table file {path} not found")
    return path


def _load_plan(spec: dict, base: Path) -> Plan:
    if "plan" in spec:
        return Plan.load(base / spec["plan"])
    if "pipeline" in spec:
        file, _, func = spec["pipeline"].partition(":")
        module_spec = importlib.util.spec_from_file_location(
            f"_pb_case_{Path(file).stem}", base / file
        )
        if module_spec is None or module_spec.loader is None:
            raise CaseSetupError(f"cannot import {file}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        obj = getattr(module, func or "build")()
        return obj if isinstance(obj, Plan) else obj.to_plan()
    raise CaseSetupError("case has neither 'plan' nor 'pipeline'")


class LocalSource:
    """Cases from a directory of ``*.case.json`` files."""

    name = "cases"

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else default_cases_dir()

    def available(self) -> str | None:
        return None if self.root.is_dir() else f"cases directory {self.root} not found"

    def cases(self) -> list[Case]:
        out = []
        for path in sorted(self.root.rglob(CASE_GLOB)) if self.root.is_dir() else []:
            spec = json.loads(path.read_text(encoding="utf-8"))
            rel = path.relative_to(self.root).as_posix().removesuffix(".case.json")
            out.append(
                Case(
                    id=f"cases/{rel}",
                    source="cases",
                    feature=rel,
                    producer=spec.get("producer", "planbridge"),
                    plan=lambda s=spec, p=path: _load_plan(s, p.parent),
                    tables=lambda s=spec, p=path: self._tables(s, p.parent),
                    expected=lambda s=spec, p=path: self._expected(s, p.parent),
                    notes=spec.get("notes", ""),
                )
            )
        return out

    def _tables(self, spec: dict, base: Path) -> dict[str, object]:
        return {n: _table(v, base) for n, v in spec.get("tables", {}).items()}

    def _expected(self, spec: dict, base: Path) -> Expected:
        exp = spec.get("expected", {})
        tol = float(spec.get("float_tolerance", 1e-9))
        if "sql" in exp:
            try:
                table = run_sql(exp["sql"], self._tables(spec, base))
            except Exception as exc:
                raise CaseSetupError(f"expected SQL failed on DuckDB: {exc}") from None
            ordered = spec.get("ordered", sql_is_ordered(exp["sql"]))
            return Expected(table=table, ordered=ordered, rel_tol=tol)
        if "rows" in exp:
            rows = exp["rows"]
            ncols = len(rows[0]) if rows else len(exp.get("columns", []))
            names = exp.get("columns") or [f"c{i}" for i in range(ncols)]
            table = pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
            return Expected(table=table, ordered=bool(spec.get("ordered", False)), rel_tol=tol)
        if "error" in exp:
            return Expected(error="ERROR")
        raise CaseSetupError("case has no expected sql, rows or error")
