"""Flink-specific errors, all :class:`planbridge.errors.EngineError` (hence ``PlanError``)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from planbridge.errors import EngineError


class JavaNotFoundError(EngineError):
    """No usable Java (11 or newer) was found in ``JAVA_HOME`` or on ``PATH``."""


class FlinkError(EngineError):
    """Flink rejected or failed a statement; ``java_class`` names the Java exception."""

    def __init__(self, reason: str, path: str = "", java_class: str = "") -> None:
        super().__init__(reason, path)
        self.java_class = java_class

    def at(self, prefix: str) -> FlinkError:
        err = super().at(prefix)
        assert isinstance(err, FlinkError)
        err.java_class = self.java_class
        return err


class FlinkSqlError(FlinkError):
    """Flink could not parse, validate or plan a SQL statement."""


class FlinkJobError(FlinkError):
    """A Flink job started but failed while running."""


_SQL_CLASSES = (
    "org.apache.flink.table.api.ValidationException",
    "org.apache.flink.table.api.SqlParserException",
    "org.apache.flink.table.api.TableException",
    "org.apache.flink.sql.parser.impl.ParseException",
    "org.apache.calcite.",
)
_POSITION = re.compile(r"(?:From line|line) (\d+), column (\d+)(?: to line (\d+), column (\d+))?")


def exception_chain(java_exc: object) -> list[tuple[str, str]]:
    """(class name, message) for an exception and its causes, outermost first."""
    out: list[tuple[str, str]] = []
    seen = 0
    exc = java_exc
    while exc is not None and seen < 20:
        seen += 1
        name = str(exc.getClass().getName())  # type: ignore[attr-defined]
        msg = exc.getMessage()  # type: ignore[attr-defined]
        out.append((name, "" if msg is None else str(msg)))
        exc = exc.getCause()  # type: ignore[attr-defined]
    return out


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _span(statement: str, message: str) -> tuple[int, int] | None:
    """Character offsets in ``statement`` of the 'line L, column C' span Calcite reports."""
    m = _POSITION.search(message)
    if not m:
        return None
    lines = statement.split("\n")

    def offset(line: int, col: int) -> int:
        return sum(len(x) + 1 for x in lines[: line - 1]) + col - 1

    start = offset(int(m[1]), int(m[2]))
    end = offset(int(m[3]), int(m[4])) + 1 if m[3] else start + 1
    return start, end


def locate(statement: str, message: str, sql_paths: Mapping[str, str] | None) -> str:
    """The plan path of the smallest mapped SQL fragment holding the error, else ''.

    ``sql_paths`` maps SQL text (whole statements or fragments of them) to the plan path of
    the planbridge relation that produced it.
    """
    if not sql_paths:
        return ""
    span = _span(statement, message)
    best: tuple[int, str] | None = None
    for fragment, path in sql_paths.items():
        pos = statement.find(fragment)
        while pos >= 0:
            end = pos + len(fragment)
            inside = span is None or (pos <= span[0] and span[1] <= end)
            if inside and (span is not None or fragment.strip() == statement.strip()):
                if best is None or len(fragment) < best[0]:
                    best = (len(fragment), path)
            pos = statement.find(fragment, pos + 1)
    if best is None and statement in sql_paths:
        return sql_paths[statement]
    return best[1] if best else ""


def from_java(
    java_exc: object,
    statement: str = "",
    sql_paths: Mapping[str, str] | None = None,
    running: bool = False,
) -> FlinkError:
    """A summarized :class:`FlinkError` for a Java exception thrown by Flink.

    The reason is the outermost message's first line plus the root cause; SQL problems
    (parse/validation/planning) become :class:`FlinkSqlError`, anything else
    :class:`FlinkJobError` when ``running`` (collecting or awaiting a job).
    """
    chain = exception_chain(java_exc)
    top_cls, top_msg = chain[0] if chain else ("java.lang.Throwable", "")
    root_cls, root_msg = chain[-1] if chain else (top_cls, top_msg)
    is_job = any("JobExecutionException" in c or "JobException" in c for c, _ in chain)
    is_sql = not is_job and any(c.startswith(_SQL_CLASSES) for c, _ in chain)
    running = running or is_job
    # Calcite puts the useful text ("Column 'x' not found ...") in the deepest message.
    reason = _first_line(top_msg) or top_cls
    root_line = _first_line(root_msg)
    if root_line and root_line not in reason:
        reason = f"{reason} (caused by {root_cls.rsplit('.', 1)[-1]}: {root_line})"
    kind = "Flink SQL error" if is_sql else ("Flink job failed" if running else "Flink error")
    path = ""
    for _, msg in chain:
        path = locate(statement, msg, sql_paths) if statement else ""
        if path:
            break
    cls = FlinkSqlError if is_sql else FlinkJobError if running else FlinkError
    return cls(f"{kind}: {reason}", path, java_class=top_cls)
