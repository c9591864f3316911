"""TPC-H Q5: local supplier volume (REGION ASIA, DATE 1994-01-01)."""

import datetime as dt

from tpch_schema import customer as c
from tpch_schema import lineitem as l
from tpch_schema import nation as n
from tpch_schema import orders as o
from tpch_schema import region as r
from tpch_schema import supplier as s

import planbridge as pb

plan = (
    c.join(o, c.c_custkey == o.o_custkey)
    .join(l, l.l_orderkey == o.o_orderkey)
    .join(s, (l.l_suppkey == s.s_suppkey) & (c.c_nationkey == s.s_nationkey))
    .join(n, s.s_nationkey == n.n_nationkey)
    .join(r, n.n_regionkey == r.r_regionkey)
    .filter(
        r.r_name == "ASIA",
        o.o_orderdate >= dt.date(1994, 1, 1),
        o.o_orderdate < dt.date(1995, 1, 1),
    )
    .group_by("n_name")
    .aggregate(revenue=(l.l_extendedprice * (1 - l.l_discount)).sum())
    .order_by(pb.desc("revenue"))
)
