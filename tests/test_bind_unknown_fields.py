"""``execute.bind`` decodes plan bytes without the whole-plan unknown-field pass: a legacy
field the binder meets still gets upgraded (the binder asks for the full decode), and an
unknown field of no meaning changes nothing in the bound plan."""

from __future__ import annotations

from pathlib import Path

from google.protobuf import unknown_fields
from substrait import algebra_pb2, plan_pb2

from planbridge.compat import varint
from planbridge.consumer import ir
from planbridge.consumer.bind import bind_plan
from planbridge.execute import bind
from planbridge.plan import Plan

TPCH_Q03 = Path("/work/shared/interop/ibis-substrait-tpch/tpc_h03.json")


def _ld(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def _number(message: type, name: str) -> int:
    return message.DESCRIPTOR.fields_by_name[name].number  # type: ignore[attr-defined]


def _project_of_literal(literal: bytes, names: tuple[bytes, ...] = (b"a", b"x")) -> bytes:
    """A plan projecting the literal (encoded ``literal``) over a one-column read."""
    read = algebra_pb2.Rel()
    read.read.base_schema.names.append("a")
    read.read.base_schema.struct.types.add().i64.SetInParent()
    read.read.named_table.names.append("t")
    expr = _ld(_number(algebra_pb2.Expression, "literal"), literal)
    project = _ld(_number(algebra_pb2.ProjectRel, "input"), read.SerializeToString())
    project += _ld(_number(algebra_pb2.ProjectRel, "expressions"), expr)
    rel = _ld(_number(algebra_pb2.Rel, "project"), project)
    root = _ld(1, rel) + b"".join(_ld(2, n) for n in names)
    return _ld(3, _ld(2, root))


def _interval(extra: bytes) -> bytes:
    """An interval_day_to_second literal (1 day, 2 seconds) followed by ``extra`` bytes."""
    body = b"\x08\x01\x10\x02" + extra  # days = 1, seconds = 2
    number = _number(algebra_pb2.Expression.Literal, "interval_day_to_second")
    return _ld(number, body)


def test_legacy_interval_microseconds_are_upgraded() -> None:
    data = _project_of_literal(_interval(b"\x18\x07"))  # field 3: microseconds = 7 (legacy)
    value = bind(data).root.expressions[0].value
    assert value == ir.IntervalDaySecond(1, 2, 7, 6)
    assert value == bind_plan(Plan.from_bytes(data)).root.expressions[0].value  # type: ignore[attr-defined]


def test_legacy_interval_inside_a_struct_literal_is_upgraded() -> None:
    struct = _ld(_number(algebra_pb2.Expression.Literal.Struct, "fields"), _interval(b"\x18\x07"))
    literal = _ld(_number(algebra_pb2.Expression.Literal, "struct"), struct)
    data = _project_of_literal(literal, (b"a", b"x", b"f"))  # the struct's field is named too
    value = bind(data).root.expressions[0].value
    assert value == (ir.IntervalDaySecond(1, 2, 7, 6),)


def test_an_unknown_field_of_no_meaning_changes_nothing() -> None:
    unknown = varint(127 << 3) + varint(5)  # field 127: no Substrait message has it
    plain = bind(_project_of_literal(_interval(b"")))
    marked = bind(_project_of_literal(_interval(unknown)))
    assert repr(marked.root) == repr(plain.root)


def test_legacy_extension_uris_bind_as_the_full_decode() -> None:
    legacy = Plan.load(TPCH_Q03).to_bytes(legacy_uris=True)
    full = bind_plan(Plan.from_bytes(legacy))
    assert repr(bind(legacy).root) == repr(full.root)
    assert bind(legacy).source.proto == full.source.proto  # upgraded: URNs, no unknowns
    assert len(unknown_fields.UnknownFieldSet(plan_pb2.Plan.FromString(legacy)))  # the URIs
