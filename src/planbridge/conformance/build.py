"""Small helpers for writing conformance pipelines with substrait-python's builders.

Cases build plans with ``substrait.builders.plan`` / ``extended_expression``; these helpers
only shorten the common parts (type names, the standard function URNs, the case tables'
schemas) and turn the builder's result into a :class:`planbridge.Plan`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from substrait import algebra_pb2 as stalg
from substrait import plan_pb2 as stp
from substrait import type_pb2 as stt
from substrait.builders import extended_expression as E
from substrait.builders import plan as P
from substrait.builders import type as BT
from substrait.extension_registry import ExtensionRegistry

from planbridge.plan import Plan

URN = {
    family: f"extension:io.substrait:functions_{family}"
    for family in (
        "arithmetic",
        "arithmetic_decimal",
        "boolean",
        "comparison",
        "string",
        "datetime",
        "rounding",
        "rounding_decimal",
        "logarithmic",
        "aggregate_generic",
        "aggregate_approx",
        "list",
    )
}

# The columns of conformance/cases/data (see make_data.py), as Substrait type names.
T_COLUMNS = {
    "id": "i64",
    "g": "string",
    "a": "i64",
    "x": "fp64",
    "d": "dec(15,2)",
    "dt": "date",
    "ts": "ts",
    "s": "string",
    "flag": "bool",
}
U_COLUMNS = {"uid": "i64", "g": "string", "w": "i64", "label": "string"}

JOIN = stalg.JoinRel
SET = stalg.SetRel
ASC_NULLS_FIRST = stalg.SortField.SORT_DIRECTION_ASC_NULLS_FIRST
ASC_NULLS_LAST = stalg.SortField.SORT_DIRECTION_ASC_NULLS_LAST
DESC_NULLS_FIRST = stalg.SortField.SORT_DIRECTION_DESC_NULLS_FIRST
DESC_NULLS_LAST = stalg.SortField.SORT_DIRECTION_DESC_NULLS_LAST
DISTINCT = stalg.AggregateFunction.AGGREGATION_INVOCATION_DISTINCT


@functools.cache
def registry() -> ExtensionRegistry:
    """substrait-python's registry with the standard extension YAMLs."""
    return ExtensionRegistry(load_default_extensions=True)


def dtype(name: str, nullable: bool = True) -> stt.Type:
    """A Substrait type from a short name: i8..i64, fp32, fp64, string, bool, date, ts,
    dec(P,S)."""
    m = re.fullmatch(r"dec\((\d+),(\d+)\)", name.replace(" ", ""))
    if m:
        return BT.decimal(int(m.group(2)), int(m.group(1)), nullable=nullable)
    simple: dict[str, Callable[..., stt.Type]] = {
        "i8": BT.i8,
        "i16": BT.i16,
        "i32": BT.i32,
        "i64": BT.i64,
        "fp32": BT.fp32,
        "fp64": BT.fp64,
        "string": BT.string,
        "bool": BT.boolean,
        "date": BT.date,
    }
    if name == "ts":
        return BT.precision_timestamp(6, nullable=nullable)
    if name not in simple:
        raise ValueError(f"unknown type name {name!r}")
    return simple[name](nullable=nullable)


def schema(columns: dict[str, str]) -> stt.NamedStruct:
    """A read's base schema from ``{name: type name}`` (every column nullable)."""
    return BT.named_struct(
        list(columns), BT.struct([dtype(t) for t in columns.values()], nullable=False)
    )


def table_t(columns: Sequence[str] | None = None) -> Any:
    """Read the named table ``t`` (all columns, or the given ones in that order)."""
    cols = {c: T_COLUMNS[c] for c in (columns or T_COLUMNS)}
    return P.read_named_table("t", schema(cols))


def table_u() -> Any:
    """Read the named table ``u`` (the join partner of ``t``)."""
    return P.read_named_table("u", schema(U_COLUMNS))


def col(name: str | int, alias: str | None = None) -> Any:
    return E.column(name, alias=alias)


def lit(value: Any, type_name: str, alias: str | None = None) -> Any:
    return E.literal(value, dtype(type_name), alias=alias)


def fn(family: str, name: str, *args: Any, alias: str | None = None, **options: str) -> Any:
    """A scalar call of a standard function (``fn("arithmetic", "add", a, b)``)."""
    return E.scalar_function(URN[family], name, list(args), alias=alias, options=options or None)


def agg(family: str, name: str, *args: Any, alias: str | None = None, **kw: Any) -> Any:
    """An aggregate measure of a standard function."""
    return E.aggregate_function(URN[family], name, list(args), alias=alias, **kw)


def to_plan(unbound: Any, names: Iterable[str] | None = None) -> Plan:
    """Resolve a builder result into a :class:`Plan`; ``names`` replaces the root's names."""
    proto: stp.Plan = unbound if isinstance(unbound, stp.Plan) else unbound(registry())
    if names is not None:
        root = proto.relations[-1].root
        del root.names[:]
        root.names.extend(names)
    return Plan(proto)


def emit(plan: Plan, mapping: Sequence[int], names: Iterable[str]) -> Plan:
    """Set ``common.emit.output_mapping`` on the root relation and rename the outputs."""
    root = plan.proto.relations[-1].root
    rel = getattr(root.input, root.input.WhichOneof("rel_type"))
    rel.common.emit.output_mapping[:] = list(mapping)
    del root.names[:]
    root.names.extend(names)
    return plan


__all__ = [
    "ASC_NULLS_FIRST",
    "ASC_NULLS_LAST",
    "DESC_NULLS_FIRST",
    "DESC_NULLS_LAST",
    "DISTINCT",
    "JOIN",
    "SET",
    "URN",
    "E",
    "P",
    "agg",
    "col",
    "dtype",
    "emit",
    "fn",
    "lit",
    "registry",
    "schema",
    "table_t",
    "table_u",
    "to_plan",
]
