"""TPC-H Q8: national market share (NATION BRAZIL, REGION AMERICA, TYPE ECONOMY ANODIZED STEEL)."""

import datetime as dt

from tpch_schema import customer as c
from tpch_schema import lineitem as l
from tpch_schema import nation
from tpch_schema import orders as o
from tpch_schema import part as p
from tpch_schema import region as r
from tpch_schema import supplier as s

import planbridge as pb

n1, n2 = nation.view(), nation.view()
all_nations = (
    p.join(l, p.p_partkey == l.l_partkey)
    .join(s, s.s_suppkey == l.l_suppkey)
    .join(o, l.l_orderkey == o.o_orderkey)
    .join(c, o.o_custkey == c.c_custkey)
    .join(n1, c.c_nationkey == n1.n_nationkey)
    .join(r, n1.n_regionkey == r.r_regionkey)
    .join(n2, s.s_nationkey == n2.n_nationkey)
    .filter(
        r.r_name == "AMERICA",
        o.o_orderdate.between(dt.date(1995, 1, 1), dt.date(1996, 12, 31)),
        p.p_type == "ECONOMY ANODIZED STEEL",
    )
    .select(
        o_year=o.o_orderdate.year(),
        volume=l.l_extendedprice * (1 - l.l_discount),
        nation=n2.n_name,
    )
)
v = all_nations.volume
plan = (
    all_nations.group_by("o_year")
    .aggregate(mkt_share=pb.ifelse(all_nations.nation == "BRAZIL", v, 0).sum() / v.sum())
    .order_by("o_year")
)
