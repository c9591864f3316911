"""Entry point of the binder: a :class:`planbridge.Plan` -> :class:`ir.BoundPlan`.

Every failure is a :class:`~planbridge.errors.PlanError` with the plan path; anything else
escaping the binder (a protobuf quirk, a recursion limit) is converted here.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from substrait import algebra_pb2 as stalg
from substrait import type_pb2 as stt

from planbridge import types as T
from planbridge.compat import LegacyFields
from planbridge.consumer import ir
from planbridge.consumer.expressions import Context
from planbridge.consumer.functions import resolve_declarations
from planbridge.consumer.messages import which
from planbridge.consumer.relations import bind_rel
from planbridge.errors import PlanError, PlanValidationError
from planbridge.plan import Plan
from planbridge.registry import urn_for_uri

# Producers whose ProjectRel without emit outputs only the expressions (nonconformant).
_EXPRESSIONS_ONLY = {"duckdb", "datafusion"}
# Producers whose multi-set AggregateRel omits the spec's trailing grouping-set index column
# (also Isthmus releases old enough to write no version at all).
_NO_GROUPING_SET_COLUMN = {"duckdb", "datafusion"}


def bind_plan(plan: Plan) -> ir.BoundPlan:
    """Bind the plan's (single) root relation, resolving extensions, fields and types."""
    try:
        return _checked(plan)
    except LegacyFields:  # decoded without the unknown-field pass: decode it the full way
        return _checked(Plan.from_bytes(plan.proto.SerializeToString()))


def _checked(plan: Plan) -> ir.BoundPlan:
    """:func:`_bind`, with anything but a PlanError (or LegacyFields) made a PlanError."""
    try:
        return _bind(plan)
    except PlanError:
        raise
    except RecursionError:
        raise PlanValidationError("plan nests relations or expressions too deeply") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise PlanValidationError(f"plan is malformed: {type(exc).__name__}: {exc}") from None


def _bind(plan: Plan) -> ir.BoundPlan:
    functions, declared_types = resolve_declarations(plan.proto)
    proto = _bound_unsigned_types(plan.proto, declared_types)
    ctx = Context(functions=functions, bind_rel=bind_rel)
    relations = proto.relations[:]  # a list: see consumer.expressions on upb's containers
    ctx.subtrees = [r.rel for r in relations]
    producer = proto.version.producer.lower()
    ctx.project_emits_expressions_only = producer in _EXPRESSIONS_ONLY
    ctx.grouping_set_column = proto.HasField("version") and producer not in _NO_GROUPING_SET_COLUMN
    roots = [i for i, r in enumerate(relations) if which(r, "rel_type") == "root"]
    if not roots:
        raise PlanValidationError("plan has no root relation", "relations")
    if len(roots) > 1:
        raise PlanValidationError(
            f"plan has {len(roots)} root relations; expected one", "relations"
        )
    i = roots[0]
    root = relations[i].root
    path = f"relations[{i}].root"
    if not root.HasField("input"):
        raise PlanValidationError("root has no input relation", path)
    rel = bind_rel(root.input, f"{path}.input", ctx)
    names = tuple(root.names[:])
    schema = rel.schema
    widths = [T.count_names(c.type) for c in schema]  # names each output column takes
    need = sum(widths)
    if names and len(names) != need:
        raise PlanValidationError(
            f"root has {len(names)} names but its output needs {need} "
            f"({len(schema)} columns, struct fields counted depth-first)",
            f"{path}.names",
        )
    if not names:
        names = tuple(c.name for c in schema)
    output, pos = [], 0
    for width in widths:
        output.append(names[pos])
        pos += width
    return ir.BoundPlan(rel, names, tuple(output), plan)


def _bound_unsigned_types(proto: Any, declared: list[Any]) -> Any:
    """The plan with the ``unsigned_integers`` extension's types (``u8`` .. ``u64``) at
    planbridge's reserved anchors (see :data:`planbridge.types.UNSIGNED_ANCHORS`); the plan
    itself when it declares none (no copy, no walk). ``declared``: its extension types."""
    if not declared:
        return proto  # no user-defined types (most plans): no URN map needed
    urns = {u.extension_urn_anchor: urn_for_uri(u.urn) or u.urn for u in proto.extension_urns}
    anchors = {}
    for t in declared:
        if urns.get(t.extension_urn_reference) == T.UNSIGNED_URN and t.name in T.UNSIGNED_ANCHORS:
            anchors[t.type_anchor] = T.UNSIGNED_ANCHORS[t.name]
    if not anchors:
        return proto
    out = type(proto)()
    out.CopyFrom(proto)
    _rewrite_type_references(out, anchors)
    return out


def _rewrite_type_references(msg: Message, anchors: dict[int, int]) -> None:
    """Point every user-defined type and literal whose reference is in ``anchors`` at the
    reserved anchor (references to other user-defined types are left as they are)."""
    stack = [msg]
    while stack:
        m = stack.pop()
        if isinstance(m, _USER_DEFINED) and m.type_reference in anchors:
            m.type_reference = anchors[m.type_reference]
        for fd, value in m.ListFields():
            if fd.type == fd.TYPE_MESSAGE:
                stack.extend(value if fd.is_repeated else [value])


_USER_DEFINED = (stt.Type.UserDefined, stalg.Expression.Literal.UserDefined)
