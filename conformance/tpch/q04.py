"""TPC-H Q4: order priority checking (DATE 1993-07-01): EXISTS as a semi join."""

import datetime as dt

from tpch_schema import lineitem as l
from tpch_schema import orders as o

plan = (
    o.filter(o.o_orderdate >= dt.date(1993, 7, 1), o.o_orderdate < dt.date(1993, 10, 1))
    .semi_join(l.filter(l.l_commitdate < l.l_receiptdate), l.l_orderkey == o.o_orderkey)
    .group_by("o_orderpriority")
    .aggregate(order_count=o.count())
    .order_by("o_orderpriority")
)
