"""Run cases on engines: status per (case, engine), plus cross-engine agreement."""

from __future__ import annotations

import fnmatch
import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import pyarrow as pa

from planbridge.conformance.case import (
    CRASH,
    DIFFERS,
    ERROR,
    FAIL,
    INVALID,
    PASS,
    UNSUPPORTED,
    Case,
    CaseSetupError,
    Expected,
)
from planbridge.conformance.compare import compare_tables, format_diff, values_equal
from planbridge.conformance.engines import EngineAdapter
from planbridge.errors import PlanError, PlanReadError, UnsupportedError

KEEP_ROWS = 200_000  # results larger than this are not kept for cross-engine diffs


@dataclass
class Result:
    """The outcome of one case on one engine."""

    case: str
    source: str
    feature: str
    producer: str
    engine: str
    status: str
    reason: str = ""
    diff: str = ""
    seconds: float = 0.0
    notes: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Disagreement:
    """Two engines returned different results for one case (a row-level diff)."""

    case: str
    engines: tuple[str, str]
    diff: str


@dataclass
class RunOutput:
    results: list[Result] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)


def select(cases: Iterable[Case], filters: Sequence[str] = ()) -> list[Case]:
    """Cases whose id matches any filter (glob when it has ``*?[``, else substring)."""
    out = []
    for c in cases:
        if not filters or any(
            fnmatch.fnmatch(c.id, f) if any(ch in f for ch in "*?[") else f in c.id for f in filters
        ):
            out.append(c)
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:500]


def _check(expected: Expected, actual: pa.Table) -> tuple[str, str, str]:
    if expected.error == "UNDEFINED":
        return PASS, "spec leaves the result undefined", ""
    if expected.error == "ERROR":
        status = DIFFERS if expected.semantics else FAIL
        return (
            status,
            f"returned a value where the spec requires an error [{expected.semantics}]",
            "",
        )
    assert expected.table is not None
    if (
        expected.table.num_rows == 1
        and expected.table.num_columns == 1
        and expected.ordered
        and actual.num_rows == 1
        and actual.num_columns == 1
    ):
        e, a = expected.table.column(0)[0].as_py(), actual.column(0)[0].as_py()
        if values_equal(e, a, expected.rel_tol):
            return PASS, "", ""
        status = DIFFERS if expected.semantics else FAIL
        sem = f" [{expected.semantics}]" if expected.semantics else ""
        return status, f"value differs{sem}", f"- expected: {e!r}\n+ actual: {a!r}"
    cmp = compare_tables(expected.table, actual, ordered=expected.ordered, rel_tol=expected.rel_tol)
    if cmp.ok:
        return PASS, "", ""
    return (DIFFERS if expected.semantics else FAIL), cmp.reason, format_diff(cmp)


def _checked(expected: Expected, actual: object) -> tuple[str, str, str]:
    """Compare, treating a result that is not a valid Arrow table as a crash."""
    if not isinstance(actual, pa.Table):
        return CRASH, f"engine returned a {type(actual).__name__}, not a pyarrow.Table", ""
    try:
        actual.validate(full=True)
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        return CRASH, f"engine returned invalid Arrow data: {_first_line(exc)}", ""
    try:
        return _check(expected, actual)
    except Exception as exc:  # a comparison that cannot read the values
        return CRASH, f"result could not be compared: {_first_line(exc)}", ""


def run_case(
    case: Case, engines: Sequence[EngineAdapter]
) -> tuple[list[Result], list[Disagreement]]:
    """Run one case on every engine; compare each with the expectation and with each other."""
    base = dict(
        case=case.id,
        source=case.source,
        feature=case.feature,
        producer=case.producer,
        notes=case.notes,
    )
    try:
        expected = case.expected()
        plan = case.plan()
        tables = case.tables()
    except CaseSetupError as exc:
        return [Result(**base, engine=e.name, status=INVALID, reason=str(exc)) for e in engines], []
    except PlanReadError as exc:
        return [
            Result(**base, engine=e.name, status=ERROR, reason=f"plan unreadable: {exc.reason}")
            for e in engines
        ], []
    except Exception as exc:
        return [
            Result(**base, engine=e.name, status=INVALID, reason=_first_line(exc)) for e in engines
        ], []
    results: list[Result] = []
    actuals: dict[str, pa.Table] = {}
    for engine in engines:
        why = engine.unavailable()
        if why:
            results.append(
                Result(
                    **base,
                    engine=engine.name,
                    status=UNSUPPORTED,
                    reason=f"engine unavailable: {why}",
                )
            )
            continue
        start = time.perf_counter()
        try:
            actual = engine.run(plan, tables)
        except UnsupportedError as exc:
            status, reason, diff = UNSUPPORTED, _first_line(exc), ""
        except PlanError as exc:
            if expected.error:
                status, reason, diff = PASS, f"raised as the spec requires: {_first_line(exc)}", ""
            else:
                status, reason, diff = ERROR, _first_line(exc), ""
        except ImportError as exc:
            status, reason, diff = ERROR, _first_line(exc), ""
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            status, reason, diff = CRASH, _first_line(exc), ""
        else:
            status, reason, diff = _checked(expected, actual)
            if status != CRASH and actual.num_rows <= KEEP_ROWS:
                actuals[engine.name] = actual
        results.append(
            Result(
                **base,
                engine=engine.name,
                status=status,
                reason=reason,
                diff=diff,
                seconds=round(time.perf_counter() - start, 4),
            )
        )
    return results, _agreement(case, actuals)


def _agreement(case: Case, actuals: dict[str, pa.Table]) -> list[Disagreement]:
    names = sorted(actuals)
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            cmp = compare_tables(actuals[a], actuals[b], ordered=False)
            if not cmp.ok:
                cmp.reason = re.sub(
                    r"^(\d+) (rows|columns), expected (\d+)$",
                    rf"{b}: \1 \2, {a}: \3 \2",
                    cmp.reason,
                )
                out.append(Disagreement(case.id, (a, b), format_diff(cmp, a, b)))
    return out


def run(
    cases: Sequence[Case],
    engines: Sequence[EngineAdapter],
    progress: Callable[[Case], None] | None = None,
    only: Mapping[str, Collection[str]] | None = None,
) -> RunOutput:
    """Run ``cases`` on ``engines`` (in one process; an engine that aborts the process aborts
    the run). ``only`` limits an engine (by name) to cases of the given sources."""
    out = RunOutput()
    for case in cases:
        chosen = [e for e in engines if not only or case.source in only.get(e.name, (case.source,))]
        results, disagreements = run_case(case, chosen)
        out.results += results
        out.disagreements += disagreements
        if progress:
            progress(case)
    return out


__all__ = [
    "CRASH",
    "DIFFERS",
    "ERROR",
    "FAIL",
    "INVALID",
    "PASS",
    "UNSUPPORTED",
    "Disagreement",
    "Result",
    "RunOutput",
    "run",
    "run_case",
    "select",
]
