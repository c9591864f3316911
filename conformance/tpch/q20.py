"""TPC-H Q20: potential part promotion (COLOR forest, DATE 1994-01-01, NATION CANADA).

Half the quantity shipped of the part by the supplier is a correlated scalar subquery, as in
the TPC-H text.
"""

import datetime as dt
from decimal import Decimal

from tpch_schema import lineitem as l
from tpch_schema import nation as n
from tpch_schema import part as p
from tpch_schema import partsupp as ps
from tpch_schema import supplier as s

half_qty = (
    l.filter(
        l.l_partkey == ps.ps_partkey,
        l.l_suppkey == ps.ps_suppkey,
        l.l_shipdate >= dt.date(1994, 1, 1),
        l.l_shipdate < dt.date(1995, 1, 1),
    )
    .aggregate(half_qty=Decimal("0.5") * l.l_quantity.sum())
    .as_scalar()
)
forest = p.filter(p.p_name.like("forest%")).select("p_partkey")
candidates = ps.filter(ps.ps_partkey.isin(forest), ps.ps_availqty > half_qty).select("ps_suppkey")
plan = (
    s.join(n, s.s_nationkey == n.n_nationkey)
    .filter(s.s_suppkey.isin(candidates), n.n_name == "CANADA")
    .select("s_name", "s_address")
    .order_by("s_name")
)
