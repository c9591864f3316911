"""TPC-H Q2: minimum cost supplier (SIZE 15, TYPE BRASS, REGION EUROPE)."""

from tpch_schema import nation, part, partsupp, region, supplier

import planbridge as pb

ps = partsupp.view()
offers = (
    ps.join(supplier, ps.ps_suppkey == supplier.s_suppkey)
    .join(nation, supplier.s_nationkey == nation.n_nationkey)
    .join(region, nation.n_regionkey == region.r_regionkey)
    .filter(region.r_name == "EUROPE")
)
cheapest = offers.group_by(pk=offers.ps_partkey).aggregate(min_cost=offers.ps_supplycost.min())
plan = (
    part.filter(part.p_size == 15, part.p_type.like("%BRASS"))
    .join(offers, part.p_partkey == offers.ps_partkey)
    .join(
        cheapest,
        (part.p_partkey == cheapest.pk) & (offers.ps_supplycost == cheapest.min_cost),
    )
    .select(
        "s_acctbal", "s_name", "n_name", "p_partkey", "p_mfgr", "s_address", "s_phone", "s_comment"
    )
    .order_by(pb.desc("s_acctbal"), "n_name", "s_name", "p_partkey")
    .limit(100)
)
