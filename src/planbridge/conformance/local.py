"""Case source over a cases directory in planbridge's own format (``conformance/cases``).

A case is a ``*.case.json`` file, or one entry of a ``*.cases.json`` file holding many cases
that share defaults (format in docs/conformance.md)::

    {"plan": "q_plan.json" | "pipeline": "build.py:build",
     "tables": {"nation": "tpch:nation@0.01", "bid": "nexmark:bid@events=1000",
                "t": "data/t.parquet", "u": {"a": [1, 2]}},
     "expected": {"sql": "SELECT ... FROM nation"} | {"rows": [[1]]},
     "ordered": false, "float_tolerance": 1e-9, "producer": "planbridge", "notes": "..."}
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pyarrow.compute as pc

from planbridge.conformance.case import Case, CaseSetupError, Expected, project_root
from planbridge.conformance.compare import sql_is_ordered
from planbridge.conformance.duck import run_sql
from planbridge.plan import Plan
from planbridge.testing.tpch import default_cache_dir, write_declared

CASE_GLOB = "*.case.json"
MULTI_GLOB = "*.cases.json"
NEXMARK_TABLES = ("person", "auction", "bid", "event")


def default_cases_dir() -> Path:
    return project_root() / "conformance" / "cases"


@functools.cache
def _nexmark_events(options: tuple[tuple[str, str], ...]) -> pa.Table:
    try:
        from planbridge.testing.nexmark import NexmarkConfig, events_table
    except ImportError as exc:
        raise CaseSetupError(f"nexmark: the generator cannot be imported: {exc}") from None

    fields = {f.name: f.type for f in dataclasses.fields(NexmarkConfig)}
    changes: dict[str, object] = {}
    for key, value in options:
        if key not in fields or fields[key] not in ("int", "float", int, float):
            raise CaseSetupError(f"nexmark: unknown option {key!r}")
        changes[key] = float(value) if fields[key] in ("float", float) else int(value)
    return events_table(NexmarkConfig().with_(**changes))


def _nexmark(spec: str) -> pa.Table:
    """``nexmark:<person|auction|bid|event>@events=1000,seed=0``: generated Nexmark data."""
    name, _, opts = spec.partition("@")
    if name not in NEXMARK_TABLES:
        raise CaseSetupError(f"nexmark: unknown table {name!r} ({', '.join(NEXMARK_TABLES)})")
    options = tuple(sorted(tuple(o.split("=", 1)) for o in opts.split(",") if "=" in o))
    events = _nexmark_events(options)
    if name == "event":
        return events
    from planbridge.testing.nexmark import VIEWS

    _, kind, cols = next(v for v in VIEWS if v[0] == name)
    rows = events.filter(pc.equal(events["event_type"], kind))
    return pa.table({col: rows[src] for col, src in cols})


def _table(spec: object, base: Path) -> object:
    if isinstance(spec, dict):
        return pa.table(spec)
    if isinstance(spec, str) and spec.startswith("nexmark:"):
        return _nexmark(spec[8:])
    if isinstance(spec, str) and spec.startswith("tpch:"):
        name, _, scale = spec[5:].partition("@")
        sf = float(scale or 0.01)
        return write_declared(sf, default_cache_dir() / "tpch-declared" / f"sf{sf:g}")[name]
    path = (base / str(spec)).resolve()
    if not path.exists():
        raise CaseSetupError(f"table file {path} not found")
    return path


@functools.cache
def _module(path: Path) -> ModuleType:
    """Import a pipeline file once per run (many cases share one file)."""
    module_spec = importlib.util.spec_from_file_location(f"_pb_case_{path.stem}", path)
    if module_spec is None or module_spec.loader is None:
        raise CaseSetupError(f"cannot import {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def _load_plan(spec: dict, base: Path) -> Plan:
    if "plan" in spec:
        return Plan.load(base / spec["plan"])
    if "pipeline" in spec:
        file, _, func = spec["pipeline"].partition(":")
        path = (base / file).resolve()
        if not func:  # a pipeline file defining `plan`, as `planbridge compile` runs it
            from planbridge.cli.compile import compile_file

            return compile_file(path)
        builder = getattr(_module(path), func, None)
        if builder is None:
            raise CaseSetupError(f"{file} has no function {func!r}")
        obj = builder()
        if isinstance(obj, Plan):
            return obj
        to_plan = getattr(obj, "to_substrait", None) or getattr(obj, "to_plan", None)
        if to_plan is None:
            raise CaseSetupError(f"{file}:{func} returned a {type(obj).__name__}, not a plan")
        return to_plan()
    raise CaseSetupError("case has neither 'plan' nor 'pipeline'")


def _entries(path: Path, root: Path) -> list[tuple[str, dict]]:
    """``(case path, spec)`` for a ``*.case.json`` or each case of a ``*.cases.json``."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    rel = path.relative_to(root).as_posix()
    if rel.endswith(".case.json"):
        return [(rel.removesuffix(".case.json"), doc)]
    defaults = doc.get("defaults", {})
    out = []
    for name, case in doc.get("cases", {}).items():
        spec = {**defaults, **case}
        spec["tables"] = {**defaults.get("tables", {}), **case.get("tables", {})}
        if "plan" not in spec and "pipeline" not in spec and "module" in spec:
            spec["pipeline"] = f"{spec['module']}:{name}"
        out.append((f"{rel.removesuffix('.cases.json')}/{name}", spec))
    return out


class LocalSource:
    """Cases from a directory of ``*.case.json`` files."""

    name = "cases"

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else default_cases_dir()

    def available(self) -> str | None:
        return None if self.root.is_dir() else f"cases directory {self.root} not found"

    def cases(self) -> list[Case]:
        out = []
        paths = sorted([*self.root.rglob(CASE_GLOB), *self.root.rglob(MULTI_GLOB)])
        entries = [e for path in paths for e in ((path, x) for x in _entries(path, self.root))]
        for path, (rel, spec) in sorted(entries, key=lambda e: e[1][0]):
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
                    tags=tuple(spec.get("tags", ())),
                )
            )
        return out

    def _tables(self, spec: dict, base: Path) -> dict[str, object]:
        return {n: _table(v, base) for n, v in spec.get("tables", {}).items()}

    def _expected(self, spec: dict, base: Path) -> Expected:
        exp = spec.get("expected", {})
        tol = float(spec.get("float_tolerance", 1e-9))
        if "sql_file" in exp:
            exp = {**exp, "sql": (base / exp["sql_file"]).read_text(encoding="utf-8")}
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
