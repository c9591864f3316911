"""Reading and writing the legacy extension-URI fields that current Substrait protos dropped.

Older producers (Isthmus, DuckDB, DataFusion, Ibis) declare extensions with
``extension_uris`` / ``extension_uri_reference`` (field 1 of ``Plan`` and of each extension
declaration). The protobuf classes we use only know URNs, so on read we upgrade those
fields to URNs (standard YAML names map to their ``extension:io.substrait:*`` URN; anything
else keeps its URI text as the URN so the binder can name it), and on request we write
them back for consumers that predate URNs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf import unknown_fields
from google.protobuf.message import Message
from substrait import algebra_pb2, plan_pb2
from substrait.extensions import extensions_pb2 as ext

from planbridge.registry import legacy_uri_for_urn, urn_for_uri

_LEGACY_FIELD = 1  # extension_uris on Plan; extension_uri_reference on declarations
_DECLARATION_KINDS = ("extension_type", "extension_type_variation", "extension_function")


def _urn(uri: str) -> str:
    return urn_for_uri(uri) or uri


# -- JSON ------------------------------------------------------------------------------
def upgrade_json(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite fields of older Substrait versions (extension URIs, old fetch, grouping and
    virtual-table fields, old join-type names) into their current form, in place."""
    upgrade_relations_json(document.get("relations"))
    uris = document.pop("extensionUris", None)
    if uris is None:
        uris = document.pop("extension_uris", None)
    if not isinstance(uris, list):
        uris = []
    anchors: dict[int, int] = {}
    urns = document.setdefault("extensionUrns", []) if uris else document.get("extensionUrns", [])
    if not isinstance(urns, list):
        return document
    used = {u.get("extensionUrnAnchor") for u in urns if isinstance(u, dict)}
    known = {u.get("urn"): u.get("extensionUrnAnchor") for u in urns if isinstance(u, dict)}
    for entry in uris:
        if not isinstance(entry, dict):
            continue
        anchor = entry.get("extensionUriAnchor", entry.get("extension_uri_anchor", 0))
        urn = _urn(str(entry.get("uri", "")))
        if urn in known:
            anchors[anchor] = known[urn]
            continue
        new_anchor = anchor if anchor not in used else max(a or 0 for a in used) + 1
        used.add(new_anchor)
        known[urn] = new_anchor
        anchors[anchor] = new_anchor
        urns.append({"extensionUrnAnchor": new_anchor, "urn": urn})
    for decl in document.get("extensions", []) or []:
        if not isinstance(decl, dict):
            continue
        for body in decl.values():
            if not isinstance(body, dict):
                continue
            for key in ("extensionUriReference", "extension_uri_reference"):
                if key in body:
                    ref = body.pop(key)
                    if "extensionUrnReference" not in body and isinstance(ref, int):
                        body["extensionUrnReference"] = anchors.get(ref, ref)
    return document


def add_legacy_json(document: dict[str, Any]) -> dict[str, Any]:
    """Add ``extensionUris`` and ``extensionUriReference`` mirrors of the URN fields."""
    urns = document.get("extensionUrns", [])
    if urns:
        document["extensionUris"] = [
            {
                "extensionUriAnchor": u.get("extensionUrnAnchor", 0),
                "uri": legacy_uri_for_urn(u["urn"]),
            }
            for u in urns
        ]
    for decl in document.get("extensions", []):
        for body in decl.values():
            if "extensionUrnReference" in body:
                body["extensionUriReference"] = body["extensionUrnReference"]
    return document


# -- binary ----------------------------------------------------------------------------
class LegacyFields(Exception):
    """Raised by the binder, for a plan decoded without the whole-plan unknown-field pass
    (``Plan.from_bytes(..., upgrade=False)``), on meeting a message that has unknown
    fields of a kind :func:`upgraded_binary` rewrites; ``bind_plan`` then decodes the plan
    the full way and binds it again."""


def check_current(msg: Message) -> None:
    """Raise :class:`LegacyFields` when ``msg`` (one of the messages a legacy field can be
    in: a declaration, FetchRel, a grouping, a virtual table, a day-second interval) has
    unknown fields. A plan decoded the full way has none, so this never raises for it."""
    if len(unknown_fields.UnknownFieldSet(msg)):
        raise LegacyFields


