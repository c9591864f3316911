"""Function calls resolved through substrait-python's ExtensionRegistry.

A function name is looked up across every standard extension that defines it (base
extensions before their decimal/approx variants), and the overload matching the argument
types wins; the builders of ``substrait.builders.extended_expression`` emit the call.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from substrait import algebra_pb2 as stalg
from substrait.builders import extended_expression as eb
from substrait.extension_registry import build_scoped
from substrait.extension_registry.function_entry import FunctionType
from substrait.type_inference import infer_extended_expression_schema

from planbridge.errors import PlanBuildError
from planbridge.frontend.types import type_str
from planbridge.registry import registry

_BUILDERS = {
    FunctionType.SCALAR: eb.scalar_function,
    FunctionType.AGGREGATE: eb.aggregate_function,
    FunctionType.WINDOW: eb.window_function,
}


def _priority(urn: str) -> int:
    tail = urn.rsplit(":", 1)[-1]
    return (2 if "approx" in tail else 0) + (1 if "decimal" in tail else 0)


@functools.cache
def function_index() -> dict[str, tuple[FunctionType, tuple[str, ...]]]:
    """``{name: (function type, URNs defining it, preferred first)}`` from the registry."""
    grouped: dict[str, list[Any]] = defaultdict(lambda: [None, []])
    for urn, name, ftype in registry().iter_functions():
        grouped[name][0] = grouped[name][0] or ftype
        grouped[name][1].append(urn)
    return {
        name: (ftype, tuple(sorted(urns, key=_priority))) for name, (ftype, urns) in grouped.items()
    }


def function_kind(name: str) -> FunctionType:
    """Scalar, aggregate or window; unknown names are a PlanBuildError."""
    entry = function_index().get(name)
    if entry is None:
        raise PlanBuildError(f"{name!r} is not a function of the standard Substrait extensions")
    return entry[0]


def _signature(bound: Sequence[Any]) -> list[Any]:
    sig: list[Any] = []
    for b in bound:
        if isinstance(b, eb.EnumArg):
            sig.append(b.value)
        else:
            sig.extend(infer_extended_expression_schema(b, registry=registry()).types)
    return sig


def _describe(sig: Sequence[Any]) -> str:
    return ", ".join(s if isinstance(s, str) else type_str(s) for s in sig)


def call_unbound(
    name: str,
    args: Sequence[Any],
    *,
    kind: FunctionType | None = None,
    alias: str | None = None,
    invocation: int | None = None,
    sorts: Sequence[tuple[Any, int]] = (),
    options: dict[str, Any] | None = None,
) -> eb.UnboundExtendedExpression:
    """An unbound call of ``name`` over unbound ``args`` (EnumArg for enumeration args)."""
    ftype, urns = function_index().get(name, (None, ()))
    if ftype is None:
        raise PlanBuildError(f"{name!r} is not a function of the standard Substrait extensions")
    kind = kind or ftype
    builder = _BUILDERS[kind]

    def resolve(base_schema, reg):
        bound = [
            a if isinstance(a, eb.EnumArg) else eb.resolve_expression(a, base_schema, reg)
            for a in args
        ]
        sig = _signature(bound)
        match = reg.find_function(name, sig, list(urns))
        if match is None:
            raise PlanBuildError(f"no overload of {name}({_describe(sig)}) in {', '.join(urns)}")
        extra: dict[str, Any] = {}
        if kind is FunctionType.AGGREGATE:
            extra = {"invocation": invocation, "sorts": list(sorts)}
        return builder(
            match[0].urn, name, expressions=bound, alias=alias, options=options, **extra
        )(base_schema, reg)

    return build_scoped(resolve)


DISTINCT = stalg.AggregateFunction.AGGREGATION_INVOCATION_DISTINCT
