"""The protobuf message calls the binder makes for (nearly) every node, made cheaper.

With upb (protobuf's runtime), ``msg.WhichOneof(name)`` first looks ``WhichOneof`` up
among the message's field names, then binds a method: both on every call. Called on
the runtime's message base class instead (``which(msg, name)``), the same C methods
skip that and cost a third less; binding a plan makes a few hundred such calls. Other
runtimes get the plain method calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.internal import api_implementation
from substrait import algebra_pb2

which: Callable[[Any, str], str | None]
has: Callable[[Any, str], bool]
encoding: Callable[[Any], bytes]

if api_implementation.Type() == "upb":
    _BASE: Any = algebra_pb2.Expression.__mro__[1]  # upb's Message: the methods' owner
    which = _BASE.WhichOneof
    has = _BASE.HasField
    encoding = _BASE.SerializeToString
else:  # pragma: no cover - planbridge runs on upb; any other runtime works, only slower

    def which(msg: Any, name: str) -> str | None:
        return msg.WhichOneof(name)

    def has(msg: Any, name: str) -> bool:
        return msg.HasField(name)

    def encoding(msg: Any) -> bytes:
        return msg.SerializeToString()
