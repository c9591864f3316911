"""TPC-H Q10: returned item reporting (DATE 1993-10-01)."""

import datetime as dt

from tpch_schema import customer as c
from tpch_schema import lineitem as l
from tpch_schema import nation as n
from tpch_schema import orders as o

import planbridge as pb

plan = (
    c.join(o, c.c_custkey == o.o_custkey)
    .join(l, l.l_orderkey == o.o_orderkey)
    .join(n, c.c_nationkey == n.n_nationkey)
    .filter(
        o.o_orderdate >= dt.date(1993, 10, 1),
        o.o_orderdate < dt.date(1994, 1, 1),
        l.l_returnflag == "R",
    )
    .group_by("c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment")
    .aggregate(revenue=(l.l_extendedprice * (1 - l.l_discount)).sum())
    .select(
        "c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone", "c_comment"
    )
    .order_by(pb.desc("revenue"))
    .limit(20)
)
