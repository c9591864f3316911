"""TPC-H Q3: shipping priority (SEGMENT BUILDING, DATE 1995-03-15)."""

import datetime as dt

from tpch_schema import customer as c
from tpch_schema import lineitem as l
from tpch_schema import orders as o

import planbridge as pb

day = dt.date(1995, 3, 15)
plan = (
    c.filter(c.c_mktsegment == "BUILDING")
    .join(o.filter(o.o_orderdate < day), c.c_custkey == o.o_custkey)
    .join(l.filter(l.l_shipdate > day), l.l_orderkey == o.o_orderkey)
    .group_by("l_orderkey", "o_orderdate", "o_shippriority")
    .aggregate(revenue=(l.l_extendedprice * (1 - l.l_discount)).sum())
    .select("l_orderkey", "revenue", "o_orderdate", "o_shippriority")
    .order_by(pb.desc("revenue"), "o_orderdate")
    .limit(10)
)
