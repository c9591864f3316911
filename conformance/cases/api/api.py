"""Pipelines written in planbridge's dataframe API over the case tables t and u.

Each function returns a planbridge Table (the runner calls ``to_substrait()``);
api.cases.json holds the DuckDB SQL for each.
"""

from __future__ import annotations

from pathlib import Path

import planbridge as pb

DATA = Path(__file__).resolve().parent.parent / "data"

t = pb.table(
    "t",
    {
        "id": "int64",
        "g": "string",
        "a": "int64",
        "x": "float64",
        "d": "decimal(15,2)",
        "dt": "date",
        "ts": "timestamp",
        "s": "string",
        "flag": "boolean",
    },
)
u = pb.table("u", {"uid": "int64", "g": "string", "w": "int64", "label": "string"})


def filter_mutate():
    return t.filter(t.a > 15, t.flag).mutate(a2=t.a * 2, up=t.s.upper()).select("id", "a2", "up")


def group_aggregate():
    return t.group_by("g").aggregate(n=t.count(), total=t.a.sum(), big=t.a.sum(where=t.a > 15))


def join_inner():
    return t.join(u, t.g == u.g).select(t.id, u.uid, u.w)


def semi_anti():
    return t.semi_join(u, t.g == u.g).select("id").union(t.anti_join(u, t.g == u.g).select("id"))


def window_rank():
    return t.mutate(rn=pb.row_number().over(group_by=t.g, order_by=[t.a, t.id])).select("id", "rn")


def order_limit():
    return t.order_by(pb.desc("x"), "id").limit(3, offset=1).select("id", "x")


def distinct_groups():
    return t.select("g").distinct()


def read_parquet_file():
    f = pb.read_parquet(str(DATA / "t.parquet"))
    return f.filter(f.g == "b").select("id", "a")
