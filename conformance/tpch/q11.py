"""TPC-H Q11: important stock identification (NATION GERMANY, FRACTION 0.0001)."""

from decimal import Decimal

from tpch_schema import nation as n
from tpch_schema import partsupp as ps
from tpch_schema import supplier as s

import planbridge as pb

german = (
    ps.join(s, ps.ps_suppkey == s.s_suppkey)
    .join(n, s.s_nationkey == n.n_nationkey)
    .filter(n.n_name == "GERMANY")
)
worth = german.ps_supplycost * german.ps_availqty
threshold = german.aggregate(t=worth.sum() * Decimal("0.0001")).as_scalar()
values = german.group_by("ps_partkey").aggregate(value=worth.sum())
plan = values.filter(values.value > threshold).order_by(pb.desc("value"))
