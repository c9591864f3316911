"""TPC-H Q13: customer distribution (WORD1 special, WORD2 requests)."""

from tpch_schema import customer as c
from tpch_schema import orders as o

import planbridge as pb

c_orders = (
    c.join(o, (c.c_custkey == o.o_custkey) & ~o.o_comment.like("%special%requests%"), how="left")
    .group_by("c_custkey")
    .aggregate(c_count=o.o_orderkey.count())
)
plan = (
    c_orders.group_by("c_count")
    .aggregate(custdist=c_orders.count())
    .order_by(pb.desc("custdist"), pb.desc("c_count"))
)
