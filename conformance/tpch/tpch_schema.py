"""The eight TPC-H tables as planbridge sources, with the types TPC-H plans declare.

Keys are int64 except the nation/region keys, p_size and o_shippriority (int32); money
and quantities are decimal(15,2); dates are date; text is string
(see ``planbridge.testing.tpch``). The query files import their tables from here.
"""

import planbridge as pb

D = "decimal(15,2)"

nation = pb.table(
    "nation",
    {"n_nationkey": "int32", "n_name": "string", "n_regionkey": "int64", "n_comment": "string"},
)
region = pb.table("region", {"r_regionkey": "int32", "r_name": "string", "r_comment": "string"})
part = pb.table(
    "part",
    {
        "p_partkey": "int64",
        "p_name": "string",
        "p_mfgr": "string",
        "p_brand": "string",
        "p_type": "string",
        "p_size": "int32",
        "p_container": "string",
        "p_retailprice": D,
        "p_comment": "string",
    },
)
supplier = pb.table(
    "supplier",
    {
        "s_suppkey": "int64",
        "s_name": "string",
        "s_address": "string",
        "s_nationkey": "int32",
        "s_phone": "string",
        "s_acctbal": D,
        "s_comment": "string",
    },
)
partsupp = pb.table(
    "partsupp",
    {
        "ps_partkey": "int64",
        "ps_suppkey": "int64",
        "ps_availqty": "int64",
        "ps_supplycost": D,
        "ps_comment": "string",
    },
)
customer = pb.table(
    "customer",
    {
        "c_custkey": "int64",
        "c_name": "string",
        "c_address": "string",
        "c_nationkey": "int32",
        "c_phone": "string",
        "c_acctbal": D,
        "c_mktsegment": "string",
        "c_comment": "string",
    },
)
orders = pb.table(
    "orders",
    {
        "o_orderkey": "int64",
        "o_custkey": "int64",
        "o_orderstatus": "string",
        "o_totalprice": D,
        "o_orderdate": "date",
        "o_orderpriority": "string",
        "o_clerk": "string",
        "o_shippriority": "int32",
        "o_comment": "string",
    },
)
lineitem = pb.table(
    "lineitem",
    {
        "l_orderkey": "int64",
        "l_partkey": "int64",
        "l_suppkey": "int64",
        "l_linenumber": "int64",
        "l_quantity": D,
        "l_extendedprice": D,
        "l_discount": D,
        "l_tax": D,
        "l_returnflag": "string",
        "l_linestatus": "string",
        "l_shipdate": "date",
        "l_commitdate": "date",
        "l_receiptdate": "date",
        "l_shipinstruct": "string",
        "l_shipmode": "string",
        "l_comment": "string",
    },
)

