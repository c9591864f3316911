"""The client: ``planbridge.connect("grpc://host:port", token=...)`` speaks Flight SQL to a
``planbridge serve`` server (or any Flight SQL server that runs Substrait plans)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.flight as flight

from planbridge._generated.flight_sql import flight_cancel_pb2 as fc
from planbridge._generated.flight_sql import flight_sql_pb2 as fsql
from planbridge.errors import PlanError
from planbridge.execute import as_plan
from planbridge.service import protocol as P
from planbridge.service.auth import bearer_header


class ServiceError(PlanError):
    """The server could not be reached, refused the call (token, busy), or stopped the query."""


def _plan_bytes(plan: Any) -> bytes:
    """Plan bytes to send: raw bytes go as given (the server checks them)."""
    if isinstance(plan, bytes | bytearray | memoryview):
        return bytes(plan)
    return as_plan(plan).to_bytes()


def _raise(exc: Exception) -> None:
    """Re-raise a Flight/Arrow error from the server as a PlanError subclass."""
    text = str(exc)
    parsed = P.parse_error(text, getattr(exc, "extra_info", None))
    if parsed is not None:
        raise parsed from None
    raise ServiceError(re.split(r"\.? Detail: |\. gRPC client debug", text)[0].strip()) from None


class RemoteQuery:
    """A query the server has started: read its result once, or cancel it."""

    def __init__(self, conn: Connection, info: flight.FlightInfo) -> None:
        self._conn = conn
        self.info = info
        self.schema: pa.Schema = info.schema

    def _readers(self) -> list[Any]:
        """One Flight stream per endpoint (planbridge servers answer with one)."""
        try:
            return [
                self._conn._client.do_get(e.ticket, self._conn._options).to_reader()
                for e in self.info.endpoints
            ]
        except (flight.FlightError, pa.ArrowException, OSError) as exc:
            _raise(exc)
        return []

    def _batches(self) -> Iterator[pa.RecordBatch]:
        try:
            for reader in self._readers():
                yield from reader
        except (flight.FlightError, pa.ArrowException, OSError) as exc:
            _raise(exc)

    def reader(self) -> pa.RecordBatchReader:
        """Stream the result. An error the server reports mid-stream surfaces from this
        reader as a pyarrow error carrying planbridge's message; ``read_all`` and
        ``batches`` raise it as a PlanError."""
        return pa.RecordBatchReader.from_batches(self.schema, self._batches())

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Iterate the result's batches (server errors raise as PlanError subclasses)."""
        return self._batches()

    def read_all(self) -> pa.Table:
        """The whole result as a table (server errors raise as PlanError subclasses)."""
        return pa.Table.from_batches(list(self._batches()), schema=self.schema)

    def cancel(self) -> bool:
        """Ask the server to cancel (Flight's CancelFlightInfo); True when it did."""
        body = fc.CancelFlightInfoRequest(info=self.info.serialize()).SerializeToString()
        results = self._conn._action(P.CANCEL_FLIGHT_INFO, body)
        reply = fc.CancelFlightInfoResult.FromString(results[0]) if results else None
        return reply is not None and reply.status == fc.CANCEL_STATUS_CANCELLED


class PreparedPlan:
    """A plan prepared on the server (Flight SQL prepared statement); run it many times."""

    def __init__(self, conn: Connection, handle: bytes) -> None:
        self._conn = conn
        self.handle = handle

    def execute(self) -> pa.Table:
        command = fsql.CommandPreparedStatementQuery(prepared_statement_handle=self.handle)
        return self._conn._start(P.pack(command)).read_all()

    def close(self) -> None:
        body = P.pack(
            fsql.ActionClosePreparedStatementRequest(prepared_statement_handle=self.handle)
        )
        self._conn._action(P.CLOSE_PREPARED, body)

    def __enter__(self) -> PreparedPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Connection:
    """A connection to a Flight SQL server that runs Substrait plans."""

    def __init__(
        self,
        uri: str,
        token: str | None = None,
        tls_root_certs: bytes | None = None,
        timeout: float | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {}
        if tls_root_certs is not None:
            kwargs["tls_root_certs"] = tls_root_certs
        try:
            self._client = flight.connect(uri, **kwargs)
        except (flight.FlightError, pa.ArrowException, OSError) as exc:
            _raise(exc)
        headers = [bearer_header(token)] if token else []
        self._options = flight.FlightCallOptions(headers=headers, timeout=timeout)

    def submit(self, plan: Any) -> RemoteQuery:
        """Start ``plan`` on the server (a Plan, plan bytes, a file path or an expression)."""
        data = _plan_bytes(plan)
        command = fsql.CommandStatementSubstraitPlan(plan=fsql.SubstraitPlan(plan=data))
        return self._start(P.pack(command))

    def execute(self, plan: Any) -> pa.Table:
        """Run ``plan`` on the server and return the whole result."""
        return self.submit(plan).read_all()

    def execute_batches(self, plan: Any) -> pa.RecordBatchReader:
        """Run ``plan`` on the server and stream the result."""
        return self.submit(plan).reader()

    def prepare(self, plan: Any) -> PreparedPlan:
        """Prepare ``plan`` on the server (checked there once, run with ``.execute()``)."""
        request = fsql.ActionCreatePreparedSubstraitPlanRequest(
            plan=fsql.SubstraitPlan(plan=_plan_bytes(plan))
        )
        results = self._action(P.CREATE_PREPARED_SUBSTRAIT, P.pack(request))
        reply = P.unpack(results[0], "the prepare result")
        if not isinstance(reply, fsql.ActionCreatePreparedStatementResult):
            raise ServiceError("the server answered the prepare request with something else")
        return PreparedPlan(self, reply.prepared_statement_handle)

    def sql_info(self) -> dict[int, Any]:
        """The server's GetSqlInfo answers, ``{info id: value}``."""
        table = self._start(P.pack(fsql.CommandGetSqlInfo())).read_all()
        return dict(zip(table["info_name"].to_pylist(), table["value"].to_pylist(), strict=True))

    def tables(self) -> list[str]:
        """The names of the tables the server serves."""
        table = self._start(P.pack(fsql.CommandGetTables())).read_all()
        return table["table_name"].to_pylist()

    def _start(self, command: bytes) -> RemoteQuery:
        try:
            info = self._client.get_flight_info(
                flight.FlightDescriptor.for_command(command), self._options
            )
        except (flight.FlightError, pa.ArrowException, OSError) as exc:
            _raise(exc)
        return RemoteQuery(self, info)

    def _action(self, kind: str, body: bytes) -> list[bytes]:
        try:
            return [
                r.body.to_pybytes()
                for r in self._client.do_action(flight.Action(kind, body), self._options)
            ]
        except (flight.FlightError, pa.ArrowException, OSError) as exc:
            _raise(exc)
        return []

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(
    uri: str,
    token: str | None = None,
    tls_root_certs: bytes | None = None,
    timeout: float | None = None,
) -> Connection:
    """Connect to a planbridge server: ``grpc://host:port`` or ``grpc+tls://host:port``."""
    return Connection(uri, token=token, tls_root_certs=tls_root_certs, timeout=timeout)
