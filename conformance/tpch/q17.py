"""TPC-H Q17: small-quantity-order revenue (BRAND 23, CONTAINER MED BOX).

The correlated average is computed once per part and joined back.
"""

from decimal import Decimal

from tpch_schema import lineitem as l
from tpch_schema import part as p

li = l.view()
avg_qty = li.group_by(pk=li.l_partkey).aggregate(limit_qty=Decimal("0.2") * li.l_quantity.mean())
plan = (
    l.join(
        p.filter(p.p_brand == "Brand#23", p.p_container == "MED BOX"), p.p_partkey == l.l_partkey
    )
    .join(avg_qty, avg_qty.pk == p.p_partkey)
    .filter(l.l_quantity < avg_qty.limit_qty)
    .aggregate(avg_yearly=l.l_extendedprice.sum() / Decimal("7.0"))
)
