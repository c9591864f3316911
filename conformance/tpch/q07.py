"""TPC-H Q7: volume shipping (NATION1 FRANCE, NATION2 GERMANY)."""

import datetime as dt

from tpch_schema import customer as c
from tpch_schema import lineitem as l
from tpch_schema import nation
from tpch_schema import orders as o
from tpch_schema import supplier as s

n1, n2 = nation.view(), nation.view()
shipping = (
    s.join(l, s.s_suppkey == l.l_suppkey)
    .join(o, o.o_orderkey == l.l_orderkey)
    .join(c, c.c_custkey == o.o_custkey)
    .join(n1, s.s_nationkey == n1.n_nationkey)
    .join(n2, c.c_nationkey == n2.n_nationkey)
    .filter(
        ((n1.n_name == "FRANCE") & (n2.n_name == "GERMANY"))
        | ((n1.n_name == "GERMANY") & (n2.n_name == "FRANCE")),
        l.l_shipdate.between(dt.date(1995, 1, 1), dt.date(1996, 12, 31)),
    )
    .select(
        supp_nation=n1.n_name,
        cust_nation=n2.n_name,
        l_year=l.l_shipdate.year(),
        volume=l.l_extendedprice * (1 - l.l_discount),
    )
)
plan = (
    shipping.group_by("supp_nation", "cust_nation", "l_year")
    .aggregate(revenue=shipping.volume.sum())
    .order_by("supp_nation", "cust_nation", "l_year")
)
