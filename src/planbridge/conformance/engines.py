"""Engine adapters: the few methods the runner needs from an engine.

An adapter is any object with ``name``, ``unavailable()`` and ``run(plan, tables)``; see
:class:`EngineAdapter`. Built-in adapters call :func:`planbridge.execute`; point the command at
your own with ``--engine module:factory`` (or ``path/to/file.py:factory``).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from planbridge.plan import Plan


@runtime_checkable
class EngineAdapter(Protocol):
    """What an engine must implement to be run by the conformance suite."""

    name: str

    def unavailable(self) -> str | None:
        """Why the engine cannot run here (missing package, no cluster), or None."""

    def run(self, plan: Plan, tables: Mapping[str, Any]) -> pa.Table:
        """Execute ``plan`` over ``tables`` ({name: pyarrow.Table | path}); return the result.

        Raise :class:`planbridge.errors.UnsupportedError` for features the engine lacks and
        another :class:`planbridge.errors.PlanError` for other failures.
        """


def _execute_fn():
    try:
        mod = importlib.import_module("planbridge.execute")
        fn = getattr(mod, "execute", None)
        if callable(fn):
            return fn
    except ImportError:
        pass
    import planbridge

    fn = getattr(planbridge, "execute", None)
    if not callable(fn):
        raise ImportError("planbridge.execute is not available (cannot import name 'execute')")
    return fn


class PlanbridgeEngine:
    """An engine reached through ``planbridge.execute(plan, engine=name, tables=...)``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._why: tuple[str | None] | None = None

    def unavailable(self) -> str | None:
        """The engine is unavailable when planbridge does not know it or its module does not
        import, or when its class says so (an optional ``unavailable()`` classmethod, e.g. no
        Java for Flink). Checked once per run."""
        if self._why is None:
            self._why = (self._check(),)
        return self._why[0]

    def _check(self) -> str | None:
        from planbridge.engines import engine_class
        from planbridge.errors import PlanError

        try:
            cls = engine_class(self.name)
        except (PlanError, ImportError) as exc:
            return str(exc).strip().splitlines()[0]
        probe = getattr(cls, "unavailable", None)
        return probe() if callable(probe) else None

    def run(self, plan: Plan, tables: Mapping[str, Any]) -> pa.Table:
        result = _execute_fn()(plan, engine=self.name, tables=dict(tables))
        if isinstance(result, pa.RecordBatchReader):
            result = result.read_all()
        return result


def _import(module: str) -> ModuleType:
    """Import a module by dotted name, or a Python file by path."""
    if not module.endswith(".py"):
        return importlib.import_module(module)
    path = Path(module).resolve()
    spec = importlib.util.spec_from_file_location(f"_pb_adapter_{path.stem}", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ImportError(f"cannot import adapter file {module}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_adapter(spec: str) -> EngineAdapter:
    """``duckdb``/``datafusion``/``flink``, ``datafusion-native`` (DataFusion's own consumer, a
    yardstick), ``module:factory`` or ``path/to/file.py:factory`` (a callable returning an
    adapter, or the adapter itself)."""
    if ":" in spec:
        module, _, attr = spec.rpartition(":")
        obj = getattr(_import(module), attr or "adapter")
        try:
            adapter = obj() if callable(obj) and not isinstance(obj, EngineAdapter) else obj
        except TypeError as exc:
            raise TypeError(f"{spec} is not an engine adapter factory: {exc}") from None
        if not isinstance(adapter, EngineAdapter):
            raise TypeError(f"{spec} is not an engine adapter (needs name, unavailable, run)")
        return adapter
    if spec == "datafusion-native":
        from planbridge.conformance.native import NativeDataFusion

        return NativeDataFusion()
    return PlanbridgeEngine(spec)
