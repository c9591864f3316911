"""Lambda expressions (``transform``, ``filter``, ``any_match``, ``all_match`` of
``functions_list``): bound once, run on DuckDB's list lambdas, refused clearly where the
engine's SQL has none. Expected values are computed in plain Python from the input rows."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

import planbridge as pb
from planbridge import Plan
from planbridge.engines import explain_query
from planbridge.errors import PlanValidationError, UnsupportedError
from planbridge.execute import bind
from tests.plan_builders import field, plan

LIST_URN = "extension:io.substrait:functions_list"
ARITH_URN = "extension:io.substrait:functions_arithmetic"
CMP_URN = "extension:io.substrait:functions_comparison"
NUL = {"nullability": "NULLABILITY_NULLABLE"}
I64 = {"i64": NUL}
LIST_I64 = {"list": {"type": I64, **NUL}}

ROWS = {
    "xs": [[1, 2, 3], [], None, [4, None, 6], [-5]],
    "ys": [[10, 20], [1], [2, 3], None, [7, 8]],
    "k": [100, 7, None, 2, 3],
}
TABLE = pa.table(
    {
        "xs": pa.array(ROWS["xs"], pa.list_(pa.int64())),
        "ys": pa.array(ROWS["ys"], pa.list_(pa.int64())),
        "k": pa.array(ROWS["k"], pa.int64()),
    }
)


def param(index: int, steps_out: int = 0) -> dict[str, Any]:
    return {
        "selection": {
            "directReference": {"structField": {"field": index}},
            "lambdaParameterReference": {"stepsOut": steps_out},
        }
    }


def lam(body: dict[str, Any], *params: dict[str, Any]) -> dict[str, Any]:
    return {"lambda": {"parameters": {"types": list(params or [I64])}, "body": body}}


def call(anchor: int, out: dict[str, Any], *args: dict[str, Any]) -> dict[str, Any]:
    return {
        "scalarFunction": {
            "functionReference": anchor,
            "arguments": [{"value": a} for a in args],
            "outputType": out,
        }
    }


FUNCTIONS = [
    (LIST_URN, "transform:list_func"),  # 1
    (LIST_URN, "filter:list_func"),  # 2
    (LIST_URN, "any_match:list_func"),  # 3
    (LIST_URN, "all_match:list_func"),  # 4
    (ARITH_URN, "add:i64_i64"),  # 5
    (ARITH_URN, "multiply:i64_i64"),  # 6
    (CMP_URN, "gt:i64_i64"),  # 7
]


def project_plan(*exprs: dict[str, Any]) -> Plan:
    """``SELECT exprs FROM t`` over the table ``t(xs, ys, k)``."""
    read = {
        "read": {
            "baseSchema": {
                "names": ["xs", "ys", "k"],
                "struct": {
                    "types": [LIST_I64, LIST_I64, I64],
                    "nullability": "NULLABILITY_REQUIRED",
                },
            },
            "namedTable": {"names": ["t"]},
        }
    }
    root = {
        "project": {
            "common": {"emit": {"outputMapping": list(range(3, 3 + len(exprs)))}},
            "input": read,
            "expressions": list(exprs),
        }
    }
    return plan(root, [f"r{i}" for i in range(len(exprs))], FUNCTIONS)


BOOL = {"bool": NUL}
XS, YS, K = field(0), field(1), field(2)
# transform(xs, x -> x + k): the body reads a column of the input row too
PLUS_K = call(1, LIST_I64, XS, lam(call(5, I64, param(0), K)))
# filter(xs, x -> x > 2)
ABOVE_2 = call(2, LIST_I64, XS, lam(call(7, BOOL, param(0), {"literal": {"i64": 2}})))
# transform(xs, x -> transform(ys, y -> x * y)): the inner body reads the outer parameter
OUTER_PRODUCT = call(
    1,
    {"list": {"type": LIST_I64, **NUL}},
    XS,
    lam(call(1, LIST_I64, YS, lam(call(6, I64, param(0, steps_out=1), param(0))))),
)
ANY_ABOVE_2 = call(3, BOOL, XS, lam(call(7, BOOL, param(0), {"literal": {"i64": 2}})))
ALL_ABOVE_2 = call(4, BOOL, XS, lam(call(7, BOOL, param(0), {"literal": {"i64": 2}})))


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def _gt(a: int | None, b: int) -> bool | None:
    return None if a is None else a > b


def _any(values: list[bool | None]) -> bool | None:
    """The YAML's any_match: true if any true; else null if any null; else false."""
    return True if True in values else (None if None in values else False)


def _all(values: list[bool | None]) -> bool | None:
    return False if False in values else (None if None in values else True)


def expected() -> list[tuple[Any, ...]]:
    out = []
    for xs, ys, k in zip(ROWS["xs"], ROWS["ys"], ROWS["k"], strict=True):
        if xs is None:
            out.append((None, None, None, None, None))
            continue
        product = [None if ys is None else [_mul(x, y) for y in ys] for x in xs]
        out.append(
            (
                [_add(x, k) for x in xs],
                [x for x in xs if _gt(x, 2)],
                product,
                _any([_gt(x, 2) for x in xs]),
                _all([_gt(x, 2) for x in xs]),
            )
        )
    return out


def _mul(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a * b


PLAN = project_plan(PLUS_K, ABOVE_2, OUTER_PRODUCT, ANY_ABOVE_2, ALL_ABOVE_2)


def test_duckdb_runs_lambdas_with_columns_and_outer_parameters() -> None:
    got = pb.execute(PLAN, engine="duckdb", tables={"t": TABLE})
    rows = list(zip(*(c.to_pylist() for c in got.columns), strict=True))
    assert rows == expected()


@pytest.mark.parametrize("engine", ["datafusion", "flink"])
def test_engines_without_lambdas_refuse_clearly(engine: str) -> None:
    plan = project_plan(ABOVE_2)
    with pytest.raises(UnsupportedError, match="lambda expressions are not supported") as info:
        if engine == "flink":  # the translation alone (no Flink job needed to refuse)
            explain_query(bind(plan, engine), engine)
        else:
            pb.execute(plan, engine=engine, tables={"t": TABLE})
    assert info.value.path == "relations[0].root.input.project"


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        (call(2, LIST_I64, XS, lam(call(7, BOOL, param(0, steps_out=1), K))), "steps_out=1"),
        (call(2, LIST_I64, XS, lam(call(7, BOOL, param(3), K))), "lambda parameter 3 out of range"),
        (call(7, BOOL, param(0), K), "steps_out=0 but only 0 enclosing lambdas"),
        (call(2, LIST_I64, XS, {"lambda": {"parameters": {}, "body": K}}), "no parameters"),
        (call(2, LIST_I64, XS, {"lambda": {"parameters": {"types": [I64]}}}), "no body"),
    ],
)
def test_malformed_lambdas_are_plan_errors_with_a_path(expr: dict[str, Any], reason: str) -> None:
    with pytest.raises(PlanValidationError, match=reason) as info:
        pb.execute(project_plan(expr), engine="duckdb", tables={"t": TABLE})
    assert "expressions[0]" in str(info.value)
