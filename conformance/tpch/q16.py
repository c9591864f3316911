"""TPC-H Q16: parts/supplier relationship (BRAND 45, TYPE MEDIUM POLISHED, SIZES ...)."""

from tpch_schema import part as p
from tpch_schema import partsupp as ps
from tpch_schema import supplier as s

import planbridge as pb

complainers = s.filter(s.s_comment.like("%Customer%Complaints%")).select("s_suppkey")
plan = (
    ps.join(p, p.p_partkey == ps.ps_partkey)
    .filter(
        p.p_brand != "Brand#45",
        ~p.p_type.like("MEDIUM POLISHED%"),
        p.p_size.isin([49, 14, 23, 45, 19, 3, 36, 9]),
        ps.ps_suppkey.notin(complainers),
    )
    .group_by("p_brand", "p_type", "p_size")
    .aggregate(supplier_cnt=ps.ps_suppkey.nunique())
    .order_by(pb.desc("supplier_cnt"), "p_brand", "p_type", "p_size")
)
