"""Case source over the Substrait function tests (``../shared/substrait-function-tests``).

Each scalar or single-column aggregate test case becomes a one-call plan (:mod:`funcplan`); the expectation is the
test's literal result. Cases whose result is ``<!ERROR>`` pass when the engine raises a
PlanError; ``<!UNDEFINED>`` passes with any outcome. A wrong value on a case that pins an
option (``[overflow:...]``, ``[rounding:...]``) is recorded as ``differs``, not hidden.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa

from planbridge.conformance.case import Case, CaseSetupError, Expected, project_root
from planbridge.conformance.funcplan import HarnessUnsupported, build_plan, python_value
from planbridge.conformance.functest import FuncCase, parse_file


def default_functions_dir() -> Path:
    """``$PLANBRIDGE_FUNCTION_TESTS`` or ``<repo>/../shared/substrait-function-tests``."""
    env = os.environ.get("PLANBRIDGE_FUNCTION_TESTS")
    if env:
        return Path(env)
    return project_root().parent / "shared" / "substrait-function-tests"


def _expected(fc: FuncCase) -> Expected:
    sem = ",".join(f"{k}:{v}" for k, v in fc.options)
    if fc.result is None:
        return Expected(error=fc.error, semantics=sem)
    try:
        value = python_value(fc.result)
    except HarnessUnsupported as exc:
        raise CaseSetupError(f"harness: {exc}") from None
    tol = 1e-6 if "fp32" in fc.result.type else 1e-9
    if value is None:
        table = pa.table({"result": pa.array([None], pa.null())})
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 2**63:
        table = pa.table({"result": pa.array([value], pa.uint64())})  # a u64 beyond int64
    else:
        table = pa.table({"result": pa.array([value])})
    return Expected(table=table, ordered=True, semantics=sem, rel_tol=tol)


def _plan(fc: FuncCase):
    try:
        return build_plan(fc)
    except HarnessUnsupported as exc:
        raise CaseSetupError(f"harness: {exc}") from None


class FunctionTestSource:
    """One case per scalar or single-column aggregate test; the rest are counted, not run."""

    name = "functions"

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else default_functions_dir()
        self.not_translated = 0

    def available(self) -> str | None:
        if self.root.is_dir():
            return None
        return (
            f"function tests not found at {self.root} (expected "
            "../shared/substrait-function-tests; set PLANBRIDGE_FUNCTION_TESTS)"
        )

    def cases(self) -> list[Case]:
        out: list[Case] = []
        if not self.root.is_dir():
            return out
        for path in sorted(self.root.rglob("*.test")):
            parsed = parse_file(path)
            self.not_translated += parsed.other
            area = path.relative_to(self.root).parent.as_posix()
            for i, fc in enumerate(parsed.cases):
                feature = f"{area}/{path.stem}/{fc.function}"
                out.append(
                    Case(
                        id=f"functions/{area}/{path.stem}#{i + 1}",
                        source="functions",
                        feature=feature,
                        producer="function-tests",
                        plan=lambda fc=fc: _plan(fc),
                        tables=dict,
                        expected=lambda fc=fc: _expected(fc),
                        notes=f"{path.name}:{fc.line} [{fc.group}] {fc.text}",
                    )
                )
        return out
