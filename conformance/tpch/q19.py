"""TPC-H Q19: discounted revenue (QUANTITY 1, 10, 20; BRAND 12, 23, 34)."""

from tpch_schema import lineitem as l
from tpch_schema import part as p


def branch(brand, containers, qty, size):
    return (
        (p.p_brand == brand)
        & p.p_container.isin(containers)
        & (l.l_quantity >= qty)
        & (l.l_quantity <= qty + 10)
        & p.p_size.between(1, size)
        & l.l_shipmode.isin(["AIR", "AIR REG"])
        & (l.l_shipinstruct == "DELIVER IN PERSON")
    )


plan = (
    l.join(p, p.p_partkey == l.l_partkey)
    .filter(
        branch("Brand#12", ["SM CASE", "SM BOX", "SM PACK", "SM PKG"], 1, 5)
        | branch("Brand#23", ["MED BAG", "MED BOX", "MED PKG", "MED PACK"], 10, 10)
        | branch("Brand#34", ["LG CASE", "LG BOX", "LG PACK", "LG PKG"], 20, 15)
    )
    .aggregate(revenue=(l.l_extendedprice * (1 - l.l_discount)).sum())
)
