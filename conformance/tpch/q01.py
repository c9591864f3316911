"""TPC-H Q1: pricing summary report (DELTA = 90 days)."""

import datetime as dt

from tpch_schema import lineitem as l

import planbridge as pb

disc_price = l.l_extendedprice * (1 - l.l_discount)
plan = (
    l.filter(l.l_shipdate <= dt.date(1998, 12, 1) - dt.timedelta(days=90))
    .group_by("l_returnflag", "l_linestatus")
    .aggregate(
        sum_qty=l.l_quantity.sum(),
        sum_base_price=l.l_extendedprice.sum(),
        sum_disc_price=disc_price.sum(),
        sum_charge=(disc_price * (1 + l.l_tax)).sum(),
        avg_qty=l.l_quantity.mean(),
        avg_price=l.l_extendedprice.mean(),
        avg_disc=l.l_discount.mean(),
        count_order=l.count(),
    )
    .order_by(pb.asc("l_returnflag"), "l_linestatus")
)
