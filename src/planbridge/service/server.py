"""The Flight SQL server: Substrait plans in (statement and prepared-statement forms), Arrow
record batches out, on any planbridge engine.

GetFlightInfo checks the plan (size, decoding, catalog and file roots), takes a concurrency
slot and starts the query; its ticket (``TicketStatementQuery``) streams the result through
DoGet. Errors are Flight errors whose message is ``planbridge <Kind> at <path>: <reason>``.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.flight as flight

from planbridge import __version__
from planbridge._generated.flight_sql import flight_cancel_pb2 as fc
from planbridge._generated.flight_sql import flight_sql_pb2 as fsql
from planbridge.errors import PlanError, UnsupportedError
from planbridge.execute import lower_if_needed
from planbridge.plan import Plan
from planbridge.service import protocol as P
from planbridge.service.auth import BearerTokenAuth
from planbridge.service.catalog import Catalog
from planbridge.service.limits import Limits, Slots
from planbridge.service.queries import Query, QueryStopped

log = logging.getLogger("planbridge.service")

REAP_SECONDS = 0.5
_QUERY_COMMANDS = (fsql.CommandStatementSubstraitPlan, fsql.CommandPreparedStatementQuery)


@dataclass(frozen=True)
class TLS:
    """PEM certificate chain and private key for ``grpc+tls``."""

    cert: bytes
    key: bytes


@contextlib.contextmanager
def flight_errors() -> Iterator[None]:
    """Turn planbridge's errors into Flight errors clients understand."""
    try:
        yield
    except flight.FlightError:
        raise
    except QueryStopped as exc:
        cls = flight.FlightTimedOutError if exc.timed_out else flight.FlightCancelledError
        raise cls(f"planbridge query stopped: {exc}") from None
    except PlanError as exc:
        # FlightServerError carries no server traceback (Python exceptions would).
        raise flight.FlightServerError(P.error_text(exc), extra_info=P.error_detail(exc)) from None
    except Exception as exc:
        log.exception("internal error")
        raise flight.FlightInternalError(f"planbridge internal error: {exc}") from None