def upgraded_binary(proto: plan_pb2.Plan, data: bytes) -> plan_pb2.Plan:
    """``proto`` (parsed from ``data``) with legacy URI fields moved into URN fields.

    Every upgrade rewrites unknown fields only, so a plan without any is returned as is.
    Unknown fields are discarded in place; when the plan then encodes back to exactly
    ``data`` it had none (parsing that encoding gives the same message, which has none):
    the common case, one encoding. Encoders that write fields in another order than upb
    (prost, so DataFusion, writes them in declaration order) fail that test without having
    unknown fields; for them ``data`` is parsed again and its encoded size, unknown fields
    included, compared with the discarded plan's (equal: there were none). A plan that had
    some is upgraded from that second parse."""
    proto.DiscardUnknownFields()
    encoded = proto.SerializeToString()
    if encoded == data:
        return proto
    again = plan_pb2.Plan()
    again.ParseFromString(data)
    if again.ByteSize() == len(encoded):
        return proto
    _upgrade_binary(again)
    return again


def _upgrade_binary(proto: plan_pb2.Plan) -> None:
    """Move legacy URI fields (kept by protobuf as unknown fields) into URN fields."""
    anchors: dict[int, int] = {}
    legacy = [f for f in unknown_fields.UnknownFieldSet(proto) if f.field_number == _LEGACY_FIELD]
    if legacy:
        known = {u.urn: u.extension_urn_anchor for u in proto.extension_urns}
        used = set(known.values())
        for field in legacy:
            if field.wire_type != 2:
                continue
            uri_msg = ext.SimpleExtensionURN()  # same wire shape: anchor = 1, text = 2
            uri_msg.ParseFromString(field.data)
            urn = _urn(uri_msg.urn)
            if urn in known:
                anchors[uri_msg.extension_urn_anchor] = known[urn]
                continue
            anchor = uri_msg.extension_urn_anchor
            if anchor in used:
                anchor = max(used) + 1
            used.add(anchor)
            known[urn] = anchor
            anchors[uri_msg.extension_urn_anchor] = anchor
            proto.extension_urns.add(extension_urn_anchor=anchor, urn=urn)
    for decl in proto.extensions:
        kind = decl.WhichOneof("mapping_type")
        if kind is None:
            continue
        body = getattr(decl, kind)
        for field in unknown_fields.UnknownFieldSet(body):
            if field.field_number == _LEGACY_FIELD and field.wire_type == 0:
                if not body.extension_urn_reference:
                    body.extension_urn_reference = anchors.get(field.data, field.data)
    upgrade_relations_binary(proto)
    proto.DiscardUnknownFields()


def varint(value: int) -> bytes:
    """The protobuf varint encoding of a non-negative ``value``."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def to_legacy_bytes(proto: plan_pb2.Plan) -> bytes:
    """Serialize with the legacy URI fields written beside the URN fields."""
    body = plan_pb2.Plan()
    body.CopyFrom(proto)
    del body.extensions[:]
    out = bytearray(body.SerializeToString(deterministic=True))
    for urn in proto.extension_urns:
        uri = varint(1 << 3) + varint(urn.extension_urn_anchor)
        uri += _field(2, legacy_uri_for_urn(urn.urn).encode())
        out += _field(_LEGACY_FIELD, uri)
    decl_field = plan_pb2.Plan.DESCRIPTOR.fields_by_name["extensions"].number
    for decl in proto.extensions:
        kind = decl.WhichOneof("mapping_type")
        if kind is None:
            out += _field(decl_field, decl.SerializeToString(deterministic=True))
            continue
        body_msg = getattr(decl, kind)
        inner = body_msg.SerializeToString(deterministic=True)
        inner += varint(_LEGACY_FIELD << 3) + varint(body_msg.extension_urn_reference)
        number = ext.SimpleExtensionDeclaration.DESCRIPTOR.fields_by_name[kind].number
        out += _field(decl_field, _field(number, inner))
    return bytes(out)


# -- relation-level fields removed from the protos -------------------------------------
_OLD_JOIN_TYPES = {
    "JOIN_TYPE_SEMI": "JOIN_TYPE_LEFT_SEMI",
    "JOIN_TYPE_ANTI": "JOIN_TYPE_LEFT_ANTI",
    "JOIN_TYPE_SINGLE": "JOIN_TYPE_LEFT_SINGLE",
}


def _i64_literal(value: Any) -> dict[str, Any]:
    return {"literal": {"i64": str(value)}}


def _upgrade_fetch(fetch: dict[str, Any]) -> None:
    if "offset" in fetch:
        offset = fetch.pop("offset")
        fetch.setdefault("offsetExpr", _i64_literal(offset))
    if "count" in fetch:
        count = fetch.pop("count")
        # The old spec used -1 for "all rows"; the new one leaves count_expr unset.
        if str(count) != "-1":
            fetch.setdefault("countExpr", _i64_literal(count))


def _upgrade_aggregate(aggregate: dict[str, Any]) -> None:
    groupings = aggregate.get("groupings")
    if not isinstance(groupings, list):
        return
    shared: list[Any] = aggregate.setdefault("groupingExpressions", [])
    for grouping in groupings:
        if not isinstance(grouping, dict) or "groupingExpressions" not in grouping:
            continue
        refs = []
        for expression in grouping.pop("groupingExpressions") or []:
            if expression in shared:
                refs.append(shared.index(expression))
            else:
                shared.append(expression)
                refs.append(len(shared) - 1)
        grouping.setdefault("expressionReferences", refs)
    if not shared:
        aggregate.pop("groupingExpressions")


def _upgrade_virtual_table(table: dict[str, Any]) -> None:
    if "values" not in table:
        return
    rows = table.pop("values") or []
    expressions = table.setdefault("expressions", [])
    for row in rows:
        fields = row.get("fields", []) if isinstance(row, dict) else []
        expressions.append({"fields": [{"literal": literal} for literal in fields]})


def upgrade_relations_json(node: Any) -> None:
    """Rewrite relation fields the current protos removed (in place, recursively)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(current)
            continue
        if not isinstance(current, dict):
            continue
        for key, value in current.items():
            if isinstance(value, dict):
                if key == "fetch":
                    _upgrade_fetch(value)
                elif key == "aggregate":
                    _upgrade_aggregate(value)
                elif key == "virtualTable":
                    _upgrade_virtual_table(value)
                elif key == "intervalDayToSecond" and "microseconds" in value:
                    # Old literal form: microseconds instead of precision + subseconds.
                    value.setdefault("precision", 6)
                    value.setdefault("subseconds", value.pop("microseconds"))
                elif key == "join" and value.get("type") in _OLD_JOIN_TYPES:
                    value["type"] = _OLD_JOIN_TYPES[value["type"]]
            if isinstance(value, dict | list):
                stack.append(value)


