"""The embedded Flink runtime: one JVM per process over py4j, TableEnvironments, Arrow results.

The JVM starts lazily on first use with the jars of ``apache-flink-libraries`` on its
classpath, is reused by every :class:`FlinkSession` of the process and is shut down at exit.
Queries come back as ``pyarrow.Table`` through Flink's own Arrow export
(``ArrowUtils.collectAsPandasDataFrame`` in ``opt/flink-python``), so types are exact
(decimals, timestamps, dates, nulls); a statement ending in a sink returns a
:class:`JobOutcome`.
"""

from __future__ import annotations

import atexit
import os
import re
import shlex
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
from py4j.java_gateway import GatewayParameters, JavaGateway, launch_gateway
from py4j.protocol import Py4JError, Py4JJavaError

from planbridge.engines.flink import jars
from planbridge.engines.flink.errors import FlinkError, exception_chain, from_java
from planbridge.errors import EngineError

Mode = Literal["streaming", "batch"]

_LOG4J = """\
rootLogger.level = {level}
rootLogger.appenderRef.file.ref = FileAppender
appender.file.name = FileAppender
appender.file.type = File
appender.file.fileName = {log}
appender.file.append = false
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{{HH:mm:ss,SSS}} %-5p %c{{1}} - %m%n
"""


@dataclass(frozen=True)
class FlinkConfig:
    """How a :class:`FlinkSession` runs statements.

    ``parallelism`` 1 and a short ``watermark_interval`` make streaming results
    deterministic for tests; ``idle_timeout`` (e.g. ``"1 s"``) sets
    ``table.exec.source.idle-timeout``. ``remote`` = (host, port) submits to a session
    cluster's REST endpoint (``execution.target=remote``). Otherwise jobs run in the JVM: on
    one shared MiniCluster (``shared_cluster``, ~0.4 s per small query) or, with
    ``shared_cluster=False``, on Flink's own per-job MiniCluster (~1.5 s per query).
    ``options`` are passed verbatim.
    """

    mode: Mode = "batch"
    parallelism: int = 1
    watermark_interval: str | None = "200 ms"
    idle_timeout: str | None = None
    local_time_zone: str = "UTC"
    remote: tuple[str, int] | None = None
    shared_cluster: bool = True
    options: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def deterministic(cls, mode: Mode = "streaming", **kw: Any) -> FlinkConfig:
        """Settings under which streaming results are reproducible (used by the tests).

        Parallelism 1 (one ordered reader, one watermark) and a watermark interval of 0,
        which makes Flink emit the watermark after every row instead of on a timer, so
        which rows are late depends only on the input order.
        """
        return cls(mode=mode, parallelism=1, watermark_interval="0 ms", **kw)

    def to_options(self) -> dict[str, str]:
        """The Flink configuration keys this config sets."""
        opts = {
            "execution.runtime-mode": self.mode.upper(),
            "parallelism.default": str(self.parallelism),
            "table.local-time-zone": self.local_time_zone,
        }
        if self.watermark_interval is not None:
            opts["pipeline.auto-watermark-interval"] = self.watermark_interval
        if self.idle_timeout is not None:
            opts["table.exec.source.idle-timeout"] = self.idle_timeout
        if self.remote is not None:
            opts["execution.target"] = "remote"
            opts["rest.address"] = self.remote[0]
            opts["rest.port"] = str(self.remote[1])
        opts.update(self.options)
        return opts


@dataclass(frozen=True)
class JobOutcome:
    """What a statement ending in a sink (``INSERT INTO``) produced."""

    job_id: str
    status: str
    seconds: float


# ---------------------------------------------------------------------------------------
# The process-wide JVM
# ---------------------------------------------------------------------------------------
class _Jvm:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.gateway: JavaGateway | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.workdir: tempfile.TemporaryDirectory[str] | None = None
        self.startup_seconds: float | None = None
        self.logs: list[Any] = []
        self.mini_cluster: Any = None
        self.mini_cluster_port: int | None = None


_JVM = _Jvm()


def jvm_log_dir() -> Path | None:
    """Directory holding the embedded JVM's Flink log and stdout/stderr, if started."""
    return Path(_JVM.workdir.name) if _JVM.workdir else None


def jvm_startup_seconds() -> float | None:
    """Seconds the JVM took to start and answer py4j (``None`` before it starts)."""
    return _JVM.startup_seconds


def _java_opts(log_dir: Path) -> list[str]:
    conf = log_dir / "log4j2.properties"
    level = os.environ.get("PLANBRIDGE_FLINK_LOG_LEVEL", "WARN")
    conf.write_text(_LOG4J.format(level=level, log=log_dir / "flink.log"))
    heap = os.environ.get("PLANBRIDGE_FLINK_HEAP", "1g")
    opts = [
        *jars.JAVA_MODULE_OPTS,
        f"-Xmx{heap}",
        "-XX:+UseSerialGC",
        f"-Dlog4j.configurationFile={conf}",
        f"-Dlog.file={log_dir / 'flink.log'}",
        f"-Djava.io.tmpdir={log_dir}",
    ]
    return opts + shlex.split(os.environ.get("PLANBRIDGE_FLINK_JAVA_OPTS", ""))