class PlanServer(flight.FlightServerBase):
    """Runs Substrait plans received over Flight SQL on ``engine``."""

    def __init__(
        self,
        location: str,
        engine: str,
        catalog: Catalog,
        limits: Limits | None = None,
        token: str | None = None,
        tls: TLS | None = None,
    ) -> None:
        from planbridge.engines import engine_class

        self.engine = engine_class(engine).name
        self.catalog = catalog
        self.limits = limits or Limits()
        self.slots = Slots(self.limits)
        self._lock = threading.Lock()
        self._pending: dict[bytes, Query] = {}  # started, result not yet fetched
        self._live: set[Query] = set()  # every query whose worker still runs
        self._prepared: OrderedDict[bytes, Plan] = OrderedDict()
        self._closing = threading.Event()
        middleware = {"auth": BearerTokenAuth(token)} if token else None
        certs = [flight.CertKeyPair(cert=tls.cert, key=tls.key)] if tls else None
        super().__init__(location, tls_certificates=certs, middleware=middleware)
        self._reaper = threading.Thread(target=self._reap, name="planbridge-reaper", daemon=True)
        self._reaper.start()

    # -- plans -------------------------------------------------------------------------------
    def accept(self, data: bytes) -> Plan:
        """Decode and check an untrusted plan: size, format, every read it makes."""
        self.limits.check_plan_size(len(data))
        plan = Plan.from_data(bytes(data), source="the plan")
        self.catalog.check(lower_if_needed(plan, self.engine).proto)
        return plan

    def _plan_of(self, command: Any) -> Plan:
        if isinstance(command, fsql.CommandStatementSubstraitPlan):
            return self.accept(command.plan.plan)
        with self._lock:
            plan = self._prepared.get(command.prepared_statement_handle)
        if plan is None:
            raise PlanError("unknown prepared statement handle (closed, or never created here)")
        return plan

    def start(self, plan: Plan, cancelled: Any = lambda: False) -> tuple[bytes, pa.Schema]:
        """Start ``plan`` in a slot; its handle and result schema once the engine planned it."""
        if self._closing.is_set():
            raise flight.FlightUnavailableError("planbridge server is shutting down")
        self.slots.acquire()
        query = Query(
            plan,
            self.engine,
            self.catalog.tables,
            self.limits.query_timeout,
            self.limits.max_result_bytes,
            on_done=self._finished,
        )
        with self._lock:
            self._live.add(query)
        query.begin()
        try:
            schema = query.schema(cancelled)
        except BaseException:
            query.stop("the query failed before its result was requested")
            raise
        handle = secrets.token_bytes(16)
        with self._lock:
            self._pending[handle] = query
        return handle, schema

    def _finished(self, query: Query) -> None:
        with self._lock:
            self._live.discard(query)
        self.slots.release()

    def _reap(self) -> None:
        """Stop queries past their time limit, including results nobody fetched."""
        while not self._closing.wait(REAP_SECONDS):
            with self._lock:
                expired = [h for h, q in self._pending.items() if q.expired()]
                stale = [self._pending.pop(h) for h in expired]
                overdue = [q for q in self._live if q.expired()]
            for q in {*stale, *overdue}:
                q.stop(
                    f"the query ran longer than this server's limit of "
                    f"{self.limits.query_timeout:g} s (--query-timeout)",
                    timed_out=True,
                )

    # -- Flight RPCs -------------------------------------------------------------------------
    def get_flight_info(
        self, context: flight.ServerCallContext, descriptor: flight.FlightDescriptor
    ) -> flight.FlightInfo:
        with flight_errors():
            if descriptor.descriptor_type != flight.DescriptorType.CMD:
                raise PlanError("send a Flight SQL command descriptor, not a path")
            command = P.unpack(descriptor.command, "the FlightDescriptor command")
            if isinstance(command, _QUERY_COMMANDS):
                handle, schema = self.start(self._plan_of(command), context.is_cancelled)
                ticket = P.pack(fsql.TicketStatementQuery(statement_handle=handle))
            elif isinstance(command, fsql.CommandStatementQuery):
                raise UnsupportedError(
                    "this server runs Substrait plans, not SQL text: send a "
                    "CommandStatementSubstraitPlan (ADBC: cursor.execute(plan_bytes))"
                )
            else:
                schema = self._metadata(command).schema
                ticket = P.pack(command)
            endpoint = flight.FlightEndpoint(ticket, [])
            return flight.FlightInfo(schema, descriptor, [endpoint], -1, -1)

    def do_get(
        self, context: flight.ServerCallContext, ticket: flight.Ticket
    ) -> flight.FlightDataStream:
        with flight_errors():
            message = P.unpack(ticket.ticket, "the ticket")
            if not isinstance(message, fsql.TicketStatementQuery):
                return flight.RecordBatchStream(self._metadata(message))
            with self._lock:
                query = self._pending.pop(message.statement_handle, None)
            if query is None:
                raise PlanError("unknown or expired ticket: each result can be fetched once")
            schema = query.schema()
            return flight.GeneratorStream(schema, self._stream(query, context))

    def _stream(self, query: Query, context: flight.ServerCallContext) -> Iterator[Any]:
        with flight_errors():
            yield from query.batches(context.is_cancelled)

    def get_schema(
        self, context: flight.ServerCallContext, descriptor: flight.FlightDescriptor
    ) -> flight.SchemaResult:
        with flight_errors():
            command = P.unpack(descriptor.command, "the FlightDescriptor command")
            if isinstance(command, _QUERY_COMMANDS):
                raise UnsupportedError(
                    "GetSchema of a plan is not supported: the schema comes with GetFlightInfo"
                )
            return flight.SchemaResult(self._metadata(command).schema)

    def list_actions(self, context: flight.ServerCallContext) -> list[tuple[str, str]]:
        return [
            (P.CREATE_PREPARED_SUBSTRAIT, "Prepare a Substrait plan"),
            (P.CLOSE_PREPARED, "Close a prepared statement"),
            (P.CANCEL_FLIGHT_INFO, "Cancel a running query"),
            (P.CANCEL_QUERY, "Cancel a running query (older form)"),
        ]

    def do_action(self, context: flight.ServerCallContext, action: flight.Action) -> Iterator[Any]:
        with flight_errors():
            kind = action.type
            body = action.body.to_pybytes() if action.body is not None else b""
            if kind == P.CREATE_PREPARED_SUBSTRAIT:
                request = P.unpack(body, "the CreatePreparedSubstraitPlan request")
                result = self._prepare(self.accept(request.plan.plan))
                return iter([flight.Result(P.pack(result))])
            if kind == P.CLOSE_PREPARED:
                request = P.unpack(body, "the ClosePreparedStatement request")
                with self._lock:
                    self._prepared.pop(request.prepared_statement_handle, None)
                return iter([])
            if kind in (P.CANCEL_FLIGHT_INFO, P.CANCEL_QUERY):
                status = self._cancel(P.cancel_handle_of(kind, body))
                if kind == P.CANCEL_FLIGHT_INFO:
                    reply = fc.CancelFlightInfoResult(status=status).SerializeToString()
                else:
                    reply = P.pack(fsql.ActionCancelQueryResult(result=status))
                return iter([flight.Result(reply)])
            if kind == P.CREATE_PREPARED_SQL:
                raise UnsupportedError("this server prepares Substrait plans, not SQL text")
            raise UnsupportedError(f"unknown action {kind!r}")

    def _prepare(self, plan: Plan) -> fsql.ActionCreatePreparedStatementResult:
        handle = secrets.token_bytes(16)
        with self._lock:
            self._prepared[handle] = plan
            while len(self._prepared) > self.limits.max_prepared:
                self._prepared.popitem(last=False)
        return fsql.ActionCreatePreparedStatementResult(prepared_statement_handle=handle)

    def _cancel(self, handle: bytes) -> int:
        with self._lock:
            query = self._pending.pop(handle, None)
        if query is None:
            return fc.CANCEL_STATUS_NOT_CANCELLABLE
        query.stop("the client cancelled the query")
        return fc.CANCEL_STATUS_CANCELLED

    # -- metadata ----------------------------------------------------------------------------
    def _metadata(self, command: Any) -> pa.Table:
        if isinstance(command, fsql.CommandGetSqlInfo):
            return P.sql_info_table(self.sql_info(), list(command.info))
        if isinstance(command, fsql.CommandGetTables):
            return self._tables_table(command)
        if isinstance(command, fsql.CommandGetTableTypes):
            return pa.table({"table_type": pa.array(["TABLE"])})
        if isinstance(command, fsql.CommandGetCatalogs):
            return pa.table({"catalog_name": pa.array([], pa.string())})
        if isinstance(command, fsql.CommandGetDbSchemas):
            return pa.table(
                {
                    "catalog_name": pa.array([], pa.string()),
                    "db_schema_name": pa.array([], pa.string()),
                }
            )
        raise UnsupportedError(f"unsupported Flight SQL request {command.DESCRIPTOR.name}")

    def sql_info(self) -> dict[int, Any]:
        """The server facts GetSqlInfo reports."""
        return {
            fsql.FLIGHT_SQL_SERVER_NAME: "planbridge",
            fsql.FLIGHT_SQL_SERVER_VERSION: f"{__version__} ({self.engine})",
            fsql.FLIGHT_SQL_SERVER_ARROW_VERSION: pa.__version__,
            fsql.FLIGHT_SQL_SERVER_READ_ONLY: True,
            fsql.FLIGHT_SQL_SERVER_SQL: False,
            fsql.FLIGHT_SQL_SERVER_SUBSTRAIT: True,
            fsql.FLIGHT_SQL_SERVER_SUBSTRAIT_MIN_VERSION: P.SUBSTRAIT_MIN_VERSION,
            fsql.FLIGHT_SQL_SERVER_SUBSTRAIT_MAX_VERSION: P.SUBSTRAIT_MAX_VERSION,
            fsql.FLIGHT_SQL_SERVER_CANCEL: True,
        }

    def _tables_table(self, command: fsql.CommandGetTables) -> pa.Table:
        import fnmatch

        pattern = (
            command.table_name_filter_pattern
            if command.HasField("table_name_filter_pattern")
            else "%"
        )
        glob_pattern = pattern.replace("%", "*").replace("_", "?")
        names = sorted(n for n in self.catalog.tables if fnmatch.fnmatchcase(n, glob_pattern))
        columns: dict[str, Any] = {
            "catalog_name": pa.array([None] * len(names), pa.string()),
            "db_schema_name": pa.array([None] * len(names), pa.string()),
            "table_name": pa.array(names, pa.string()),
            "table_type": pa.array(["TABLE"] * len(names), pa.string()),
        }
        if command.include_schema:
            schemas = [self.catalog.tables[n].schema.serialize().to_pybytes() for n in names]
            columns["table_schema"] = pa.array(schemas, pa.binary())
        return pa.table(columns)

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Stop accepting queries, cancel running ones, and shut the server down."""
        self._closing.set()
        with self._lock:
            running = list(self._live)
            self._pending.clear()
        for q in running:
            q.stop("the server is shutting down")
        self.shutdown()
        for q in running:
            q.finished.wait(5)
