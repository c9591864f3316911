"""The conformance suite: case sources, engine adapters, comparison, runner and reports.

Entry points: :func:`default_sources`, :func:`planbridge.conformance.runner.run`,
:func:`planbridge.conformance.report.write_reports`; the command is ``planbridge conformance``.
"""

from __future__ import annotations

from pathlib import Path

from planbridge.conformance.case import Case, Expected
from planbridge.conformance.engines import EngineAdapter, PlanbridgeEngine, load_adapter
from planbridge.conformance.functions import FunctionTestSource
from planbridge.conformance.interop import InteropSource
from planbridge.conformance.local import LocalSource

SOURCES = ("cases", "interop", "functions")


def default_sources(cases_dir: Path | None = None, include: tuple[str, ...] = SOURCES) -> list:
    """The case sources: local cases, the interop corpus, the function tests."""
    out: list = []
    if "cases" in include:
        out.append(LocalSource(cases_dir))
    if "interop" in include:
        out.append(InteropSource())
    if "functions" in include:
        out.append(FunctionTestSource())
    return out


__all__ = [
    "Case",
    "EngineAdapter",
    "Expected",
    "FunctionTestSource",
    "InteropSource",
    "LocalSource",
    "PlanbridgeEngine",
    "default_sources",
    "load_adapter",
]