def _extra_jars() -> tuple[str, ...]:
    """Connector/format jars from ``PLANBRIDGE_FLINK_JARS`` (``os.pathsep``-separated)."""
    return tuple(p for p in os.environ.get("PLANBRIDGE_FLINK_JARS", "").split(os.pathsep) if p)


def jvm_gateway() -> JavaGateway:
    """The py4j gateway to this process's Flink JVM, starting it on first call."""
    with _JVM.lock:
        if _JVM.gateway is not None:
            return _JVM.gateway
        java = jars.find_java()
        workdir = tempfile.TemporaryDirectory(prefix="planbridge-flink-")
        log_dir = Path(workdir.name)
        start = time.perf_counter()
        try:
            out = open(log_dir / "jvm.out", "w")
            err = open(log_dir / "jvm.err", "w")
            port, token, proc = launch_gateway(
                classpath=os.pathsep.join(jars.classpath(_extra_jars())),
                jarpath=str(jars.py4j_jar()),
                javaopts=_java_opts(log_dir),
                java_path=java,
                die_on_exit=True,
                redirect_stdout=out,
                redirect_stderr=err,
                enable_auth=True,
                return_proc=True,
            )
            gateway = JavaGateway(
                gateway_parameters=GatewayParameters(
                    port=port, auth_token=token, auto_convert=True, auto_close=True
                )
            )
            gateway.jvm.java.lang.System.getProperty("java.version")
        except (OSError, Py4JError) as exc:
            workdir.cleanup()
            raise EngineError(f"could not start the Flink JVM ({java}): {exc}") from exc
        _JVM.startup_seconds = time.perf_counter() - start
        _JVM.gateway, _JVM.proc, _JVM.workdir, _JVM.logs = gateway, proc, workdir, [out, err]
        return gateway


MINI_CLUSTER_SLOTS = 4


def shared_mini_cluster_port() -> int:
    """REST port of the MiniCluster inside the JVM that embedded sessions share (lazy).

    One long-lived MiniCluster (one TaskManager, ``MINI_CLUSTER_SLOTS`` slots, loopback)
    avoids starting a new one for every job, as Flink's local executor does.
    """
    with _JVM.lock:
        if _JVM.mini_cluster_port is not None:
            return _JVM.mini_cluster_port
        jvm = jvm_gateway().jvm
        runtime = jvm.org.apache.flink.runtime.minicluster
        conf = jvm.org.apache.flink.configuration.Configuration.fromMap(
            {
                "rest.address": "127.0.0.1",
                "rest.bind-address": "127.0.0.1",
                "rest.port": "0",
                "taskmanager.memory.managed.size": "256m",
            }
        )
        cfg = (
            runtime.MiniClusterConfiguration.Builder()
            .setConfiguration(conf)
            .setNumTaskManagers(1)
            .setNumSlotsPerTaskManager(MINI_CLUSTER_SLOTS)
            .build()
        )
        cluster = runtime.MiniCluster(cfg)
        try:
            cluster.start()
            port = int(cluster.getRestAddress().get().getPort())
        except Py4JJavaError as exc:
            raise from_java(exc.java_exception) from None
        _JVM.mini_cluster, _JVM.mini_cluster_port = cluster, port
        return port


def shutdown_jvm() -> None:
    """Stop the JVM (idempotent; registered with :mod:`atexit`)."""
    with _JVM.lock:
        gateway, proc, workdir = _JVM.gateway, _JVM.proc, _JVM.workdir
        if _JVM.mini_cluster is not None:
            try:
                _JVM.mini_cluster.close().get()
            except Exception:  # stopping anyway
                pass
            _JVM.mini_cluster = _JVM.mini_cluster_port = None
        _JVM.gateway = _JVM.proc = _JVM.workdir = None
        if gateway is not None:
            try:
                gateway.shutdown()
            except Exception:  # the JVM may already be gone
                pass
        if proc is not None:
            try:
                if proc.stdin:
                    proc.stdin.close()  # die_on_exit: the server exits when stdin closes
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait(timeout=10)
        for log in _JVM.logs:
            log.close()
        _JVM.logs = []
        if workdir is not None:
            workdir.cleanup()


atexit.register(shutdown_jvm)


