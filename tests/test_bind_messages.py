"""The binder's fast protobuf calls (``consumer/messages.py``) answer as the methods do,
on every message type they are used with, and fail the same way on a bad field name."""

from __future__ import annotations

from typing import Any

import pytest
from substrait import algebra_pb2 as stalg
from substrait import plan_pb2
from substrait import type_pb2 as stt

from planbridge.consumer.messages import encoding, has, which


def _messages() -> list[tuple[Any, str, str]]:
    """(message, oneof name, field name) samples of several message types."""
    e = stalg.Expression()
    e.selection.direct_reference.struct_field.field = 3
    e.selection.root_reference.SetInParent()
    arg = stalg.FunctionArgument(enum="FLOOR")
    t = stt.Type()
    t.i64.nullability = stt.Type.NULLABILITY_NULLABLE
    rel = stalg.Rel()
    rel.filter.condition.literal.boolean = True
    plan = plan_pb2.Plan()
    plan.relations.add().root.names.append("x")
    empty = stalg.Expression()
    return [
        (e, "rex_type", "selection"),
        (arg, "arg_type", "value"),
        (t, "kind", "i64"),
        (rel, "rel_type", "filter"),
        (rel.filter, "", "condition"),
        (plan.relations[0], "rel_type", "root"),
        (empty, "rex_type", "literal"),
    ]


@pytest.mark.parametrize(("msg", "oneof", "name"), _messages())
def test_fast_calls_answer_as_the_methods(msg: Any, oneof: str, name: str) -> None:
    if oneof:
        assert which(msg, oneof) == msg.WhichOneof(oneof)
    assert has(msg, name) == msg.HasField(name)
    assert encoding(msg) == msg.SerializeToString()


def test_a_bad_field_name_fails_as_the_method_does() -> None:
    e = stalg.Expression()
    with pytest.raises(ValueError):
        e.WhichOneof("no_such_oneof")
    with pytest.raises(ValueError):
        which(e, "no_such_oneof")
    with pytest.raises(ValueError):
        has(e, "no_such_field")
