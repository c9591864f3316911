"""TPC-H Q17: small-quantity-order revenue (BRAND 23, CONTAINER MED BOX).

The average quantity of the part is a correlated scalar subquery, as in the TPC-H text.
"""

from decimal import Decimal

from tpch_schema import lineitem as l
from tpch_schema import part as p

li = l.view()
limit_qty = (
    li.filter(li.l_partkey == p.p_partkey)
    .aggregate(limit_qty=Decimal("0.2") * li.l_quantity.mean())
    .as_scalar()
)
plan = (
    l.join(p, p.p_partkey == l.l_partkey)
    .filter(p.p_brand == "Brand#23", p.p_container == "MED BOX", l.l_quantity < limit_qty)
    .aggregate(avg_yearly=l.l_extendedprice.sum() / Decimal("7.0"))
)
