"""TPC-H Q12: shipping modes and order priority (MAIL, SHIP; DATE 1994-01-01)."""

import datetime as dt

from tpch_schema import lineitem as l
from tpch_schema import orders as o

import planbridge as pb

urgent = (o.o_orderpriority == "1-URGENT") | (o.o_orderpriority == "2-HIGH")
plan = (
    o.join(l, o.o_orderkey == l.l_orderkey)
    .filter(
        l.l_shipmode.isin(["MAIL", "SHIP"]),
        l.l_commitdate < l.l_receiptdate,
        l.l_shipdate < l.l_commitdate,
        l.l_receiptdate >= dt.date(1994, 1, 1),
        l.l_receiptdate < dt.date(1995, 1, 1),
    )
    .group_by("l_shipmode")
    .aggregate(
        high_line_count=pb.ifelse(urgent, 1, 0).sum(),
        low_line_count=pb.ifelse(~urgent, 1, 0).sum(),
    )
    .order_by("l_shipmode")
)
