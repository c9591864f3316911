"""planbridge's streaming extension: the only code that knows its message layout.

Engines and the binder ask this package what an extension relation is
(:func:`describe`), what it outputs (:func:`output_columns`) and what it means on bounded
input (:func:`planbridge.streaming.lower.lower_plan`). Semantics:
docs/streaming-semantics.md.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.any_pb2 import Any as AnyProto

from planbridge.errors import UnsupportedError
from planbridge.streaming.relations import (
    DETAILS,
    WINDOW_COLUMNS,
    ProcessingTime,
    Replay,
    StreamingRelation,
    TemporalJoin,
    Watermark,
    WindowTVF,
)


def is_streaming(detail: AnyProto) -> bool:
    """Whether an extension relation's detail is one of planbridge's streaming messages."""
    return detail.type_url in DETAILS


def decode(detail: AnyProto, path: str = "detail") -> StreamingRelation:
    """The decoded streaming relation; UnsupportedError (naming it) for any other detail."""
    cls = DETAILS.get(detail.type_url)
    if cls is None:
        raise UnsupportedError(
            f"extension relation {detail.type_url or '(no detail)'} is not a planbridge "
            f"streaming relation",
            path,
        )
    return cls.from_any(detail, path)


def describe(rel: Any) -> StreamingRelation:
    """Decode and check a bound ``ir.Extension``: a Watermark, ProcessingTime, WindowTVF or
    TemporalJoin.

    Column ordinals in the result index the relation's input(s); the relation's output
    columns are ``rel.columns`` (input columns, plus window_start/window_end/window_time
    for a WindowTVF, plus the processing-time column for a ProcessingTime; probe then versioned-table columns for a TemporalJoin).
    """
    decoded = decode(rel.detail, f"{rel.path}.detail")
    decoded.check([tuple(c.type for c in i.schema) for i in rel.inputs()], rel.path)
    return decoded


def output_types(detail: AnyProto, inputs: list[tuple[Any, ...]], path: str) -> tuple[Any, ...]:
    """The output column types of a streaming relation over inputs with these types."""
    return decode(detail, f"{path}.detail").output_types(inputs, path)


def output_names(detail: AnyProto, input_names: list[str], path: str = "detail") -> list[str]:
    """The output column names given the inputs' (top-level) column names."""
    return decode(detail, path).output_names(input_names)


def register(registry: Any) -> Any:
    """Register the streaming relations with a substrait-python ``ExtensionRegistry``."""
    for cls in DETAILS.values():
        registry.register_extension_relation(cls)
    return registry


__all__ = [
    "WINDOW_COLUMNS",
    "ProcessingTime",
    "Replay",
    "StreamingRelation",
    "TemporalJoin",
    "Watermark",
    "WindowTVF",
    "decode",
    "describe",
    "is_streaming",
    "output_names",
    "output_types",
    "register",
]
