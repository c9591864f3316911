"""One running query on the server: the engine works in its own thread and hands Arrow
batches over a small queue, so time limits, result-size limits and cancellation apply
whatever the engine, and a slow client holds back at most a few batches of memory."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pyarrow as pa

from planbridge.errors import EngineError, PlanError
from planbridge.execute import execute_batches
from planbridge.plan import Plan

QUEUE_BATCHES = 4
POLL_SECONDS = 0.1


class QueryStopped(Exception):
    """The query was cancelled or ran out of time; ``timed_out`` tells which."""

    def __init__(self, message: str, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out


def _interruptible_connection(engine: str) -> tuple[Any, Callable[[], None] | None]:
    """A connection the server can interrupt mid-query, for engines that offer one.

    DuckDB's also has its own file access switched off: data reaches it only as Arrow
    datasets the catalog opened or the roots allowed (defence in depth behind the checks).
    """
    if engine == "duckdb":
        import duckdb

        conn = duckdb.connect(config={"enable_external_access": False})
        return conn, conn.interrupt
    return None, None


class Query:
    """A plan executing in a worker thread; read its ``schema()`` then its ``batches()``."""

    def __init__(
        self,
        plan: Plan,
        engine: str,
        tables: Mapping[str, Any],
        timeout: float,
        max_result_bytes: int,
        on_done: Callable[[Query], None],
    ) -> None:
        self.plan = plan
        self.engine = engine
        self.tables = tables
        self.timeout = timeout
        self.max_result_bytes = max_result_bytes
        self.deadline = time.monotonic() + timeout
        self._on_done = on_done
        self._items: queue.Queue[tuple[str, Any]] = queue.Queue(QUEUE_BATCHES)
        self._stop = threading.Event()
        self._stop_reason: QueryStopped | None = None
        self._interrupt: Callable[[], None] | None = None
        self._schema: pa.Schema | None = None
        self.finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name="planbridge-query", daemon=True)

    def begin(self) -> Query:
        """Start the engine's work (the deadline counts from construction)."""
        self._thread.start()
        return self

    # -- worker ----------------------------------------------------------------------------
    def _put(self, item: tuple[str, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        conn, self._interrupt = _interruptible_connection(self.engine)
        reader = None
        try:
            reader = execute_batches(self.plan, self.engine, self.tables, connection=conn)
            if not self._put(("schema", reader.schema)):
                return
            size = 0
            for batch in reader:
                size += batch.nbytes
                if size > self.max_result_bytes:
                    raise PlanError(
                        f"the result is larger than this server's limit of "
                        f"{self.max_result_bytes} bytes (--max-result-bytes)"
                    )
                if not self._put(("batch", batch)):
                    return
            self._put(("end", None))
        except PlanError as exc:
            self._put(("error", exc))
        except Exception as exc:
            if not self._stop.is_set():
                self._put(("error", EngineError(f"{self.engine} failed: {exc}")))
        finally:
            self._interrupt = None
            if reader is not None:
                try:
                    reader.close()
                except Exception:
                    pass
            if conn is not None:
                conn.close()
            self.finished.set()
            self._on_done(self)

    # -- control ---------------------------------------------------------------------------
    def stop(self, message: str, timed_out: bool = False) -> None:
        """Cancel: the engine is interrupted where it can be, readers get QueryStopped."""
        if self._stop.is_set():
            return
        self._stop_reason = QueryStopped(message, timed_out)
        self._stop.set()
        interrupt = self._interrupt
        if interrupt is not None:
            try:
                interrupt()
            except Exception:
                pass

    def expired(self) -> bool:
        return time.monotonic() > self.deadline

    def _next(self, cancelled: Callable[[], bool]) -> tuple[str, Any]:
        while True:
            if self._stop_reason is not None:
                raise self._stop_reason
            if cancelled():
                self.stop("the client cancelled the query")
                raise self._stop_reason  # type: ignore[misc]
            if self.expired():
                self.stop(
                    f"the query ran longer than this server's limit of {self.timeout:g} s "
                    f"(--query-timeout)",
                    timed_out=True,
                )
                raise self._stop_reason  # type: ignore[misc]
            try:
                kind, value = self._items.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if kind == "error":
                raise value
            return kind, value

    def schema(self, cancelled: Callable[[], bool] = lambda: False) -> pa.Schema:
        """The result schema, once the engine has planned the query."""
        if self._schema is None:
            kind, value = self._next(cancelled)
            assert kind == "schema"
            self._schema = value
        return self._schema

    def batches(self, cancelled: Callable[[], bool] = lambda: False) -> Iterator[pa.RecordBatch]:
        """The result's batches; raises PlanError, or QueryStopped on cancel or timeout."""
        self.schema(cancelled)
        try:
            while True:
                kind, value = self._next(cancelled)
                if kind == "end":
                    return
                yield value
        finally:
            if not self.finished.is_set():
                self.stop("the client stopped reading the result")
