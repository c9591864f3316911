"""Flink: plans become Flink SQL (DDL for sources and sinks, then a query or an INSERT INTO)
run on the embedded JVM's ``TableEnvironment`` or a session cluster (see docs/flink.md).

``connection`` chooses where and how: a :class:`FlinkSession`, a :class:`FlinkConfig`, or
``"batch"`` / ``"streaming"``; by default a plan with streaming extension relations runs in
streaming mode (deterministic settings: parallelism 1, per-row watermarks), any other plan
in batch mode, each on one session per process.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, ClassVar

import pyarrow as pa
import sqlglot.expressions as exp

from planbridge.consumer import ir
from planbridge.engines.base import SqlEngine
from planbridge.engines.flink.ddl import FlinkSources, drop_table
from planbridge.engines.flink.runtime import FlinkConfig, FlinkSession, JobOutcome
from planbridge.engines.flink.translator import FlinkTranslator
from planbridge.engines.sql.translator import SqlTranslator
from planbridge.errors import PlanError, UnsupportedError

_SESSIONS: dict[str, FlinkSession] = {}
_LOCK = threading.Lock()


def default_session(mode: str) -> FlinkSession:
    """The process's shared session for ``mode`` (created on first use)."""
    with _LOCK:
        if mode not in _SESSIONS:
            config = (
                FlinkConfig.deterministic("streaming")
                if mode == "streaming"
                else FlinkConfig(mode="batch")
            )
            _SESSIONS[mode] = FlinkSession(config)
        return _SESSIONS[mode]


def is_streaming(plan: ir.BoundPlan) -> bool:
    """Whether the plan has windowing relations (Flink runs session windows and replayed
    late rows only in streaming mode). A bare watermark (event time for an over-aggregation
    or interval join) runs in batch mode, where Flink orders OVER windows by any column."""
    from planbridge import streaming

    stack = [plan.root]
    while stack:
        r = stack.pop()
        if isinstance(r, ir.Extension) and streaming.is_streaming(r.detail):
            bare = (streaming.Watermark, streaming.ProcessingTime)  # columns only
            if not isinstance(streaming.decode(r.detail, r.path), bare):
                return True
        stack.extend(r.inputs())
    return False


def refuse_batch_sessions(plan: ir.BoundPlan) -> None:
    """Flink runs session windows in streaming mode only ("Unaligned windows like session
    are not supported in batch mode"): say so, naming the window, before Flink does."""
    from planbridge import streaming

    stack = [plan.root]
    while stack:
        r = stack.pop()
        if isinstance(r, ir.Extension) and streaming.is_streaming(r.detail):
            d = streaming.decode(r.detail, r.path)
            if isinstance(d, streaming.WindowTVF) and d.kind == "session":
                raise UnsupportedError(
                    "Flink runs session windows in streaming mode only: run the plan with "
                    "connection='streaming' (the default for windowed plans), not in batch mode",
                    r.path,
                )
        stack.extend(r.inputs())


def outcome_table(outcome: JobOutcome) -> pa.Table:
    """A sink's job outcome as a one-row table (job_id, status, seconds)."""
    return pa.table(
        {
            "job_id": pa.array([outcome.job_id], pa.string()),
            "status": pa.array([outcome.status], pa.string()),
            "seconds": pa.array([outcome.seconds], pa.float64()),
        }
    )


class FlinkStatements:
    """The Flink SQL for one plan: DDL statements, then the query or ``INSERT INTO``."""

    def __init__(self, translator: FlinkTranslator, sources: FlinkSources) -> None:
        self.translator = translator
        self.sources = sources

    @classmethod
    def build(
        cls, plan: ir.BoundPlan, sources: FlinkSources, streaming: bool = False
    ) -> FlinkStatements:
        out = cls(FlinkTranslator(sources, streaming), sources)
        root = plan.root
        sink = None
        if isinstance(root, ir.Write):
            sink = sources.sink(root)
        query = out.translator.translate(plan)
        if sink is not None:
            query = exp.Insert(
                this=exp.Table(this=exp.to_identifier(sink, quoted=True)), expression=query
            )
        out.query = query
        return out

    query: exp.Expression

    def ddl_sql(self, pretty: bool = False) -> list[tuple[str, str]]:
        dialect = self.translator.dialect
        return [(stmt.sql(dialect=dialect, pretty=pretty), path) for stmt, path in self.sources.ddl]

    def query_sql(self, pretty: bool = False) -> str:
        return self.query.sql(dialect=self.translator.dialect, pretty=pretty)

    def script(self) -> str:
        """Everything as one script to paste into Flink's SQL client."""
        parts = [sql for sql, _ in self.ddl_sql(pretty=True)] + [self.query_sql(pretty=True)]
        return ";\n\n".join(parts) + ";"