# -- binary: removed relation fields ---------------------------------------------------
def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _unknown(msg: Message, number: int) -> list[Any]:
    return [f for f in unknown_fields.UnknownFieldSet(msg) if f.field_number == number]


def _bin_fetch(fetch: algebra_pb2.FetchRel) -> None:
    for f in _unknown(fetch, 3):
        if f.wire_type == 0 and not fetch.HasField("offset_expr"):
            fetch.offset_expr.literal.i64 = _signed64(f.data)
    for f in _unknown(fetch, 4):
        if f.wire_type == 0 and not fetch.HasField("count_expr") and _signed64(f.data) != -1:
            fetch.count_expr.literal.i64 = _signed64(f.data)


def _bin_aggregate(aggregate: algebra_pb2.AggregateRel) -> None:
    shared = [e.SerializeToString(deterministic=True) for e in aggregate.grouping_expressions]
    for grouping in aggregate.groupings:
        legacy = [f for f in _unknown(grouping, 1) if f.wire_type == 2]
        if not legacy or grouping.expression_references:
            continue
        for f in legacy:
            expr = algebra_pb2.Expression()
            expr.ParseFromString(f.data)
            key = expr.SerializeToString(deterministic=True)
            if key not in shared:
                shared.append(key)
                aggregate.grouping_expressions.add().CopyFrom(expr)
            grouping.expression_references.append(shared.index(key))


def _bin_virtual_table(table: algebra_pb2.ReadRel.VirtualTable) -> None:
    for f in _unknown(table, 1):
        if f.wire_type != 2:
            continue
        row = algebra_pb2.Expression.Literal.Struct()
        row.ParseFromString(f.data)
        target = table.expressions.add()
        for literal in row.fields:
            target.fields.add().literal.CopyFrom(literal)


def _bin_interval(value: algebra_pb2.Expression.Literal.IntervalDayToSecond) -> None:
    for f in _unknown(value, 3):
        if f.wire_type == 0 and not value.precision:
            value.precision = 6
            value.subseconds = _signed64(f.data)


_BINARY_UPGRADES: dict[str, Callable[[Any], None]] = {
    "substrait.FetchRel": _bin_fetch,
    "substrait.AggregateRel": _bin_aggregate,
    "substrait.ReadRel.VirtualTable": _bin_virtual_table,
    "substrait.Expression.Literal.IntervalDayToSecond": _bin_interval,
}


def upgrade_relations_binary(proto: Message) -> None:
    """The binary twin of :func:`upgrade_relations_json`: protobuf keeps removed fields
    as unknown fields; rewrite them into their current form (before they are discarded)."""
    stack: list[Message] = [proto]
    while stack:
        msg = stack.pop()
        upgrade = _BINARY_UPGRADES.get(msg.DESCRIPTOR.full_name)
        if upgrade is not None:
            upgrade(msg)
        for fd, value in msg.ListFields():
            if fd.message_type is None:
                continue
            if fd.message_type.GetOptions().map_entry:
                continue
            if fd.is_repeated:
                stack.extend(value)
            else:
                stack.append(value)
