"""A standalone Flink session cluster on this machine, from the same jars as the embedded JVM.

A JobManager (``StandaloneSessionClusterEntrypoint``) and one TaskManager
(``TaskManagerRunner``, memory flags from ``BashJavaUtils GET_TM_RESOURCE_PARAMS``) run as
child processes with a config dir written to a temp dir, bound to loopback by default.
Submit to it with ``FlinkConfig(remote=cluster.address)``.
"""

from __future__ import annotations

import atexit
import json
import os
import shlex
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from planbridge.engines.flink import jars
from planbridge.errors import EngineError

JOB_MANAGER = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint"
TASK_MANAGER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner"
BASH_JAVA_UTILS = "org.apache.flink.runtime.util.bash.BashJavaUtils"
_RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:"

_LOG4J = """\
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.fileName = ${sys:log.file}
appender.main.append = false
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
"""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class SessionCluster:
    """A Flink standalone session cluster (one JobManager, one TaskManager) on ``host``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. ``options`` are extra
    Flink configuration keys written into the cluster's ``config.yaml``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        slots: int = 1,
        work_dir: str | Path | None = None,
        jm_memory: str = "640m",
        tm_memory: str = "1024m",
        options: dict[str, str] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.host = host
        self.slots = slots
        self.jm_memory = jm_memory
        self.tm_memory = tm_memory
        self.options = dict(options or {})
        self.startup_timeout = startup_timeout
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.work_dir = Path(work_dir) if work_dir else None
        self.rest_port = 0
        self.procs: list[subprocess.Popen[bytes]] = []
        self.startup_seconds: float | None = None

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def address(self) -> tuple[str, int]:
        """(host, REST port) to pass as ``FlinkConfig(remote=...)``."""
        return (self.host, self.rest_port)

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self.rest_port}"

    def start(self) -> SessionCluster:
        """Write the config, start JobManager and TaskManager, wait for a registered slot."""
        if self.running():
            return self
        self.procs = []
        begin = time.perf_counter()
        java = jars.find_java()
        if self.work_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="planbridge-flink-cluster-")
            self.work_dir = Path(self._tmp.name)
        conf_dir = self.work_dir / "conf"
        log_dir = self.work_dir / "log"
        for d in (conf_dir, log_dir, self.work_dir / "tmp"):
            d.mkdir(parents=True, exist_ok=True)
        self.rest_port = free_port(self.host)
        self._write_config(conf_dir, free_port(self.host))
        cp = os.pathsep.join(jars.lib_classpath())
        try:
            jm_jvm, jm_dyn = self._resource_params(java, conf_dir, "GET_JM_RESOURCE_PARAMS")
            self._spawn(java, jm_jvm, cp, JOB_MANAGER, conf_dir, jm_dyn, log_dir / "jobmanager")
            tm_jvm, tm_dyn = self._resource_params(java, conf_dir, "GET_TM_RESOURCE_PARAMS")
            self._spawn(java, tm_jvm, cp, TASK_MANAGER, conf_dir, tm_dyn, log_dir / "taskmanager")
            self._wait_ready(log_dir)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - begin
        atexit.register(self.stop)  # never leave daemons behind a normal interpreter exit
        return self

    def stop(self, timeout: float = 20.0) -> None:
        """Stop TaskManager then JobManager (SIGTERM, then SIGKILL after ``timeout``)."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        atexit.unregister(self.stop)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
            self.work_dir = None

    def running(self) -> bool:
        """Whether any of the cluster's processes is still alive."""
        return any(p.poll() is None for p in self.procs)

    def __enter__(self) -> SessionCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- REST ----------------------------------------------------------------------------
    def rest(self, path: str) -> Any:
        """GET a JSON document from the cluster's REST API (``/overview``, ``/jobs``...)."""
        with urllib.request.urlopen(self.rest_url + path, timeout=5) as resp:
            return json.load(resp)

    def finished_jobs(self) -> int:
        """Number of jobs the cluster has finished."""
        return int(self.rest("/overview")["jobs-finished"])

    # -- internals -----------------------------------------------------------------------
    def _write_config(self, conf_dir: Path, rpc_port: int) -> None:
        assert self.work_dir is not None
        conf = {
            "jobmanager.rpc.address": self.host,
            "jobmanager.rpc.port": str(rpc_port),
            "jobmanager.bind-host": self.host,
            "jobmanager.memory.process.size": self.jm_memory,
            "rest.address": self.host,
            "rest.bind-address": self.host,
            "rest.port": str(self.rest_port),
            "taskmanager.host": self.host,
            "taskmanager.bind-host": self.host,
            "taskmanager.numberOfTaskSlots": str(self.slots),
            "taskmanager.memory.process.size": self.tm_memory,
            "parallelism.default": "1",
            "io.tmp.dirs": str(self.work_dir / "tmp"),
            "blob.server.port": "0",
            "taskmanager.rpc.port": "0",
            "env.java.opts.all": " ".join(jars.JAVA_MODULE_OPTS),
        }
        conf.update(self.options)
        (conf_dir / "config.yaml").write_text(
            "".join(f"{k}: {json.dumps(v)}\n" for k, v in conf.items())
        )
        (conf_dir / "log4j.properties").write_text(_LOG4J)

    @staticmethod
    def _resource_params(java: str, conf_dir: Path, command: str) -> tuple[list[str], list[str]]:
        """(JVM flags, dynamic ``-D key=value`` args) that ``BashJavaUtils`` computes."""
        cp = os.pathsep.join([str(jars.bash_java_utils_jar()), *jars.lib_classpath()])
        out = subprocess.run(
            [java, "-classpath", cp, BASH_JAVA_UTILS, command, "--configDir", str(conf_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        lines = [
            line[len(_RESULT_PREFIX) :]
            for line in (out.stdout + out.stderr).splitlines()
            if line.startswith(_RESULT_PREFIX)
        ]
        if out.returncode != 0 or len(lines) < 2:
            tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-5:])
            raise EngineError(f"BashJavaUtils {command} failed: {tail}")
        return shlex.split(lines[-2]), shlex.split(lines[-1])

    def _spawn(
        self,
        java: str,
        jvm_flags: list[str],
        cp: str,
        main: str,
        conf_dir: Path,
        dynamic: list[str],
        log_base: Path,
    ) -> None:
        cmd = [
            java,
            *jvm_flags,
            *jars.JAVA_MODULE_OPTS,
            "-XX:+UseSerialGC",
            f"-Dlog.file={log_base}.log",
            f"-Dlog4j.configurationFile=file:{conf_dir / 'log4j.properties'}",
            "-classpath",
            cp,
            main,
            "--configDir",
            str(conf_dir),
            *dynamic,
        ]
        out = open(f"{log_base}.out", "wb")
        try:
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        finally:
            out.close()
        self.procs.append(proc)

    def _wait_ready(self, log_dir: Path) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last = ""
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise EngineError(
                        f"a Flink cluster process exited with code {proc.returncode}; "
                        f"see the logs in {log_dir}"
                    )
            try:
                overview = self.rest("/overview")
                if int(overview.get("slots-available", 0)) >= self.slots:
                    return
                last = f"REST up, {overview.get('taskmanagers', 0)} TaskManagers"
            except (OSError, urllib.error.URLError, ValueError) as exc:
                last = str(exc)
            time.sleep(0.25)
        raise EngineError(
            f"the Flink cluster did not become ready in {self.startup_timeout:.0f}s ({last}); "
            f"see the logs in {log_dir}"
        )
