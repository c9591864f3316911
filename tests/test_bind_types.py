"""Type helpers: display strings and Arrow conversions against hand-written expectations."""

from __future__ import annotations

import pyarrow as pa
from substrait import type_pb2 as stt

from planbridge import types as T


def test_type_to_str() -> None:
    d = stt.Type()
    d.decimal.precision, d.decimal.scale = 15, 2
    d.decimal.nullability = stt.Type.NULLABILITY_REQUIRED
    assert T.type_to_str(d) == "decimal<15,2>"
    assert T.type_to_str(T.make("i64")) == "i64?"
    assert T.type_to_str(T.with_nullability(T.make("i64"), False)) == "i64"
    assert T.type_to_str(T.unknown()) == "unknown"


def test_arrow_round_trip() -> None:
    for at in [
        pa.int64(),
        pa.float64(),
        pa.bool_(),
        pa.date32(),
        pa.decimal128(15, 2),
        pa.timestamp("us"),
        pa.large_list(pa.int32()),
    ]:
        assert T.type_to_arrow(T.arrow_to_type(at)) == at
    assert T.type_to_arrow(T.arrow_to_type(pa.string())) == pa.large_string()
