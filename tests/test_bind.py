"""The binder: corpus plans bind, hand-written plans bind to the expected IR, and every
problem is a PlanError with the plan path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from substrait import type_pb2 as stt

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.consumer.bind import bind_plan
from planbridge.errors import PlanError, PlanValidationError
from planbridge.plan import Plan

INTEROP = Path("/work/shared/interop")
TPCH = sorted((INTEROP / "ibis-substrait-tpch").glob("*.json"))
# Known-invalid corpus plans (checked by hand; see the report):
# (DuckDB's untyped NULL literals and the grouping-set column that DuckDB, DataFusion and
# old Isthmus omit are accepted as producer dialects; see consumer/bind.py.)
KNOWN_INVALID = {
    "tpc_h17.json",  # correlated ref written as a direct (not outer) reference
}


def corpus() -> list[Path]:
    return sorted((INTEROP / "consumer-testing" / "plans").rglob("*.json")) + TPCH


def test_corpus_binds() -> None:
    failures = {}
    for path in corpus():
        try:
            bind_plan(Plan.load(path))
        except PlanError as exc:
            failures[path.name] = str(exc)
    assert set(failures) == KNOWN_INVALID, failures


def _plan(
    rel: dict[str, Any],
    names: list[str],
    extensions: list[dict[str, Any]] | None = None,
    urns: list[dict[str, Any]] | None = None,
) -> Plan:
    doc: dict[str, Any] = {"relations": [{"root": {"input": rel, "names": names}}]}
    if extensions:
        doc["extensions"] = extensions
    if urns:
        doc["extensionUrns"] = urns
    return Plan.from_json(json.dumps(doc))


READ = {
    "read": {
        "baseSchema": {
            "names": ["a", "b"],
            "struct": {
                "types": [
                    {"i64": {"nullability": "NULLABILITY_REQUIRED"}},
                    {"string": {"nullability": "NULLABILITY_NULLABLE"}},
                ]
            },
        },
        "namedTable": {"names": ["t"]},
    }
}


def field(i: int) -> dict[str, Any]:
    return {"selection": {"directReference": {"structField": {"field": i}}, "rootReference": {}}}


ADD = [{"extensionFunction": {"extensionUrnReference": 1, "functionAnchor": 7, "name": "add"}}]
ARITH = [{"extensionUrnAnchor": 1, "urn": "extension:io.substrait:functions_arithmetic"}]


def test_read_types_and_names() -> None:
    bound = bind_plan(_plan(READ, ["x", "y"]))
    assert isinstance(bound.root, ir.NamedTableRead)
    assert bound.root.names == ("t",)
    assert [T.type_to_str(c.type) for c in bound.root.schema] == ["i64", "string?"]
    assert bound.output_names == ("x", "y")


def test_shared_schema_does_not_alias_the_plan() -> None:
    # Reads of one schema share bound columns across plans; changing a plan after binding
    # it must not change what a later plan with that schema binds to.
    first = _plan(READ, ["x", "y"])
    bind_plan(first)
    bind_plan(first)  # the schema is now shared
    read = first.proto.relations[0].root.input.read
    read.base_schema.struct.types[0].i64.nullability = stt.Type.NULLABILITY_NULLABLE
    read.base_schema.names[0] = "changed"
    again = bind_plan(_plan(READ, ["x", "y"]))
    assert [(c.name, T.type_to_str(c.type)) for c in again.root.schema] == [
        ("a", "i64"),
        ("b", "string?"),
    ]


def test_project_emit_and_derived_call_type() -> None:
    rel = {
        "project": {
            "input": READ,
            "common": {"emit": {"outputMapping": [2]}},
            "expressions": [
                {
                    "scalarFunction": {
                        "functionReference": 7,
                        "arguments": [{"value": field(0)}, {"value": field(0)}],
                    }
                }
            ],
        }
    }
    bound = bind_plan(_plan(rel, ["s"], ADD, ARITH))
    call = bound.root.expressions[0]  # type: ignore[attr-defined]
    assert isinstance(call, ir.Call) and call.name == "add"
    assert call.urn == "extension:io.substrait:functions_arithmetic"
    assert T.type_to_str(call.type) == "i64"  # derived from the registry
    assert [T.type_to_str(c.type) for c in bound.root.schema] == ["i64"]


@pytest.mark.parametrize(
    "uri",
    [
        "/functions_arithmetic.yaml",
        "functions_arithmetic.yaml",
        "https://github.com/substrait-io/substrait/blob/main/extensions/functions_arithmetic.yaml",
    ],
)
def test_legacy_uris_resolve(uri: str) -> None:
    doc = {
        "extensionUris": [{"extensionUriAnchor": 3, "uri": uri}],
        "extensions": [
            {
                "extensionFunction": {
                    "extensionUriReference": 3,
                    "functionAnchor": 1,
                    "name": "add:i64_i64",
                }
            }
        ],
        "relations": [
            {
                "root": {
                    "input": {
                        "project": {
                            "input": READ,
                            "common": {"emit": {"outputMapping": [2]}},
                            "expressions": [
                                {
                                    "scalarFunction": {
                                        "functionReference": 1,
                                        "arguments": [{"value": field(0)}, {"value": field(0)}],
                                    }
                                }
                            ],
                        }
                    },
                    "names": ["s"],
                }
            }
        ],
    }
    call = bind_plan(Plan.from_json(json.dumps(doc))).root.expressions[0]  # type: ignore[attr-defined]
    assert (call.name, call.signature, call.urn) == (
        "add",
        "add:i64_i64",
        "extension:io.substrait:functions_arithmetic",
    )


def test_field_out_of_range_has_path() -> None:
    rel = {"filter": {"input": READ, "condition": field(5)}}
    with pytest.raises(PlanValidationError) as info:
        bind_plan(_plan(rel, ["a", "b"]))
    assert (
        info.value.path
        == "relations[0].root.input.filter.condition.selection.direct_reference.struct_field"
    )
    assert "out of range" in info.value.reason


def test_undeclared_function_anchor() -> None:
    rel = {
        "project": {"input": READ, "expressions": [{"scalarFunction": {"functionReference": 9}}]}
    }
    with pytest.raises(PlanValidationError, match="function reference 9"):
        bind_plan(_plan(rel, ["a", "b", "c"]))


def test_root_names_arity() -> None:
    with pytest.raises(PlanValidationError) as info:
        bind_plan(_plan(READ, ["only_one"]))
    assert info.value.path == "relations[0].root.names"


@pytest.mark.parametrize(
    "jt,expected",
    [
        ("JOIN_TYPE_INNER", ["i64", "string?", "i64", "string?"]),
        ("JOIN_TYPE_LEFT", ["i64", "string?", "i64?", "string?"]),
        ("JOIN_TYPE_LEFT_SEMI", ["i64", "string?"]),
        ("JOIN_TYPE_RIGHT_ANTI", ["i64", "string?"]),
        ("JOIN_TYPE_LEFT_MARK", ["i64", "string?", "boolean?"]),
    ],
)
def test_join_output(jt: str, expected: list[str]) -> None:
    rel = {
        "join": {
            "left": READ,
            "right": copy.deepcopy(READ),
            "type": jt,
            "expression": {"literal": {"boolean": True}},
        }
    }
    bound = bind_plan(_plan(rel, [f"c{i}" for i in range(len(expected))]))
    assert [T.type_to_str(c.type) for c in bound.root.schema] == expected


def test_decimal_and_fetch_literals() -> None:
    # 12345 unscaled at scale 2 = 123.45, 16 bytes little-endian
    value = (12345).to_bytes(16, "little", signed=True)
    import base64

    lit = {
        "literal": {
            "decimal": {"value": base64.b64encode(value).decode(), "precision": 10, "scale": 2}
        }
    }
    rel = {
        "fetch": {
            "input": {"project": {"input": READ, "expressions": [lit]}},
            "offsetExpr": {"literal": {"i64": "2"}},
            "countExpr": {"literal": {"i64": "5"}},
        }
    }
    bound = bind_plan(_plan(rel, ["a", "b", "d"]))
    import decimal

    assert bound.root.inputs()[0].expressions[0].value == decimal.Decimal("123.45")  # type: ignore[attr-defined]
    assert T.type_to_str(bound.root.schema[2].type) == "decimal<10,2>"
    assert bound.root.offset.value == 2 and bound.root.count.value == 5  # type: ignore[attr-defined]


def test_shared_literal_does_not_alias_the_plan() -> None:
    # Literals are remembered by encoding; changing a plan after binding it must not change
    # what a later plan with the same literal binds to (a typed null holds the plan's type).
    null = {"literal": {"null": {"i64": {"nullability": "NULLABILITY_NULLABLE"}}}}
    rel = {"project": {"input": READ, "expressions": [null]}}
    first = _plan(rel, ["a", "b", "n"])
    bind_plan(first)
    bind_plan(first)  # the literal is now remembered
    lit = first.proto.relations[0].root.input.project.expressions[0].literal
    lit.null.i64.nullability = stt.Type.NULLABILITY_REQUIRED
    again = bind_plan(_plan(rel, ["a", "b", "n"]))
    expr = again.root.expressions[0]  # type: ignore[attr-defined]
    assert expr.value is None and T.type_to_str(expr.type) == "i64?"


def test_outer_reference_in_subquery() -> None:
    outer = {
        "selection": {
            "directReference": {"structField": {"field": 1}},
            "outerReference": {"stepsOut": 1},
        }
    }
    sub = {
        "filter": {
            "input": READ,
            "condition": {
                "scalarFunction": {
                    "functionReference": 2,
                    "arguments": [{"value": field(1)}, {"value": outer}],
                }
            },
        }
    }
    rel = {
        "filter": {
            "input": READ,
            "condition": {
                "subquery": {"setPredicate": {"predicateOp": "PREDICATE_OP_EXISTS", "tuples": sub}}
            },
        }
    }
    ext = [
        {"extensionFunction": {"extensionUrnReference": 1, "functionAnchor": 2, "name": "equal"}}
    ]
    urns = [{"extensionUrnAnchor": 1, "urn": "extension:io.substrait:functions_comparison"}]
    bound = bind_plan(_plan(rel, ["a", "b"], ext, urns))
    pred = bound.root.condition  # type: ignore[attr-defined]
    assert isinstance(pred, ir.SetPredicate) and pred.op == "exists"
    ref = pred.rel.condition.args[1]  # type: ignore[attr-defined]
    assert isinstance(ref, ir.OuterRef) and (ref.steps_out, ref.index) == (1, 1)
    bad = json.loads(json.dumps(rel).replace('"stepsOut": 1', '"stepsOut": 3'))
    with pytest.raises(PlanValidationError, match="steps_out=3"):
        bind_plan(_plan(bad, ["a", "b"], ext, urns))
