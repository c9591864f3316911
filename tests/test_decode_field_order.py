"""Binary plans decode to the same plan whatever order their encoder wrote the fields in,
and unknown fields are dropped wherever they sit (see ``compat.upgraded_binary``)."""

from __future__ import annotations

from pathlib import Path

from substrait import plan_pb2

from planbridge.consumer.bind import bind_plan
from planbridge.plan import Plan

TPCH_Q03 = Path("/work/shared/interop/ibis-substrait-tpch/tpc_h03.json")


def _reordered(data: bytes) -> bytes:
    """``data`` with the plan's top-level fields written last field first (as an encoder
    that follows declaration order, like prost, may write them)."""
    proto = plan_pb2.Plan.FromString(data)
    parts = []
    for fd, value in proto.ListFields():
        one = plan_pb2.Plan()
        if fd.is_repeated:
            getattr(one, fd.name).extend(value)
        else:
            getattr(one, fd.name).CopyFrom(value)
        parts.append(one.SerializeToString())
    return b"".join(reversed(parts))


def _canonical() -> Plan:
    return Plan.load(TPCH_Q03)


def test_reordered_fields_decode_to_the_same_plan() -> None:
    plan = _canonical()
    data = _reordered(plan.to_bytes())
    assert data != plan.to_bytes()  # a different encoding of the same message
    decoded = Plan.from_bytes(data)
    assert decoded.proto == plan.proto
    assert repr(bind_plan(decoded).root) == repr(bind_plan(plan).root)


def test_reordered_legacy_fields_are_upgraded() -> None:
    plan = _canonical()
    legacy = _reordered(plan.to_bytes(legacy_uris=True))  # extension_uris: unknown fields
    decoded = Plan.from_bytes(legacy)
    assert decoded.proto == plan.proto
    assert len(decoded.proto.extension_urns) == len(plan.proto.extension_urns) > 0


def test_unknown_field_at_the_end_of_a_nested_message_is_dropped() -> None:
    """An unknown field last in the last message of a canonical encoding keeps its place
    when re-encoded: only discarding it shows it was there."""
    plan = _canonical()
    fd, value = plan.proto.ListFields()[-1]  # the highest-numbered field: encoded last
    rest = plan_pb2.Plan()
    rest.CopyFrom(plan.proto)
    if fd.is_repeated:
        last = value[-1].SerializeToString()
        del getattr(rest, fd.name)[-1]
    else:
        last = value.SerializeToString()
        rest.ClearField(fd.name)
    unknown = _varint(127 << 3) + _varint(5)  # field 127, a varint: no Substrait message has it
    data = rest.SerializeToString() + _field(fd.number, last + unknown)
    decoded = Plan.from_bytes(data)
    assert decoded.proto == plan.proto  # upb compares unknown fields too
    assert decoded.to_bytes() == plan.to_bytes()


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes(out + bytes([value]))
