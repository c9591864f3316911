"""TPC-H Q6: forecasting revenue change (DATE 1994-01-01, DISCOUNT 0.06, QUANTITY 24)."""

import datetime as dt
from decimal import Decimal

from tpch_schema import lineitem as l

plan = l.filter(
    l.l_shipdate >= dt.date(1994, 1, 1),
    l.l_shipdate < dt.date(1995, 1, 1),
    l.l_discount.between(Decimal("0.05"), Decimal("0.07")),
    l.l_quantity < 24,
).aggregate(revenue=(l.l_extendedprice * l.l_discount).sum())
