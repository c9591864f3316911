"""TPC-H Q9: product type profit measure (COLOR green)."""

from tpch_schema import lineitem as l
from tpch_schema import nation as n
from tpch_schema import orders as o
from tpch_schema import part as p
from tpch_schema import partsupp as ps
from tpch_schema import supplier as s

import planbridge as pb

profit = (
    p.filter(p.p_name.like("%green%"))
    .join(l, p.p_partkey == l.l_partkey)
    .join(s, s.s_suppkey == l.l_suppkey)
    .join(ps, (ps.ps_suppkey == l.l_suppkey) & (ps.ps_partkey == l.l_partkey))
    .join(o, o.o_orderkey == l.l_orderkey)
    .join(n, s.s_nationkey == n.n_nationkey)
    .select(
        nation=n.n_name,
        o_year=o.o_orderdate.year(),
        amount=l.l_extendedprice * (1 - l.l_discount) - ps.ps_supplycost * l.l_quantity,
    )
)
plan = (
    profit.group_by("nation", "o_year")
    .aggregate(sum_profit=profit.amount.sum())
    .order_by("nation", pb.desc("o_year"))
)