class ExplainSources(FlinkSources):
    """Sources for showing the SQL without data: tables keep the plan's names and point at a
    placeholder path to edit."""

    def new_name(self) -> str:
        return self._next_name

    def named_table(self, rel: ir.NamedTableRead) -> Any:
        self._next_name = rel.names[-1]
        path = f"/path/to/{rel.names[-1]}.json"
        return self._bind_value(
            {
                "connector": "filesystem",
                "path": path,
                "format": "json",
            },
            rel,
            ".".join(rel.names),
            ("table", ".".join(rel.names)),
        )

    def local_files(self, rel: ir.LocalFilesRead) -> Any:
        self._next_name = f"files_{len(self.created)}"
        uri = rel.files[0].uri if rel.files else ""
        fmt = rel.files[0].format if rel.files else "json"
        options = {"connector": "filesystem", "path": uri, "format": fmt}
        return self._bind_value(options, rel, uri, ("files", uri))

    def sink(self, rel: ir.Write) -> str:
        self._next_name = rel.names[-1]
        self.tables.setdefault(
            ".".join(rel.names),
            {"connector": "filesystem", "path": f"/path/to/{rel.names[-1]}/", "format": "json"},
        )
        return super().sink(rel)


class FlinkEngine(SqlEngine):
    """Runs a bound plan as Flink SQL on a :class:`FlinkSession`."""

    name: ClassVar[str] = "flink"
    translator: ClassVar[type[SqlTranslator]] = FlinkTranslator
    #: A plan ending in a Write returns its job outcome, not the plan's columns.
    runs_sinks: ClassVar[bool] = True

    def __init__(self, connection: Any | None = None) -> None:
        self.requested = connection
        super().__init__(connection if connection is not None else "auto")
        self.owns_connection = not isinstance(connection, FlinkSession)
        self.statements: FlinkStatements | None = None

    def session_for(self, plan: ir.BoundPlan) -> FlinkSession:
        c = self.requested
        if isinstance(c, FlinkSession):
            return c
        if isinstance(c, FlinkConfig):
            return FlinkSession(c)
        if c in ("batch", "streaming"):
            return default_session(c)
        if c is None:
            return default_session("streaming" if is_streaming(plan) else "batch")
        raise PlanError(
            f"Flink connection must be a FlinkSession, a FlinkConfig, 'batch' or 'streaming', "
            f"not {type(c).__name__}"
        )

    def query(self, plan: ir.BoundPlan, tables: Mapping[str, Any] | None = None) -> str:
        self.connection = self.session_for(plan)
        if self.connection.config.mode == "batch":
            refuse_batch_sessions(plan)
        existing = self.has_table if isinstance(self.requested, FlinkSession) else None
        streaming = self.connection.config.mode == "streaming"
        sources = FlinkSources(tables, existing, watermarks=self.watermarks(plan, streaming))
        self.sources = sources
        self.statements = FlinkStatements.build(plan, sources, streaming)
        return self.statements.query_sql()

    @staticmethod
    def watermarks(plan: ir.BoundPlan, streaming: bool = False) -> dict:
        """Event-time declarations of the plan's sources (streaming extension); in streaming
        mode OVER windows ordered by event time make it the source's time attribute."""
        try:
            from planbridge.engines.flink.streaming import over_watermarks, source_watermarks
        except ImportError:
            return {}
        marks = source_watermarks(plan)
        return over_watermarks(plan, marks) if streaming else marks

    def has_table(self, name: str) -> bool:
        tenv = self.connection.tenv
        names = set(tenv.listTables()) | set(tenv.listViews())
        return name in names

    def run(self, plan: ir.BoundPlan, sql: str) -> pa.RecordBatchReader:
        assert self.statements is not None
        session: FlinkSession = self.connection
        for ddl, path in self.statements.ddl_sql():
            session.execute(ddl, {ddl: path})
        self.registered = list(self.sources.created)
        paths = self.statements.translator.sql_paths(sql)
        paths.setdefault(sql, plan.root.path)
        if isinstance(plan.root, ir.Write):
            outcome = session.insert(sql, paths)
            return pa.RecordBatchReader.from_batches(
                outcome_table(outcome).schema, outcome_table(outcome).to_batches()
            )
        table = session.query(sql, paths)
        hidden = self.statements.translator.hidden
        if hidden:
            table = table.select(list(range(table.num_columns - hidden)))
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())

    def unregister(self, name: str) -> None:
        self.connection.execute(drop_table(name))

    @classmethod
    def explain_query(cls, bound: ir.BoundPlan) -> str:
        """The Flink SQL script for the plan, DDL included, to paste into Flink's SQL client."""
        sources = ExplainSources({}, None, watermarks=cls.watermarks(bound))
        return FlinkStatements.build(bound, sources).script()
