"""Binary plans with fields the current protos removed are upgraded like their JSON form,
whether decoded the full way or, as ``execute.bind`` does, without the unknown-field pass
(the binder then finds the legacy field and asks for the full decode)."""

from __future__ import annotations

import json

import pytest
from substrait import algebra_pb2

from planbridge.consumer import ir
from planbridge.consumer.bind import bind_plan
from planbridge.plan import Plan

# Plan.from_bytes(upgrade=...): the full decode, and the one execute.bind uses for bytes
pytestmark = pytest.mark.parametrize("upgrade", [True, False])

READ = {
    "read": {
        "baseSchema": {"names": ["a"], "struct": {"types": [{"i64": {}}]}},
        "namedTable": {"names": ["t"]},
    }
}


def _tag(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _varint(v: int) -> bytes:
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _ld(number: int, payload: bytes) -> bytes:
    return _tag(number, 2) + _varint(len(payload)) + payload


def _with_legacy(rel_json: dict, extra: bytes, path: list[int], upgrade: bool) -> Plan:
    """Serialize a plan, then append ``extra`` raw bytes inside the nested message at ``path``
    (field numbers from the root relation's input down)."""
    plan = Plan.from_json(
        json.dumps({"relations": [{"root": {"input": rel_json, "names": ["a"]}}]})
    )
    rel = plan.proto.relations[0].root.input
    msgs = [rel]
    for number in path:
        parent = msgs[-1]
        fd = parent.DESCRIPTOR.fields_by_number[number]
        msgs.append(getattr(parent, fd.name))
    data = msgs[-1].SerializeToString() + extra
    for parent, child_number in zip(reversed(msgs[:-1]), reversed(path), strict=True):
        data = _strip(parent, child_number) + _ld(child_number, data)
    root = plan.proto.relations[0].root
    root_bytes = _ld(1, data) + b"".join(_ld(2, n.encode()) for n in root.names)
    return Plan.from_bytes(_ld(3, _ld(2, root_bytes)), upgrade=upgrade)


def _strip(msg, number: int) -> bytes:  # type: ignore[no-untyped-def]
    copy = type(msg)()
    copy.CopyFrom(msg)
    copy.ClearField(copy.DESCRIPTOR.fields_by_number[number].name)
    return copy.SerializeToString()


def test_fetch_offset_count_varints(upgrade: bool) -> None:
    fetch_number = algebra_pb2.Rel.DESCRIPTOR.fields_by_name["fetch"].number
    plan = _with_legacy(
        {"fetch": {"input": READ}},
        _tag(3, 0) + _varint(4) + _tag(4, 0) + _varint(10),
        [fetch_number],
        upgrade,
    )
    bound = bind_plan(plan)
    assert isinstance(bound.root, ir.Fetch)
    assert bound.root.offset.value == 4 and bound.root.count.value == 10  # type: ignore[union-attr]


def test_fetch_count_minus_one_is_all(upgrade: bool) -> None:
    fetch_number = algebra_pb2.Rel.DESCRIPTOR.fields_by_name["fetch"].number
    extra = _tag(4, 0) + _varint(-1)
    plan = _with_legacy({"fetch": {"input": READ}}, extra, [fetch_number], upgrade)
    assert bind_plan(plan).root.count is None  # type: ignore[attr-defined]


def test_virtual_table_values(upgrade: bool) -> None:
    row = algebra_pb2.Expression.Literal.Struct()
    row.fields.add().i64 = 42
    read_number = algebra_pb2.Rel.DESCRIPTOR.fields_by_name["read"].number
    vt_number = algebra_pb2.ReadRel.DESCRIPTOR.fields_by_name["virtual_table"].number
    rel = {"read": {"baseSchema": READ["read"]["baseSchema"], "virtualTable": {}}}
    plan = _with_legacy(rel, _ld(1, row.SerializeToString()), [read_number, vt_number], upgrade)
    bound = bind_plan(plan)
    assert isinstance(bound.root, ir.VirtualTableRead)
    assert [[e.value for e in r] for r in bound.root.rows] == [[42]]  # type: ignore[attr-defined]


def test_aggregate_legacy_grouping_expressions(upgrade: bool) -> None:
    agg_number = algebra_pb2.Rel.DESCRIPTOR.fields_by_name["aggregate"].number
    groupings_number = algebra_pb2.AggregateRel.DESCRIPTOR.fields_by_name["groupings"].number
    expr = algebra_pb2.Expression()
    expr.selection.direct_reference.struct_field.field = 0
    expr.selection.root_reference.SetInParent()
    grouping = _ld(1, expr.SerializeToString())
    plan = Plan.from_json(
        json.dumps(
            {"relations": [{"root": {"input": {"aggregate": {"input": READ}}, "names": ["a"]}}]}
        )
    )
    rel = plan.proto.relations[0].root.input
    agg = rel.aggregate.SerializeToString() + _ld(groupings_number, grouping)
    root = _ld(1, _ld(agg_number, agg)) + _ld(2, b"a")
    bound = bind_plan(Plan.from_bytes(_ld(3, _ld(2, root)), upgrade=upgrade))
    assert isinstance(bound.root, ir.Aggregate)
    assert bound.root.grouping_sets == ((0,),)
    assert isinstance(bound.root.grouping_expressions[0], ir.FieldRef)
