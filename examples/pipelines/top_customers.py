"""Batch pipeline: each customer's spend on large orders, top 5 by total.

Defines ``plan`` (what ``planbridge compile`` writes) and ``tables()`` (deterministic demo
data, so ``./dev demo`` can run the plan on DuckDB).
"""

import datetime as dt
import random
from decimal import Decimal

import pyarrow as pa

import planbridge as pb

orders = pb.table(
    "orders",
    {
        "o_orderkey": "int64",
        "o_custkey": "int64",
        "o_totalprice": "decimal(15,2)",
        "o_orderdate": "date",
    },
)
customers = pb.table("customers", {"c_custkey": "int64", "c_name": "string", "c_segment": "string"})

big = orders.filter(orders.o_totalprice > 1000, orders.o_orderdate >= dt.date(2024, 1, 1))
plan = (
    big.join(customers, big.o_custkey == customers.c_custkey)
    .group_by("c_name", "c_segment")
    .aggregate(
        orders=big.count(),
        total=big.o_totalprice.sum(),
        first_order=big.o_orderdate.min(),
    )
    .order_by(pb.desc("total"), "c_name")
    .limit(5)
)


def tables() -> dict[str, pa.Table]:
    """200 orders over 12 customers, the same on every run."""
    rng = random.Random(7)
    names = ["ada", "bo", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "jo", "kai", "lu"]
    customers_data = pa.table(
        {
            "c_custkey": pa.array(range(1, 13), pa.int64()),
            "c_name": names,
            "c_segment": [("retail", "wholesale", "online")[i % 3] for i in range(12)],
        }
    )
    start = dt.date(2023, 10, 1)
    orders_data = pa.table(
        {
            "o_orderkey": pa.array(range(1, 201), pa.int64()),
            "o_custkey": pa.array([rng.randint(1, 12) for _ in range(200)], pa.int64()),
            "o_totalprice": pa.array(
                [Decimal(rng.randint(100, 500_000)) / 100 for _ in range(200)], pa.decimal128(15, 2)
            ),
            "o_orderdate": [start + dt.timedelta(days=rng.randint(0, 200)) for _ in range(200)],
        }
    )
    return {"orders": orders_data, "customers": customers_data}
