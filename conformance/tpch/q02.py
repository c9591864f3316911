"""TPC-H Q2: minimum cost supplier (SIZE 15, TYPE BRASS, REGION EUROPE).

The minimum cost of the part in the region is a correlated scalar subquery, as in the TPC-H
text.
"""

from tpch_schema import nation, part, partsupp, region, supplier

import planbridge as pb

ps2, s2, n2, r2 = partsupp.view(), supplier.view(), nation.view(), region.view()
min_cost = (
    ps2.join(s2, ps2.ps_suppkey == s2.s_suppkey)
    .join(n2, s2.s_nationkey == n2.n_nationkey)
    .join(r2, n2.n_regionkey == r2.r_regionkey)
    .filter(r2.r_name == "EUROPE", ps2.ps_partkey == part.p_partkey)
    .aggregate(min_cost=ps2.ps_supplycost.min())
    .as_scalar()
)
plan = (
    part.join(partsupp, part.p_partkey == partsupp.ps_partkey)
    .join(supplier, supplier.s_suppkey == partsupp.ps_suppkey)
    .join(nation, supplier.s_nationkey == nation.n_nationkey)
    .join(region, nation.n_regionkey == region.r_regionkey)
    .filter(
        part.p_size == 15,
        part.p_type.like("%BRASS"),
        region.r_name == "EUROPE",
        partsupp.ps_supplycost == min_cost,
    )
    .select(
        "s_acctbal", "s_name", "n_name", "p_partkey", "p_mfgr", "s_address", "s_phone", "s_comment"
    )
    .order_by(pb.desc("s_acctbal"), "n_name", "s_name", "p_partkey")
    .limit(100)
)
