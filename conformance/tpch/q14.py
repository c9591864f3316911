"""TPC-H Q14: promotion effect (DATE 1995-09-01)."""

import datetime as dt
from decimal import Decimal

from tpch_schema import lineitem as l
from tpch_schema import part as p

import planbridge as pb

revenue = l.l_extendedprice * (1 - l.l_discount)
plan = (
    l.join(p, l.l_partkey == p.p_partkey)
    .filter(l.l_shipdate >= dt.date(1995, 9, 1), l.l_shipdate < dt.date(1995, 10, 1))
    .aggregate(
        promo_revenue=Decimal("100.00")
        * pb.ifelse(p.p_type.like("PROMO%"), revenue, 0).sum()
        / revenue.sum()
    )
)
