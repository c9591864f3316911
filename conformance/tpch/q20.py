"""TPC-H Q20: potential part promotion (COLOR forest, DATE 1994-01-01, NATION CANADA).

The correlated sum is computed per (part, supplier) and joined back.
"""

import datetime as dt
from decimal import Decimal

from tpch_schema import lineitem as l
from tpch_schema import nation as n
from tpch_schema import part as p
from tpch_schema import partsupp as ps
from tpch_schema import supplier as s

shipped = (
    l.filter(l.l_shipdate >= dt.date(1994, 1, 1), l.l_shipdate < dt.date(1995, 1, 1))
    .group_by("l_partkey", "l_suppkey")
    .aggregate(half_qty=Decimal("0.5") * l.l_quantity.sum())
)
forest = p.filter(p.p_name.like("forest%")).select("p_partkey")
candidates = (
    ps.filter(ps.ps_partkey.isin(forest))
    .join(shipped, (shipped.l_partkey == ps.ps_partkey) & (shipped.l_suppkey == ps.ps_suppkey))
    .filter(ps.ps_availqty > shipped.half_qty)
    .select("ps_suppkey")
)
plan = (
    s.join(n, s.s_nationkey == n.n_nationkey)
    .filter(s.s_suppkey.isin(candidates), n.n_name == "CANADA")
    .select("s_name", "s_address")
    .order_by("s_name")
)
