"""TPC-H Q18: large volume customer (QUANTITY 300)."""

from tpch_schema import customer as c
from tpch_schema import lineitem as l
from tpch_schema import orders as o

import planbridge as pb

li = l.view()
per_order = li.group_by("l_orderkey").aggregate(q=li.l_quantity.sum())
big_orders = per_order.filter(per_order.q > 300).select("l_orderkey")
plan = (
    c.join(o, c.c_custkey == o.o_custkey)
    .join(l, o.o_orderkey == l.l_orderkey)
    .filter(o.o_orderkey.isin(big_orders))
    .group_by("c_name", "c_custkey", "o_orderkey", "o_orderdate", "o_totalprice")
    .aggregate(sum_qty=l.l_quantity.sum())
    .order_by(pb.desc("o_totalprice"), "o_orderdate")
    .limit(100)
)
