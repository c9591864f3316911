"""Flight SQL wire pieces: commands wrapped in ``google.protobuf.Any``, error messages that
carry planbridge's node path, and the ``CommandGetSqlInfo`` result table."""

from __future__ import annotations

import json
import re
from typing import Any

import pyarrow as pa
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError, Message

from planbridge import errors
from planbridge._generated.flight_sql import flight_cancel_pb2 as fc
from planbridge._generated.flight_sql import flight_sql_pb2 as fsql
from planbridge.errors import PlanError, PlanReadError

# The Flight SQL actions planbridge serves (DoAction types).
CREATE_PREPARED_SUBSTRAIT = "CreatePreparedSubstraitPlan"
CREATE_PREPARED_SQL = "CreatePreparedStatement"
CLOSE_PREPARED = "ClosePreparedStatement"
CANCEL_FLIGHT_INFO = "CancelFlightInfo"
CANCEL_QUERY = "CancelQuery"

# Substrait versions this server's consumer reads (reported through GetSqlInfo).
SUBSTRAIT_MIN_VERSION = "0.20.0"
SUBSTRAIT_MAX_VERSION = "0.79.0"

_COMMANDS: dict[str, type[Message]] = {
    m.DESCRIPTOR.full_name: m
    for m in (
        fsql.CommandStatementSubstraitPlan,
        fsql.CommandPreparedStatementQuery,
        fsql.CommandStatementQuery,
        fsql.CommandGetSqlInfo,
        fsql.CommandGetTables,
        fsql.CommandGetCatalogs,
        fsql.CommandGetDbSchemas,
        fsql.CommandGetTableTypes,
        fsql.TicketStatementQuery,
        fsql.ActionCreatePreparedSubstraitPlanRequest,
        fsql.ActionCreatePreparedStatementRequest,
        fsql.ActionClosePreparedStatementRequest,
        fsql.ActionCancelQueryRequest,
        fsql.ActionCreatePreparedStatementResult,
        fsql.ActionCancelQueryResult,
    )
}


def pack(message: Message) -> bytes:
    """``message`` wrapped in ``google.protobuf.Any``, serialized (how Flight SQL sends it)."""
    wrapper = any_pb2.Any()
    wrapper.Pack(message)
    return wrapper.SerializeToString()


def unpack(data: bytes, what: str) -> Message:
    """The Flight SQL message inside Any-wrapped bytes; a PlanReadError for anything else."""
    wrapper = any_pb2.Any()
    try:
        wrapper.ParseFromString(bytes(data))
    except DecodeError:
        raise PlanReadError(f"{what} is not a Flight SQL message (undecodable bytes)") from None
    name = wrapper.type_url.rpartition("/")[2]
    cls = _COMMANDS.get(name)
    if cls is None:
        shown = name or "no type"
        raise PlanReadError(f"{what} is not a Flight SQL message this server handles ({shown})")
    message = cls()
    if not wrapper.Unpack(message):
        raise PlanReadError(f"{what}: cannot decode {name}")
    return message


# -- errors ----------------------------------------------------------------------------------
_ERROR_RE = re.compile(r"planbridge (?P<kind>\w*Error)(?: at (?P<path>\S+))?: (?P<reason>.*)", re.S)


def error_text(exc: PlanError) -> str:
    """``planbridge <Kind> at <path>: <reason>``: readable by people, parseable by the client."""
    where = f" at {exc.path}" if exc.path else ""
    return f"planbridge {type(exc).__name__}{where}: {exc.reason}"


def error_detail(exc: PlanError) -> bytes:
    """The error as JSON, sent as the Flight error's ``extra_info``."""
    return json.dumps({"kind": type(exc).__name__, "path": exc.path, "reason": exc.reason}).encode()


def _error_class(kind: str) -> type[PlanError]:
    cls = getattr(errors, kind, None)
    return cls if isinstance(cls, type) and issubclass(cls, PlanError) else PlanError


def parse_error(message: str, extra_info: bytes | None = None) -> PlanError | None:
    """The PlanError a server's error describes (None when it is not one of ours)."""
    if extra_info:
        try:
            d = json.loads(extra_info)
            return _error_class(d["kind"])(d["reason"], d.get("path", ""))
        except (ValueError, KeyError, TypeError):
            pass
    m = _ERROR_RE.search(message)
    if m is None:
        return None
    # gRPC and Arrow append their own details after the message; keep planbridge's line.
    reason = re.split(r"\.? Detail: |\. gRPC client debug context", m["reason"])[0]
    return _error_class(m["kind"])(reason.strip(), m["path"] or "")


# -- GetSqlInfo ------------------------------------------------------------------------------
_VALUE_TYPE = pa.dense_union(
    [
        pa.field("string_value", pa.string()),
        pa.field("bool_value", pa.bool_()),
        pa.field("bigint_value", pa.int64()),
        pa.field("int32_bitmask", pa.int32()),
        pa.field("string_list", pa.list_(pa.string())),
        pa.field("int32_to_int32_list_map", pa.map_(pa.int32(), pa.list_(pa.int32()))),
    ]
)
SQL_INFO_SCHEMA = pa.schema(
    [pa.field("info_name", pa.uint32(), nullable=False), pa.field("value", _VALUE_TYPE, False)]
)


def sql_info_table(values: dict[int, Any], wanted: list[int]) -> pa.Table:
    """The GetSqlInfo result for ``wanted`` ids (all known ids when empty)."""
    ids = [i for i in (wanted or sorted(values)) if i in values]
    codes, offsets = [], []
    children: list[list[Any]] = [[] for _ in range(6)]
    for i in ids:
        v = values[i]
        code = 1 if isinstance(v, bool) else 2 if isinstance(v, int) else 0
        codes.append(code)
        offsets.append(len(children[code]))
        children[code].append(v)
    arrays = [pa.array(children[k], type=_VALUE_TYPE.field(k).type) for k in range(len(children))]
    value = pa.UnionArray.from_dense(
        pa.array(codes, pa.int8()),
        pa.array(offsets, pa.int32()),
        arrays,
        [_VALUE_TYPE.field(k).name for k in range(6)],
    )
    return pa.Table.from_arrays([pa.array(ids, pa.uint32()), value], schema=SQL_INFO_SCHEMA)


def cancel_handle_of(action_type: str, body: bytes) -> bytes:
    """The statement handle a cancel action names (via the FlightInfo it carries).

    Flight's ``CancelFlightInfo`` body is a bare CancelFlightInfoRequest; Flight SQL's older
    ``CancelQuery`` wraps its request in Any.
    """
    import pyarrow.flight as flight

    if action_type == CANCEL_FLIGHT_INFO:
        try:
            request: Any = fc.CancelFlightInfoRequest.FromString(body)
        except DecodeError:
            raise PlanReadError("the CancelFlightInfo request is undecodable") from None
    else:
        request = unpack(body, f"the {action_type} request")
    try:
        info = flight.FlightInfo.deserialize(request.info)
    except (pa.ArrowException, ValueError, TypeError):
        raise PlanReadError(f"the {action_type} request holds no readable FlightInfo") from None
    for endpoint in info.endpoints:
        ticket = unpack(endpoint.ticket.ticket, "the ticket")
        if isinstance(ticket, fsql.TicketStatementQuery):
            return ticket.statement_handle
    raise PlanReadError(f"the {action_type} request names no planbridge query")
