"""TPC-H Q15: top supplier (DATE 1996-01-01)."""

import datetime as dt

from tpch_schema import lineitem as l
from tpch_schema import supplier as s

revenue = (
    l.filter(l.l_shipdate >= dt.date(1996, 1, 1), l.l_shipdate < dt.date(1996, 4, 1))
    .group_by(supplier_no=l.l_suppkey)
    .aggregate(total_revenue=(l.l_extendedprice * (1 - l.l_discount)).sum())
)
top = revenue.aggregate(m=revenue.total_revenue.max()).as_scalar()
plan = (
    s.join(revenue, s.s_suppkey == revenue.supplier_no)
    .filter(revenue.total_revenue == top)
    .select("s_suppkey", "s_name", "s_address", "s_phone", "total_revenue")
    .order_by("s_suppkey")
)
