"""Small hand-built Substrait plans (protobuf JSON) for engine tests.

Written out by hand so a test controls every name, type and literal a hostile producer
could put in a plan.
"""

from __future__ import annotations

import json
from typing import Any

from planbridge import Plan

CMP_URN = "extension:io.substrait:functions_comparison"
STR_URN = "extension:io.substrait:functions_string"


def typ(name: str, nullable: bool = True) -> dict[str, Any]:
    return {name: {"nullability": "NULLABILITY_NULLABLE" if nullable else "NULLABILITY_REQUIRED"}}


def field(i: int) -> dict[str, Any]:
    return {"selection": {"directReference": {"structField": {"field": i}}, "rootReference": {}}}


def read(table: str, columns: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "read": {
            "baseSchema": {
                "names": [n for n, _ in columns],
                "struct": {
                    "types": [typ(t) for _, t in columns],
                    "nullability": "NULLABILITY_REQUIRED",
                },
            },
            "namedTable": {"names": [table]},
        }
    }


def call(anchor: int, args: list[dict[str, Any]], out: str) -> dict[str, Any]:
    return {
        "scalarFunction": {
            "functionReference": anchor,
            "arguments": [{"value": a} for a in args],
            "outputType": typ(out),
        }
    }


def plan(root: dict[str, Any], names: list[str], functions: list[tuple[str, str]]) -> Plan:
    """A plan over ``root`` declaring ``functions`` as (urn, compound name), anchors 1..n."""
    urns = sorted({u for u, _ in functions})
    return Plan.from_json(
        json.dumps(
            {
                "extensionUrns": [
                    {"extensionUrnAnchor": i + 1, "urn": u} for i, u in enumerate(urns)
                ],
                "extensions": [
                    {
                        "extensionFunction": {
                            "extensionUrnReference": urns.index(u) + 1,
                            "functionAnchor": i + 1,
                            "name": name,
                        }
                    }
                    for i, (u, name) in enumerate(functions)
                ],
                "relations": [{"root": {"input": root, "names": names}}],
                "version": {"minorNumber": 75, "producer": "planbridge-tests"},
            }
        )
    )


def filter_equal_string(table: str, columns: list[tuple[str, str]], col: int, value: str) -> Plan:
    """``SELECT * FROM table WHERE columns[col] = value``."""
    cond = call(1, [field(col), {"literal": {"string": value}}], "bool")
    root = {"filter": {"input": read(table, columns), "condition": cond}}
    return plan(root, [n for n, _ in columns], [(CMP_URN, "equal:any_any")])


def sorted_read(table: str, columns: list[tuple[str, str]], key: int, desc: bool) -> Plan:
    """``SELECT * FROM table ORDER BY columns[key]``."""
    direction = "SORT_DIRECTION_DESC_NULLS_LAST" if desc else "SORT_DIRECTION_ASC_NULLS_LAST"
    root = {
        "sort": {
            "input": read(table, columns),
            "sorts": [{"expr": field(key), "direction": direction}],
        }
    }
    return plan(root, [n for n, _ in columns], [])
