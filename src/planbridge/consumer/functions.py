"""Extension resolution: function anchors -> (name, signature, URN), output-type derivation."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from substrait import plan_pb2
from substrait import type_pb2 as stt

from planbridge import types as T
from planbridge.compat import check_current
from planbridge.consumer.messages import which
from planbridge.errors import PlanValidationError
from planbridge.registry import registry, urn_for_uri

# DataFusion writes u32::MAX when it declared no extension URI at all.
MISSING_URN_REFERENCE = 4294967295


@dataclass(frozen=True)
class FunctionDecl:
    """A declared extension function: bare name, compound signature, URN ('' if unknown)."""

    name: str
    signature: str
    urn: str
    # The signature when the plan declared a compound name (``add:i64_i64``), else '' (what
    # ir.Call.signature holds); computed once per declaration, not once per call.
    compound: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compound", self.signature if ":" in self.signature else "")


def resolve_functions(plan: plan_pb2.Plan) -> dict[int, FunctionDecl]:
    """Map each function anchor to its declaration; a dangling URN reference is an error."""
    return resolve_declarations(plan)[0]


def resolve_declarations(plan: plan_pb2.Plan) -> tuple[dict[int, FunctionDecl], list[Any]]:
    """The function declarations by anchor (as :func:`resolve_functions`) and the declared
    user-defined types, from one pass over the plan's extension declarations."""
    urns: dict[int, str] = {}
    for u in plan.extension_urns[:]:  # slices: see consumer.expressions on upb's containers
        urns[u.extension_urn_anchor] = urn_for_uri(u.urn) or u.urn
    out: dict[int, FunctionDecl] = {}
    types = []
    for i, decl in enumerate(plan.extensions[:]):
        kind = which(decl, "mapping_type")
        if kind != "extension_function":
            if kind == "extension_type":
                check_current(decl.extension_type)
                types.append(decl.extension_type)
            continue
        f = decl.extension_function
        check_current(f)
        ref = f.extension_urn_reference
        urn = urns.get(ref)
        if urn is None:
            if ref and ref != MISSING_URN_REFERENCE:
                raise PlanValidationError(
                    f"extension URN reference {ref} is not declared in extension_urns",
                    f"extensions[{i}].extension_function",
                )
            urn = ""
        name = f.name
        if not name:
            raise PlanValidationError(
                "extension function has no name", f"extensions[{i}].extension_function"
            )
        out[f.function_anchor] = _declaration(name, urn)
    return out, types


@functools.lru_cache(maxsize=4096)
def _declaration(name: str, urn: str) -> FunctionDecl:
    """One immutable declaration per (compound name, URN): plans declare the same few."""
    return FunctionDecl(name.split(":", 1)[0], name, urn)


def derive_output_type(decl: FunctionDecl, arg_types: list[stt.Type], path: str) -> stt.Type:
    """The output type of ``decl`` applied to ``arg_types``, from the standard registry.

    Looks in the declared URN first, then by name across all URNs (URI missing or odd).
    """
    if any(not T.kind(t) for t in arg_types):
        return T.unknown()  # argument types unknown (untyped schema): the engine decides
    reg = registry()
    found = None
    try:
        if decl.urn and reg.has_urn(decl.urn):
            found = reg.lookup_function(decl.urn, decl.name, arg_types)
        if found is None:
            found = reg.find_function(decl.name, arg_types)
    except Exception:  # the registry's matcher trips on odd types: treat as no match
        found = None
    if found is None:
        # Not a standard signature (e.g. DataFusion's round(fp64, i64)): leave the type to
        # the engine; validate reports the mismatch (see signature_problem).
        return T.unknown()
    return found[1]


def signature_problem(decl: FunctionDecl, arg_types: list[stt.Type | str]) -> str | None:
    """Why ``decl`` applied to ``arg_types`` matches no standard signature, or None.

    Enumeration arguments (``extract``'s component) appear as their option strings.
    """
    if any(not isinstance(t, str) and not T.kind(t) for t in arg_types):
        return None
    reg = registry()
    if decl.urn and not reg.has_urn(decl.urn):
        return None  # a non-standard extension: nothing to check against
    try:
        if decl.urn:
            found = reg.lookup_function(decl.urn, decl.name, arg_types)
        else:
            found = reg.find_function(decl.name, arg_types)
    except Exception:
        found = None
    if found is not None:
        return None
    sig = ", ".join(t if isinstance(t, str) else T.type_to_str(t) for t in arg_types)
    return f"function {decl.name}({sig}) matches no signature in {decl.urn or 'any standard extension'}"
