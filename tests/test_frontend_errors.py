"""Bad API use fails when it is built, as a PlanBuildError that says what and where."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

import planbridge as pb
from planbridge.errors import PlanBuildError
from planbridge.validate import validate_plan

T = pb.table("t", {"a": "int64", "s": "string"})

CASES = {
    "negative limit": (lambda: T.limit(-1), r"limit\(-1\)"),
    "join with a non-table": (lambda: T.join(5, "a"), "right side must be a table"),
    "union of different types": (lambda: T.union(T.select("a")), "column types differ"),
    "empty select": (lambda: T.select(), "at least one column"),
    "empty filter": (lambda: T.filter(), "at least one predicate"),
    "unknown type": (lambda: pb.table("x", {"a": "int65"}), "unknown type 'int65'"),
    "schema of the wrong kind": (lambda: pb.table("x", 5), "cannot read a schema"),
    "empty table name": (lambda: pb.table("", {"a": "int64"}), "non-empty string"),
    "unknown join kind": (lambda: T.join(T.view(), "a", how="sideways"), "sideways"),
    "empty isin": (lambda: T.a.isin([]), r"a\.isin\(\[\]\)"),
    "scalar subquery of two columns": (lambda: T.as_scalar(), "exactly one column"),
    "python and/or on expressions": (lambda: bool(T.a > 1), "no truth value"),
    "string plus integer": (lambda: T.s + 1, r"concat\(s, 1\).*no overload"),
    "rename a missing column": (lambda: T.rename(b="zz"), r"no columns \['zz'\]"),
    "drop a missing column": (lambda: T.drop("zz"), r"no columns \['zz'\]"),
    "metric that is not an aggregate": (lambda: T.aggregate(x=T.a), "x = a is not an aggregate"),
    "over on a plain column": (lambda: T.a.over(), "needs an aggregate or window function"),
    "cast to an unknown type": (lambda: T.a.cast("nonsense"), "unknown type"),
    "non-boolean case condition": (lambda: pb.case().when(T.a, 1).end(), "not boolean"),
    "integer literal beyond i64": (lambda: pb.literal(2**70), "does not fit in i64"),
    "aggregate inside an aggregate": (lambda: T.a.sum().sum(), "cannot contain another"),
    "aggregate in select": (lambda: T.select(x=T.a.sum()), "is an aggregate"),
    "duplicate output names": (lambda: T.select(T.a, a=T.a + 1), "duplicate output column"),
    "window function without over": (
        lambda: T.select(r=pb.row_number()).to_substrait(),
        r"row_number\(\) is a window function",
    ),
    "mixed interval units": (lambda: pb.interval(months=1, days=1), "not both"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_build_error(name: str) -> None:
    make, pattern = CASES[name]
    with pytest.raises(PlanBuildError, match=pattern):
        make()


def test_tables_are_immutable() -> None:
    with pytest.raises(AttributeError, match="immutable"):
        T.schema = {}  # type: ignore[misc]


def test_unrelated_table_column_is_refused_outside_a_subquery() -> None:
    other = pb.table("u", {"b": "int64"})
    with pytest.raises(PlanBuildError, match="does not read"):
        T.filter(other.b > 1).to_substrait()


def test_timestamps_and_interval_arithmetic_run_on_both_engines() -> None:
    data = pa.table(
        {
            "ts": pa.array([dt.datetime(2024, 1, 31, 23, 30), None], pa.timestamp("us")),
            "tz": pa.array(
                [dt.datetime(2024, 1, 31, 23, 30, tzinfo=dt.UTC), None], pa.timestamp("us", "UTC")
            ),
        }
    )
    t = pb.table("t", data.schema)
    q = t.select(
        a=t.ts + pb.interval(hours=1),
        b=t.ts - pb.interval(days=1),
        c=t.ts + pb.interval(months=1),
        h=t.ts.hour(),
        y=t.ts.year(),
        later=t.ts > "2024-01-01 00:00:00",
        tzh=t.tz + pb.interval(minutes=5),
    )
    assert validate_plan(q.to_substrait()) == []
    want = {
        "a": dt.datetime(2024, 2, 1, 0, 30),
        "b": dt.datetime(2024, 1, 30, 23, 30),
        "c": dt.datetime(2024, 2, 29, 23, 30),
        "h": 23,
        "y": 2024,
        "later": True,
        "tzh": dt.datetime(2024, 1, 31, 23, 35, tzinfo=dt.UTC),
    }
    for engine in ("duckdb", "datafusion"):
        first, second = q.execute(engine=engine, tables={"t": data}).to_pylist()
        assert first == want, engine
        assert all(v is None for v in second.values()), engine