# ---------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------
_QUERY = re.compile(r"^\s*(?:\(\s*)*(SELECT|WITH|VALUES|TABLE)\b", re.IGNORECASE)
_SINK = re.compile(r"^\s*(INSERT|EXECUTE\s+STATEMENT\s+SET|BEGIN\s+STATEMENT\s+SET)\b", re.I)
_LTZ = "TIMESTAMP_WITH_LOCAL_TIME_ZONE"


def statement_kind(sql: str) -> Literal["query", "sink", "other"]:
    """Whether ``sql`` is a query (rows back), a sink (a job) or anything else (DDL, SET)."""
    if _QUERY.match(_strip_comments(sql)):
        return "query"
    if _SINK.match(_strip_comments(sql)):
        return "sink"
    return "other"


def _strip_comments(sql: str) -> str:
    return re.sub(r"(?m)^\s*--[^\n]*\n", "", sql)


class FlinkSession:
    """A Flink ``TableEnvironment`` in the shared JVM, configured by a :class:`FlinkConfig`."""

    def __init__(self, config: FlinkConfig | None = None, arrow_batch_rows: int = 65536) -> None:
        self.config = config or FlinkConfig()
        self.arrow_batch_rows = arrow_batch_rows
        self._tenv: Any = None
        self._jobs: dict[str, Any] = {}

    # -- setup ---------------------------------------------------------------------------
    @property
    def jvm(self) -> Any:
        """The py4j JVM view (``jvm.org.apache.flink...``)."""
        return jvm_gateway().jvm

    @property
    def tenv(self) -> Any:
        """The Java ``TableEnvironment`` (created on first use)."""
        if self._tenv is None:
            jvm = self.jvm
            options = self.config.to_options()
            if self.config.remote is None and self.config.shared_cluster:
                options.update(
                    {
                        "execution.target": "remote",
                        "rest.address": "127.0.0.1",
                        "rest.port": str(shared_mini_cluster_port()),
                    }
                )
            conf = jvm.org.apache.flink.configuration.Configuration.fromMap(options)
            builder = jvm.org.apache.flink.table.api.EnvironmentSettings.newInstance()
            streaming = self.config.mode == "streaming"
            builder = builder.inStreamingMode() if streaming else builder.inBatchMode()
            settings = builder.withConfiguration(conf).build()
            try:
                self._tenv = jvm.org.apache.flink.table.api.TableEnvironment.create(settings)
            except Py4JJavaError as exc:
                raise from_java(exc.java_exception) from None
        return self._tenv

    # -- statements ----------------------------------------------------------------------
    def execute(
        self, sql: str, sql_paths: Mapping[str, str] | None = None, wait: bool = True
    ) -> pa.Table | JobOutcome | None:
        """Run one statement: a query gives a table, a sink a :class:`JobOutcome`, DDL None.

        Statements with content (``SHOW``, ``DESCRIBE``, ``EXPLAIN``) give a table of strings.
        """
        kind = statement_kind(sql)
        if kind == "query":
            return self.query(sql, sql_paths)
        if kind == "sink":
            return self.insert(sql, sql_paths, wait=wait)
        result = self._call(lambda: self.tenv.executeSql(sql), sql, sql_paths)
        if str(result.getResultKind().name()) != "SUCCESS_WITH_CONTENT":
            return None
        return self._call(lambda: _content_table(result), sql, sql_paths)

    def run(
        self,
        statements: Sequence[str],
        sql_paths: Mapping[str, str] | None = None,
        wait: bool = True,
    ) -> pa.Table | JobOutcome | None:
        """Run statements in order; trailing ``INSERT``s run as one job. Returns the last result."""
        statements = list(statements)
        n_sinks = 0
        while n_sinks < len(statements) and statement_kind(statements[-1 - n_sinks]) == "sink":
            n_sinks += 1
        head = statements[: len(statements) - n_sinks] if n_sinks > 1 else statements
        result: pa.Table | JobOutcome | None = None
        for sql in head:
            result = self.execute(sql, sql_paths, wait=wait)
        if n_sinks > 1:
            result = self.insert(statements[-n_sinks:], sql_paths, wait=wait)
        return result

    def query(self, sql: str, sql_paths: Mapping[str, str] | None = None) -> pa.Table:
        """Run a query and return its rows as a ``pyarrow.Table`` with exact types."""
        table = self._call(lambda: self.tenv.sqlQuery(sql), sql, sql_paths)
        return self._call(lambda: self._collect(table), sql, sql_paths, running=True)

    def insert(
        self,
        sql: str | Sequence[str],
        sql_paths: Mapping[str, str] | None = None,
        wait: bool = True,
    ) -> JobOutcome:
        """Run ``INSERT INTO`` statement(s) as one job; wait for it unless ``wait`` is False."""
        stmts = [sql] if isinstance(sql, str) else list(sql)
        text = ";\n".join(stmts)
        start = time.perf_counter()

        def submit() -> Any:
            if len(stmts) == 1:
                return self.tenv.executeSql(stmts[0])
            stmt_set = self.tenv.createStatementSet()
            for s in stmts:
                stmt_set.addInsertSql(s)
            return stmt_set.execute()

        result = self._call(submit, text, sql_paths)
        client = result.getJobClient()
        if not client.isPresent():
            return JobOutcome("", "FINISHED", time.perf_counter() - start)
        client = client.get()
        job_id = str(client.getJobID().toString())
        if not wait:
            self._jobs[job_id] = client
            return JobOutcome(job_id, self.job_status(job_id), time.perf_counter() - start)
        self._call(lambda: client.getJobExecutionResult().get(), text, sql_paths, running=True)
        return JobOutcome(job_id, "FINISHED", time.perf_counter() - start)

    def job_status(self, job_id: str) -> str:
        """Status (``RUNNING``, ``FINISHED``, ``CANCELED``...) of a job started with ``wait=False``."""
        client = self._jobs[job_id]
        try:
            return str(self._call(lambda: client.getJobStatus().get().toString(), "", None))
        except FlinkError:
            # An embedded job's MiniCluster is gone once the job ends: ask its result.
            return self._final_status(client)

    def _final_status(self, client: Any) -> str:
        try:
            client.getJobExecutionResult().get()
            return "FINISHED"
        except Py4JJavaError as exc:
            names = " ".join(c for c, _ in exception_chain(exc.java_exception))
            return "CANCELED" if "JobCancellationException" in names else "FAILED"

    def cancel(self, job_id: str) -> str:
        """Cancel a job started with ``wait=False``; waits for it to end, returns its status."""
        client = self._jobs.pop(job_id)
        self._call(lambda: client.cancel().get(), "", None)
        return self._final_status(client)

    def explain(self, sql: str) -> str:
        """Flink's ``EXPLAIN`` text for a statement (plans, no execution)."""
        table = self.execute(f"EXPLAIN {sql}")
        assert isinstance(table, pa.Table)
        return "\n".join(str(v) for v in table.column(0).to_pylist())

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _call(fn: Any, sql: str, sql_paths: Mapping[str, str] | None, running: bool = False) -> Any:
        try:
            return fn()
        except Py4JJavaError as exc:
            raise from_java(exc.java_exception, sql, sql_paths, running=running) from None
        except Py4JError as exc:
            raise FlinkError(f"call into the Flink JVM failed: {exc}") from exc

    def _arrow_schema(self, row_type: Any) -> pa.Schema:
        jvm = self.jvm
        arrow = jvm.org.apache.flink.api.python.shaded.org.apache.arrow
        java_schema = jvm.org.apache.flink.table.runtime.arrow.ArrowUtils.toArrowSchema(row_type)
        buf = jvm.java.io.ByteArrayOutputStream()
        channel = arrow.vector.ipc.WriteChannel(jvm.java.nio.channels.Channels.newChannel(buf))
        arrow.vector.ipc.message.MessageSerializer.serialize(channel, java_schema)
        return pa.ipc.read_schema(pa.py_buffer(bytes(buf.toByteArray())))

    def _collect(self, table: Any) -> pa.Table:
        jvm = self.jvm
        row_type = table.getResolvedSchema().toSourceRowDataType().getLogicalType()
        schema = self._arrow_schema(row_type)
        it = jvm.org.apache.flink.table.runtime.arrow.ArrowUtils.collectAsPandasDataFrame(
            table, self.arrow_batch_rows
        )
        # One Arrow IPC stream, cut into chunks (the first holds the schema message).
        chunks: list[bytes] = []
        while it.hasNext():
            chunks.append(bytes(it.next()))
        if chunks:
            with pa.ipc.open_stream(pa.py_buffer(b"".join(chunks))) as reader:
                result = reader.read_all()
            result = result.cast(schema) if result.schema != schema else result
        else:
            result = schema.empty_table()
        # TIMESTAMP_LTZ values are instants: Flink writes epoch values, so they are UTC.
        fields = row_type.getFields()
        for i in range(fields.size()):
            root = str(fields.get(i).getType().getTypeRoot().name())
            if root == _LTZ:
                col = result.column(i)
                utc = pa.timestamp(col.type.unit, tz="UTC")
                result = result.set_column(i, result.field(i).with_type(utc), col.cast(utc))
        return result


def _content_table(result: Any) -> pa.Table:
    """The rows of a ``SHOW``/``DESCRIBE``/``EXPLAIN`` result, every column as strings."""
    names = [str(n) for n in result.getResolvedSchema().getColumnNames()]
    columns: list[list[str | None]] = [[] for _ in names]
    rows = result.collect()
    try:
        while rows.hasNext():
            row = rows.next()
            for i, col in enumerate(columns):
                value = row.getField(i)
                col.append(None if value is None else str(value))
    finally:
        rows.close()
    return pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)})
