"""The case model every source produces and the runner consumes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from planbridge.plan import Plan

Tables = Mapping[str, "pa.Table | Path"]

# Result statuses, in the matrix's order.
PASS = "pass"  # result equals the expectation
FAIL = "fail"  # ran, wrong result
DIFFERS = "differs"  # ran, result differs from the spec where the spec pins semantics (overflow, rounding)
UNSUPPORTED = "unsupported"  # planbridge/engine raised UnsupportedError
ERROR = "error"  # any other error (PlanError, engine error, ImportError of a missing engine)
CRASH = "crash"  # a non-PlanError exception escaped (a bug)
INVALID = "invalid"  # the case itself could not be prepared (expected SQL failed, missing data)
STATUSES = (PASS, FAIL, DIFFERS, UNSUPPORTED, ERROR, CRASH, INVALID)


@dataclass
class Expected:
    """What a case must produce: a table, or an error / undefined outcome (function tests)."""

    table: pa.Table | None = None
    ordered: bool = False
    error: str = ""  # "ERROR": the spec requires an error; "UNDEFINED": anything goes
    semantics: str = ""  # e.g. "overflow:ERROR"; a mismatch is DIFFERS rather than FAIL
    rel_tol: float = 1e-9


@dataclass
class Case:
    """One pipeline with its input data and expected result.

    ``feature`` is the matrix row (several producers' plans share a feature); ``plan`` and
    ``expected`` are lazy so listing cases is cheap.
    """

    id: str
    source: str
    feature: str
    producer: str
    plan: Callable[[], Plan]
    tables: Callable[[], dict[str, Any]]
    expected: Callable[[], Expected]
    notes: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


class CaseSetupError(Exception):
    """The case cannot be prepared (status ``invalid``); the message says why."""


def project_root() -> Path:
    """The planbridge checkout: the current directory when it holds ``conformance/``, else
    the source tree this module was loaded from (an editable install)."""
    cwd = Path.cwd()
    if (cwd / "conformance").is_dir():
        return cwd
    return Path(__file__).resolve().parents[3]
