"""TPC-H Q21: suppliers who kept orders waiting (NATION SAUDI ARABIA).

EXISTS and NOT EXISTS become semi and anti joins with a non-equi condition.
"""

from tpch_schema import lineitem
from tpch_schema import nation as n
from tpch_schema import orders as o
from tpch_schema import supplier as s

import planbridge as pb

l1, l2, l3 = lineitem.view(), lineitem.view(), lineitem.view()
late = l3.filter(l3.l_receiptdate > l3.l_commitdate)
waiting = (
    l1.filter(l1.l_receiptdate > l1.l_commitdate)
    .semi_join(l2, (l2.l_orderkey == l1.l_orderkey) & (l2.l_suppkey != l1.l_suppkey))
    .anti_join(late, (late.l_orderkey == l1.l_orderkey) & (late.l_suppkey != l1.l_suppkey))
)
plan = (
    s.join(waiting, s.s_suppkey == waiting.l_suppkey)
    .join(o, o.o_orderkey == waiting.l_orderkey)
    .join(n, s.s_nationkey == n.n_nationkey)
    .filter(o.o_orderstatus == "F", n.n_name == "SAUDI ARABIA")
    .group_by("s_name")
    .aggregate(numwait=s.count())
    .order_by(pb.desc("numwait"), "s_name")
    .limit(100)
)
