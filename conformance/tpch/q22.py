"""TPC-H Q22: global sales opportunity (I1..I7 = 13, 31, 23, 29, 30, 18, 17)."""

from tpch_schema import customer as c
from tpch_schema import orders as o

codes = ["13", "31", "23", "29", "30", "18", "17"]
c2 = c.view()
avg_balance = (
    c2.filter(c2.c_acctbal > 0, c2.c_phone.substr(0, 2).isin(codes))
    .aggregate(a=c2.c_acctbal.mean())
    .as_scalar()
)
custsale = (
    c.filter(c.c_phone.substr(0, 2).isin(codes), c.c_acctbal > avg_balance)
    .anti_join(o, o.o_custkey == c.c_custkey)
    .select(cntrycode=c.c_phone.substr(0, 2), c_acctbal=c.c_acctbal)
)
plan = (
    custsale.group_by("cntrycode")
    .aggregate(numcust=custsale.count(), totacctbal=custsale.c_acctbal.sum())
    .order_by("cntrycode")
)
